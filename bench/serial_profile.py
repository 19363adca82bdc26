#!/usr/bin/env python3
"""Where the calling thread works alone: JFR execution samples of one thread (default "main") whose stack has no
GemmPool frame (so not inside a parallel call, where the caller runs tasks beside the workers), summed by the
innermost org.convnet4j frame and by the first frame of a layer/graph/optimizer class. Sample counts, not times:
a JFR sample every 10-20 ms of the thread's running time.
  jfr print --events jdk.ExecutionSample --stack-depth 64 run.jfr > samples.txt
  python3 bench/serial_profile.py samples.txt [thread] [top] [frame]
With [frame] (e.g. StepBuffers.step) only samples whose stack holds that frame count (the steps, not the set-up).
"""
import re
import sys
from collections import Counter

path = sys.argv[1]
thread = sys.argv[2] if len(sys.argv) > 2 else "main"
top = int(sys.argv[3]) if len(sys.argv) > 3 else 30
within = sys.argv[4] if len(sys.argv) > 4 else None
inner, owner, total, serial = Counter(), Counter(), 0, 0
frames, who = [], None
OWNER = re.compile(r"org\.convnet4j\.(nn\.layers\.\w+|nn\.Graph|nn\.StepBuffers|train\.optim\.\w+|ops\.\w+)\.")


def flush():
    global total, serial
    if who != thread or not frames or (within and not any(within in f for f in frames)):
        return
    total += 1
    if any("GemmPool" in f for f in frames):
        return
    serial += 1
    mine = [f for f in frames if f.startswith("org.convnet4j.")]
    inner[mine[0] if mine else frames[0]] += 1
    for f in frames:
        m = OWNER.match(f)
        if m:
            owner[f.split("(")[0]] += 1
            break
    else:
        owner["(none)"] += 1


for line in open(path):
    s = line.strip()
    if s.startswith("jdk.ExecutionSample"):
        flush()
        frames, who = [], None
    elif s.startswith("sampledThread"):
        m = re.search(r'"([^"]*)"', s)
        who = m.group(1) if m else None
    elif s.endswith("]") or s.startswith("stackTrace") or s in ("{", "}"):
        continue
    elif "line:" in s:
        frames.append(re.sub(r"\s+line:.*", "", s))
flush()
print(f"# thread {thread}: {total} samples, {serial} outside parallel calls ({100.0 * serial / max(1, total):.1f}%)")
print("# by the first layer/graph/optimizer/ops frame")
for k, v in owner.most_common(top):
    print(f"{v:6d} {100.0 * v / max(1, serial):5.1f}%  {k}")
print("# by the innermost org.convnet4j frame")
for k, v in inner.most_common(top):
    print(f"{v:6d} {100.0 * v / max(1, serial):5.1f}%  {k}")

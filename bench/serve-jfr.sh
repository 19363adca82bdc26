#!/usr/bin/env bash
# Where a served LeNet-5 request's CPU goes, by JFR's execution samples (async-profiler is not available): starts
# 'convnet4j serve' from JAR (--max-batch MAX_BATCH), warms it with four 5-s wrk runs at CONC connections (binary
# v2, 1 sample per request), records a 15-s wrk run with JFR's profile settings, and prints the share of samples
# by thread group, by code area (the forward pass, v2 parsing/encoding, the batcher, Jetty, JDK NIO, other) and the
# top frames (areas from the whole stack, up to 64 frames; MIX=picture adds the picture decode and the model's
# preprocessing). Samples in jdk.incubator.vector's Java fallback (tOpTemplate, rvOp, ldOp) mean C2 had not yet
# compiled the kernels: the profile is then of a cold JVM (on a loaded machine it can stay so for minutes).
# It also prints the bytes allocated per request, by thread (jdk.ThreadAllocationStatistics at the recording's start
# and end) and by allocation site (jdk.ObjectAllocationSample weights, top frames outside java.*/jdk.*).
# Usage: bench/serve-jfr.sh JAR MAX_BATCH CONC [OUT.jfr]   (SERVE_ARGS: extra serve options; WARM: 5-s warm-up runs,
#        default 4 (a loaded machine needs more before C2 has compiled the kernels); MIX: the wrk mix,
#        default bin1, e.g. bin8 for 8-sample requests; the model and bodies as serve-perfstat.sh: DIR=$C4J_PERF_DIR,
#        default /tmp/c4j-perf)
set -uo pipefail
[ $# -ge 3 ] || { sed -n '2,10p' "$0" >&2; exit 2; }
JAR=$1; MB=$2; C=$3; JFR=${4:-$(mktemp -u /tmp/serve-XXXX.jfr)}
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
DIR=${C4J_PERF_DIR:-/tmp/c4j-perf}; PORT=18196; LOG=$(mktemp)
. "$REPO/bench/serve-start.sh"
serve_start "$JAR" $PORT lenet5 "$DIR/lenet5.c4j" "$MB" "$LOG"
trap 'kill $P 2>/dev/null; wait $P 2>/dev/null; rm -f "$LOG"' EXIT
T=$(( C < 2 ? 1 : 2 ))
MIX=${MIX:-bin1}
drive() { wrk -t$T -c"$C" -d"$1"s -s "$REPO/bench/serve-load.lua" http://127.0.0.1:$PORT -- lenet5 "$DIR/lenet5" "$MIX"; }
for _ in $(seq "${WARM:-4}"); do drive 5 >/dev/null; done
jcmd $P JFR.start name=serve settings=profile >/dev/null
rps=$(drive 15 | awk '$1 == "rps" { print $2 }')
jcmd $P JFR.dump name=serve filename="$JFR" >/dev/null
echo "max batch $MB, concurrency $C, $MIX: requests/s $rps, load $(cut -d' ' -f1 /proc/loadavg), recording $JFR"
jfr print --stack-depth 64 --events jdk.ExecutionSample "$JFR" | python3 -c '
import re, sys, collections
events = sys.stdin.read().split("jdk.ExecutionSample {")[1:]
areas = [("picture decode (Images, ImageIO)", r"org\.convnet4j\.image\.Images\.(read|toTensor)|javax\.imageio"),
         ("preprocessing (resize, grey)", r"Preprocessing|toGrey|Resize"),
         ("forward pass (nn, tensor, ops, kernels)", r"org\.convnet4j\.(nn|tensor|ops)\."),
         ("v2 parse and encode", r"InferenceProtocol|JsonBytes"), ("batcher", r"serve\.Batcher"),
         ("lone-connection poll", r"LoneConnection"), ("Jetty", r"org\.eclipse\.jetty"), ("JDK NIO", r"sun\.nio|java\.nio")]
thread, area, top = collections.Counter(), collections.Counter(), collections.Counter()
for e in events:
    m = re.search(r"sampledThread = \"([^\"]+)\"", e)
    thread[re.sub(r"[-\d]+$", "", m.group(1)) if m else "?"] += 1
    frames = re.findall(r"^\s+([\w.$<>]+)\(", e.split("stackTrace = [", 1)[-1], re.M)
    area[next((k for k, p in areas if re.search(p, " ".join(frames))), "other")] += 1
    if frames:
        top[frames[0]] += 1
n = max(1, len(events))
print("  %d samples" % len(events))
for title, c, k in (("thread", thread, 6), ("area", area, 10), ("top frame", top, 12)):
    for name, v in c.most_common(k):
        print("  %-9s %-60s %5.1f%%" % (title, name, 100.0 * v / n))
'
# allocation per request: each thread's allocated-bytes counter at the recording's first and last chunk, and the
# sampled allocation sites (weight = bytes the sample stands for)
jfr print --stack-depth 64 --events jdk.ThreadAllocationStatistics,jdk.ObjectAllocationSample "$JFR" | RPS="$rps" python3 -c '
import os, re, sys, collections
text = sys.stdin.read()
requests = max(1.0, float(os.environ["RPS"] or 0) * 15)
first, last = {}, {}
for e in text.split("jdk.ThreadAllocationStatistics {")[1:]:
    e = e.split("}", 1)[0] if "stackTrace" not in e else e
    a = re.search(r"allocated = ([\d.]+) (bytes|kB|MB|GB)", e)
    t = re.search(r"thread = \"([^\"]+)\" \(javaThreadId = (\d+)\)", e)
    if not a or not t:
        continue
    v = float(a.group(1)) * {"bytes": 1, "kB": 1024, "MB": 1024 ** 2, "GB": 1024 ** 3}[a.group(2)]
    name = t.group(1) + "#" + t.group(2)
    first.setdefault(name, v)
    last[name] = v
by = collections.Counter()
for name in last:
    by[re.sub(r"[-\d]*#\d+$", "", name)] += last[name] - first[name]
print("  allocated per request (ThreadAllocationStatistics): %.0f bytes" % (sum(by.values()) / requests))
for name, v in by.most_common(6):
    print("    %-40s %10.0f bytes/request" % (name, v / requests))
site = collections.Counter()
for e in text.split("jdk.ObjectAllocationSample {")[1:]:
    w = re.search(r"weight = ([\d.]+) (bytes|kB|MB|GB)", e)
    if not w:
        continue
    frames = re.findall(r"^\s+([\w.$<>]+)\(", e.split("stackTrace = [", 1)[-1], re.M)
    own = next((f for f in frames if not f.startswith(("java.", "jdk.", "sun."))), frames[0] if frames else "?")
    site[own] += float(w.group(1)) * {"bytes": 1, "kB": 1024, "MB": 1024 ** 2, "GB": 1024 ** 3}[w.group(2)]
total = sum(site.values()) or 1
print("  sampled allocation by first frame outside the JDK (share of sampled weight):")
for name, v in site.most_common(10):
    print("    %-70s %5.1f%%" % (name, 100.0 * v / total))
'

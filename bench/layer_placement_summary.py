# Which layers a far placement of the two vCPUs slows: groups LayerProfile's placement blocks
# (-Dconvnet4j.profile.placement=B, run under bench/pin-two-threads.sh) by the block's line round trip (near under
# 150 ns, far from it) and prints per layer row the median ms per pass (and of its calls' fastest times, with
# -Dconvnet4j.profile.min=true) near and far, sorted by what far costs more. Training walks (LayerProfile ... train)
# also get the rows summed by kind and pass (bench/layer_kinds.py's kinds: forward, data and weight gradients, batch
# norm, ReLU, the optimizer, ...), the medians and the fastest calls' sums near and far; with
# -Dconvnet4j.profile.cpu=span -Dconvnet4j.pool.span=true also each kind's work (thread CPU of the caller and the
# tasks: what the far placement's misses cost, little moved by other processes) near and far.
# With LayerProfile's -Dconvnet4j.profile.blocks=alternate, --split blocks (or shared) keeps that half's blocks alone.
#   python3 bench/layer_placement_summary.py OUT [SKIP_BLOCKS] [--split blocks|shared]
import os
import re
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from layer_kinds import kind, phase  # noqa: E402

split = None
if "--split" in sys.argv:
    i = sys.argv.index("--split")
    split = sys.argv[i + 1]
    del sys.argv[i:i + 2]
path = sys.argv[1]
skip = int(sys.argv[2]) if len(sys.argv) > 2 else 1
blocks = []  # (trip, total ms, {row: (ms, best)}, {row: work ms})
for line in open(path):
    m = re.match(r"## block (\d+), line round trip ns min (\d+)", line)
    if m:
        blocks.append([float(m.group(2)), None, {}, {}, line.rstrip().endswith(", split " + split) if split else True])
        continue
    if not blocks:
        continue
    m = re.match(r"# .+? batch \d+: ([\d.]+) ms per pass", line)
    if m:
        blocks[-1][1] = float(m.group(1))
        continue
    m = re.match(r"\s*" + r"(-?[\d.]+)\s+" * 7 + r"(\d+)\s+([\d.]+)\s+(\S.*)$", line)
    if m and not line.startswith("#"):  # a span row: work span serial idle wall wallIdle use calls jobs layer
        blocks[-1][3][m.group(10).strip()] = float(m.group(1))
        continue
    m = re.match(r"\s*([\d.]+)\s+[\d.]+%\s+(\d+)\s+([\d.]+)\s+([\d.]+)?\s*(\S.*)$", line)
    if m and not line.startswith("#"):
        best = float(m.group(4)) if m.group(4) else float("nan")
        blocks[-1][2][m.group(5).strip()] = (float(m.group(1)), best, int(m.group(2)))
blocks = [b for b in blocks[skip:] if b[4]]
near = [b for b in blocks if b[0] < 150]
far = [b for b in blocks if b[0] >= 150]
print(f"{len(near)} near blocks, {len(far)} far blocks (first {skip} left out)")
if not near or not far:
    sys.exit(0)
med = lambda v: statistics.median(v) if v else float("nan")
print(f"whole pass ms: near {med([b[1] for b in near]):.2f}, far {med([b[1] for b in far]):.2f}")
rows = {k for b in blocks for k in b[2]}
out = []
for k in rows:
    n = [b[2][k] for b in near if k in b[2]]
    f = [b[2][k] for b in far if k in b[2]]
    nm, fm = med([r[0] for r in n]), med([r[0] for r in f])
    nb, fb = med([r[1] for r in n]), med([r[1] for r in f])
    out.append((fm - nm, nm, fm, nb, fb, n[0][2] if n else 0, k))
out.sort(reverse=True)
print(f"{'far-near':>9} {'near':>8} {'far':>8} {'far/near':>8} {'bestN':>8} {'bestF':>8} {'calls':>5} layer")
for d, nm, fm, nb, fb, c, k in out:
    print(f"{d:9.3f} {nm:8.3f} {fm:8.3f} {fm / nm if nm else 0:8.3f} {nb:8.3f} {fb:8.3f} {c:5d} {k}")
print(f"sum of the rows' far-near: {sum(o[0] for o in out):.2f} ms")
if not any(k.endswith(("forward", "backward", "backward data", "backward weights")) for k in rows):
    sys.exit(0)
# training: by kind and pass (medians of each block's sums; the fastest calls' sums)
groups = {}
for k in rows:
    kd = kind(k)
    groups.setdefault((kd, "" if kd.startswith(("optimizer", "graph")) else phase(k)), []).append(k)
sums = lambda bs, ks, i: med([sum(b[2][k][i] for k in ks if k in b[2]) for b in bs])
work = lambda bs, ks: med([sum(b[3].get(k, 0.0) for k in ks) for b in bs if b[3]])
out = []
for g, ks in groups.items():
    nm, fm, nb, fb = sums(near, ks, 0), sums(far, ks, 0), sums(near, ks, 1), sums(far, ks, 1)
    out.append((fb - nb if nb == nb else fm - nm, nm, fm, nb, fb, work(near, ks), work(far, ks), g))
out.sort(reverse=True)
print(f"\nby kind and pass, ms per step (sorted by far - near of the fastest calls, else of the medians; work: thread "
      f"CPU of the caller and the tasks, with -Dconvnet4j.profile.cpu=span)")
print(f"{'near':>8} {'far':>8} {'far/near':>8} {'bestN':>8} {'bestF':>8} {'bestF-N':>8} {'workN':>8} {'workF':>8} "
      f"{'workF/N':>8} kind, pass")
for d, nm, fm, nb, fb, wn, wf, (kd, ph) in out:
    print(f"{nm:8.2f} {fm:8.2f} {fm / nm if nm else 0:8.3f} {nb:8.2f} {fb:8.2f} {fb - nb:8.2f} {wn:8.2f} {wf:8.2f} "
          f"{wf / wn if wn else float('nan'):8.3f} {kd}, {ph}")
tot = lambda i: sum(o[i] for o in out if o[i] == o[i])
print(f"sums: near {tot(1):.1f}, far {tot(2):.1f}; fastest calls near {tot(3):.1f}, far {tot(4):.1f}; work near "
      f"{tot(5):.1f}, far {tot(6):.1f}")

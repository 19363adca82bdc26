# Which layers a far placement of the two vCPUs slows: groups LayerProfile's placement blocks
# (-Dconvnet4j.profile.placement=B, run under bench/pin-two-threads.sh) by the block's line round trip (near under
# 150 ns, far from it) and prints per layer row the median ms per pass (and of its calls' fastest times, with
# -Dconvnet4j.profile.min=true) near and far, sorted by what far costs more.
#   python3 bench/layer_placement_summary.py OUT [SKIP_BLOCKS]
import re
import statistics
import sys

path = sys.argv[1]
skip = int(sys.argv[2]) if len(sys.argv) > 2 else 1
blocks = []  # (trip, total ms, {row: (ms, best)})
for line in open(path):
    m = re.match(r"## block (\d+), line round trip ns min (\d+)", line)
    if m:
        blocks.append([float(m.group(2)), None, {}])
        continue
    if not blocks:
        continue
    m = re.match(r"# \S+ batch \d+: ([\d.]+) ms per pass", line)
    if m:
        blocks[-1][1] = float(m.group(1))
        continue
    m = re.match(r"\s*([\d.]+)\s+[\d.]+%\s+(\d+)\s+([\d.]+)\s+([\d.]+)?\s*(\S.*)$", line)
    if m and not line.startswith("#"):
        best = float(m.group(4)) if m.group(4) else float("nan")
        blocks[-1][2][m.group(5).strip()] = (float(m.group(1)), best, int(m.group(2)))
blocks = blocks[skip:]
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

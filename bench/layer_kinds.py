"""Sums a per-layer table by layer kind: convnet4j's LayerProfile output and bench/torch_layer_cpu.py's, side by side.
Kinds: conv 1x1 stride 1, 1x1 stride 2, 3x3 stride 1, 3x3 stride 2, the 7x7 stem (each with its batch norm and ReLU when
convnet4j fused them), batch norm + ReLU apart (PyTorch's eager modules), the residual add (+ReLU), pooling, the
classifier. Column 'ms' sums the table's first column (mean per pass), 'best' its 'best ms' column when there is one.
Run: /usr/bin/python3 bench/layer_kinds.py OURS.txt TORCH.txt"""
import re, sys, collections

def kind(layer):
    m = re.search(r"k\[(\d+), (\d+)\] s\[(\d+), (\d+)\]", layer)
    if layer.startswith("Conv2d") and m:
        k, s = m.group(1), m.group(3)
        return "stem 7x7 s2" if k == "7" else f"conv {k}x{k} s{s}"
    for prefix, name in (("Add", "residual add (+ReLU)"), ("BatchNorm2d", "batch norm (apart)"), ("ReLU", "ReLU (apart)"),
                         ("MaxPool2d", "max pool"), ("GlobalAvgPool2d", "avg pool"), ("AdaptiveAvgPool2d", "avg pool"),
                         ("Dense", "classifier"), ("Linear", "classifier")):
        if layer.startswith(prefix):
            return name
    return "other"

def read(path):
    rows, total = collections.defaultdict(lambda: [0.0, 0.0]), None
    for line in open(path):
        if line.startswith("#") and "batch" in line:
            total = line.strip()
        m = re.match(r"\s*([\d.]+)\s+[\d.]+%\s+(\d+)\s+(\S+)\s+(?:([\d.]+)\s+)?(\S.*)$", line)
        if not m or line.lstrip().startswith("ms"):
            continue
        ms, layer = float(m.group(1)), m.group(5)
        # torch rows: ms share calls best layer; ours: ms share calls GFLOPS [best] layer
        best = m.group(4) if m.group(4) else (m.group(3) if not re.match(r"^\d+\.\d$", m.group(3)) else None)
        r = rows[kind(layer)]
        r[0] += ms
        r[1] += float(best) if best and re.match(r"^[\d.]+$", best) else float("nan")
    return rows, total

ours, ot = read(sys.argv[1])
torch, tt = read(sys.argv[2])
print("# ours:", ot)
print("# torch:", tt)
so, st = sum(r[0] for r in ours.values()), sum(r[0] for r in torch.values())
print(f"{'kind':24s} {'ours ms':>8s} {'share':>6s} {'torch ms':>9s} {'share':>6s} {'ours/torch':>10s}")
for k in sorted(set(ours) | set(torch), key=lambda k: -(ours.get(k, [0])[0])):
    o, t = ours.get(k, [0.0])[0], torch.get(k, [0.0])[0]
    print(f"{k:24s} {o:8.2f} {100 * o / so:5.1f}% {t:9.2f} {100 * t / st:5.1f}% {(o / t if t else float('nan')):10.2f}")
print(f"{'total':24s} {so:8.2f} {'':6s} {st:9.2f} {'':6s} {so / st:10.2f}")

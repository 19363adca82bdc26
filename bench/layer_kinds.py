"""Sums a per-layer table by layer kind: convnet4j's LayerProfile output and bench/torch_layer_cpu.py's, side by side.
Kinds: conv 1x1 stride 1, 1x1 stride 2, 3x3 stride 1, 3x3 stride 2, the 7x7 stem (each with its batch norm and ReLU when
convnet4j fused them), batch norm + ReLU apart (PyTorch's eager modules), the residual add (+ReLU), pooling, the
classifier. Column 'ms' sums the table's first column (mean per pass), 'best' its 'best ms' column when there is one.
Training tables (LayerProfile ... train, bench/torch_layer_train_cpu.py) with --passes: each kind by pass (forward,
backward; ours' convolution backward also as its data and weight gradients), the optimizer with PyTorch's gradient
accumulation nodes, and the difference ours - torch per row.
Run: /usr/bin/python3 bench/layer_kinds.py [--passes] OURS.txt TORCH.txt"""
import re, sys, collections

def kind(layer):
    m = re.search(r"k\[(\d+), (\d+)\] s\[(\d+), (\d+)\]", layer)
    if layer.startswith("Conv2d") and m:
        k, s = m.group(1), m.group(3)
        return "stem 7x7 s2" if k == "7" else f"conv {k}x{k} s{s}"
    if layer.startswith("optimizer") or "AccumulateGrad" in layer:
        return "optimizer (+ torch's AccumulateGrad)"
    if layer.startswith("graph gradient join") or layer.startswith("other"):
        return "graph joins / other autograd nodes"
    for prefix, name in (("Add", "residual add (+ReLU)"), ("BatchNorm2d", "batch norm (apart)"), ("ReLU", "ReLU (apart)"),
                         ("MaxPool2d", "max pool"), ("GlobalAvgPool2d", "avg pool"), ("AdaptiveAvgPool2d", "avg pool"),
                         ("Dense", "classifier"), ("Linear", "classifier")):
        if layer.startswith(prefix):
            return name
    return "other"

def phase(layer):
    for p in ("backward weights", "backward data", "backward", "forward"):
        if layer.endswith(p):
            return p
    return ""


def matches(path, pattern, totals):
    """The lines of a table that match pattern; its '# ... batch ...' header line goes into totals."""
    for line in open(path):
        if line.startswith("#") and "batch" in line:
            totals.append(line.strip())
        m = re.match(pattern, line)
        if m and not line.lstrip().startswith("ms"):
            yield m


def read_training(path):
    """Rows 'ms share calls [GFLOPS] layer' of a training table, by (kind, pass)."""
    rows, totals = collections.defaultdict(lambda: [0.0, 0.0]), [None]
    for m in matches(path, r"\s*([\d.]+)\s+[\d.]+%\s+\d+\s+(?:[\d.]+\s+)?([A-Za-z].*)$", totals):
        layer = m.group(2).strip()
        k = kind(layer)
        rows[(k, "" if k.startswith(("optimizer", "graph")) else phase(layer))][0] += float(m.group(1))
    return rows, totals[-1]


def read(path):
    rows, totals = collections.defaultdict(lambda: [0.0, 0.0]), [None]
    for m in matches(path, r"\s*([\d.]+)\s+[\d.]+%\s+(\d+)\s+(\S+)\s+(?:([\d.]+)\s+)?(\S.*)$", totals):
        ms, layer = float(m.group(1)), m.group(5)
        # torch rows: ms share calls best layer; ours: ms share calls GFLOPS [best] layer
        best = m.group(4) if m.group(4) else (m.group(3) if not re.match(r"^\d+\.\d$", m.group(3)) else None)
        r = rows[kind(layer)]
        r[0] += ms
        r[1] += float(best) if best and re.match(r"^[\d.]+$", best) else float("nan")
    return rows, totals[-1]

def main():
    PASSES = "--passes" in sys.argv
    args = [a for a in sys.argv[1:] if a != "--passes"]
    if PASSES:
        ours, ot = read_training(args[0])
        torch, tt = read_training(args[1])
        print("# ours:", ot)
        print("# torch:", tt)
        print(f"{'kind':38s} {'pass':9s} {'ours ms':>8s} {'(data':>8s} {'weights)':>8s} {'torch ms':>9s} {'ours-torch':>10s} {'ratio':>6s}")
        keys = sorted({k for k in ours} | {k for k in torch}, key=lambda k: (k[0], k[1]))
        merged = collections.OrderedDict()
        for k, p in keys:
            q = "backward" if p.startswith("backward") else p
            m = merged.setdefault((k, q), [0.0, 0.0, 0.0, 0.0])
            o = ours.get((k, p), [0.0])[0]
            m[0] += o
            m[1] += o if p == "backward data" else 0.0
            m[2] += o if p == "backward weights" else 0.0
            m[3] += torch.get((k, p), [0.0])[0]
        so, st = sum(m[0] for m in merged.values()), sum(m[3] for m in merged.values())
        for (k, q), (o, dd, dw, t) in sorted(merged.items(), key=lambda kv: -(kv[1][0] - kv[1][3])):
            split = f"{dd:8.1f} {dw:8.1f}" if dd or dw else f"{'':8s} {'':8s}"
            print(f"{k:38s} {q:9s} {o:8.1f} {split} {t:9.1f} {o - t:+10.1f} {(o / t if t else float('nan')):6.2f}")
        print(f"{'total':38s} {'':9s} {so:8.1f} {'':8s} {'':8s} {st:9.1f} {so - st:+10.1f} {so / st:6.2f}")
        return
    ours, ot = read(args[0])
    torch, tt = read(args[1])
    print("# ours:", ot)
    print("# torch:", tt)
    so, st = sum(r[0] for r in ours.values()), sum(r[0] for r in torch.values())
    print(f"{'kind':24s} {'ours ms':>8s} {'share':>6s} {'torch ms':>9s} {'share':>6s} {'ours/torch':>10s}")
    for k in sorted(set(ours) | set(torch), key=lambda k: -(ours.get(k, [0])[0])):
        o, t = ours.get(k, [0.0])[0], torch.get(k, [0.0])[0]
        print(f"{k:24s} {o:8.2f} {100 * o / so:5.1f}% {t:9.2f} {100 * t / st:5.1f}% {(o / t if t else float('nan')):10.2f}")
    print(f"{'total':24s} {so:8.2f} {'':6s} {st:9.2f} {'':6s} {so / st:10.2f}")


if __name__ == "__main__":
    main()

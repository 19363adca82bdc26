"""Where a JFR recording's CPU samples go, by leaf method and by the engine step that called it.
Reads `jfr print --events jdk.ExecutionSample --stack-depth 64 REC.jfr` on stdin. A sample's kind is the step of the
training step its stack names (a convolution pass, batch norm, the optimizer, ...): the first entry of KINDS, in the
list's order (the more specific first), that some frame names; lambdas count as the method they are written in. So
the GEMM micro-kernel's samples are split among the convolutions' forward, data gradient and weight gradient. Prints
the top leaf frames, then the kinds, then the leaf frames within each of the largest kinds.
Run: jfr print --events jdk.ExecutionSample --stack-depth 64 w6.jfr | /usr/bin/python3 bench/jfr_step_kinds.py"""
import collections, re, sys

# (frame substring, kind): the first entry some frame names wins, so the more specific come first
KINDS = [
    ("Winograd.backwardInput", "3x3 s1 data gradient (Winograd)"), ("Winograd.weightGradient", "3x3 s1 weight gradient (Winograd)"),
    ("DirectWeightGradient", "conv weight gradient by taps"), ("Winograd.", "3x3 s1 forward (Winograd)"),
    ("FastConvolution.weightGradient", "conv weight gradient (GEMM)"), ("FastConvolution.addPartials", "conv weight gradient partial sums"),
    ("FastConvolution.biasGradient", "conv bias gradient"),
    ("StridedInputGradient", "strided conv data gradient"), ("FastConvolution.backwardInput", "conv data gradient (GEMM)"),
    ("DirectConvolution.weightGradient", "direct conv weight gradient"), ("DirectConvolution.backwardInput", "direct conv data gradient"),
    ("DirectConvolution", "direct conv forward"), ("FastConvolution.backward", "conv data gradient (shifted)"),
    ("FastConvolution", "conv forward (GEMM/direct tiles)"),
    ("BatchNorm.backward", "batch norm backward"), ("BatchNorm", "batch norm forward"),
    ("Pooling.maxPoolBackward", "max pool backward"), ("Pooling", "max pool forward"), ("GlobalAvgPool", "global avg pool"),
    ("ReLU.", "ReLU"), ("ElementRuns", "element-wise (add, ReLU)"), ("Add.", "residual add"),
    ("Graph.join", "graph gradient join"), ("Graph", "graph (other)"),
    ("Sgd", "optimizer step"), ("GradZeroing", "optimizer zeroGrad"), ("Optimizer", "optimizer"),
    ("SoftmaxCrossEntropy", "loss"), ("Dense", "classifier"), ("StepBuffers", "step buffers"), ("Clearing", "clearing"),
    ("GemmPool$Worker.awaitJob", "pool waiting"), ("GemmPool", "pool"),
]


def main():
    samples, leaf, kinds, by_kind = 0, collections.Counter(), collections.Counter(), collections.defaultdict(collections.Counter)
    frames = []

    def flush():
        nonlocal samples
        if not frames:
            return
        samples += 1
        top = frames[0]
        leaf[top] += 1
        k = next((name for sub, name in KINDS if any(sub in f for f in frames)), "other (" + top + ")")
        kinds[k] += 1
        by_kind[k][top] += 1
        frames.clear()

    inside = False
    for line in sys.stdin:
        if line.startswith("jdk.ExecutionSample"):
            flush()
            inside = False
        elif "stackTrace = [" in line:
            inside = True
        elif inside:
            m = re.match(r"\s+([\w.$]+)\(", line)
            if m:
                frames.append(re.sub(r"lambda\$(\w+)\$\d+", r"\1", m.group(1)))
            elif line.strip().startswith("]"):
                inside = False
    flush()
    print(f"# {samples} execution samples")
    print("## top leaf frames")
    for f, n in leaf.most_common(30):
        print(f"{n:7d} {100 * n / samples:5.1f}%  {f}")
    print("## by step kind")
    for k, n in kinds.most_common():
        print(f"{n:7d} {100 * n / samples:5.1f}%  {k}")
    print("## leaf frames within the largest kinds")
    for k, n in kinds.most_common(12):
        print(f"# {k}: {n}")
        for f, m in by_kind[k].most_common(6):
            print(f"    {m:7d} {100 * m / samples:5.1f}%  {f}")


main()

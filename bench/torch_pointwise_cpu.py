"""ResNet-50's 1x1 convolutions at batch 8 in PyTorch, each alone: forward, data gradient and weight gradient, CPU ms
per call on the calling thread's clock (steady on a loaded machine), one intra-op thread. The same layers, in the same
order, as `bench/ConvPassesCpu.java` with -Dset=pointwise, so the two tables can be put side by side.

Two columns per pass, because at one thread PyTorch 1.13 picks a different engine than at two (`use_mkldnn`: a 1x1,
stride-1 kernel with batch < 16 on one thread goes to THNN's im2col-free BLAS path; at two threads, as in W4 and W6,
every convolution goes to oneDNN):
  'auto'  = what PyTorch picks at one thread (torch.ops.aten.convolution / convolution_backward, autograd's calls);
  'dnn'   = oneDNN, the engine W4 and W6 run at two threads: the same calls on a batch twice as large (16 >= the
            rule's threshold, so oneDNN at one thread too), halved.
Run: LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp /usr/bin/python3 bench/torch_pointwise_cpu.py [ROUNDS [BATCH [SET]]]
(SET "narrow": the 1x1 layers on 14x14 and 7x7 planes, see NARROW; default ResNet-50's 1x1 layers.)
Each figure is the median over ROUNDS rounds (default 7) of one call's thread CPU time."""
import os, sys, time, statistics
os.environ["OMP_NUM_THREADS"] = "1"
import torch

# (name, input channels, input size, filters, stride, calls per ResNet-50 pass)
LAYERS = [
    ("1x1 64->64 56x56", 64, 56, 64, 1, 1),
    ("1x1 64->256 56x56", 64, 56, 256, 1, 4),
    ("1x1 256->64 56x56", 256, 56, 64, 1, 2),
    ("1x1 256->128 56x56", 256, 56, 128, 1, 1),
    ("1x1 128->512 28x28", 128, 28, 512, 1, 4),
    ("1x1 512->128 28x28", 512, 28, 128, 1, 3),
    ("1x1 512->256 28x28", 512, 28, 256, 1, 1),
    ("1x1 256->1024 14x14", 256, 14, 1024, 1, 6),
    ("1x1 1024->256 14x14", 1024, 14, 256, 1, 5),
    ("1x1 1024->512 14x14", 1024, 14, 512, 1, 1),
    ("1x1 512->2048 7x7", 512, 7, 2048, 1, 3),
    ("1x1 2048->512 7x7", 2048, 7, 512, 1, 2),
    ("1x1/2 256->512 56->28", 256, 56, 512, 2, 1),
    ("1x1/2 512->1024 28->14", 512, 28, 1024, 2, 1),
    ("1x1/2 1024->2048 14->7", 1024, 14, 2048, 2, 1),
]

# SET "narrow": the 1x1 layers on 14x14 and 7x7 planes of MobileNetV2 and ResNet-50 (bench/ConvPassesCpu.java -Dset=narrow;
# at batch 1, N = 196 or 49 per call); calls per pass are MobileNetV2's and ResNet-50's own.
NARROW = [
    ("mnv2 1x1 64->384 14x14", 64, 14, 384, 1, 4),
    ("mnv2 1x1 384->64 14x14", 384, 14, 64, 1, 3),
    ("mnv2 1x1 384->96 14x14", 384, 14, 96, 1, 1),
    ("mnv2 1x1 96->576 14x14", 96, 14, 576, 1, 3),
    ("mnv2 1x1 576->96 14x14", 576, 14, 96, 1, 2),
    ("mnv2 1x1 576->160 7x7", 576, 7, 160, 1, 1),
    ("mnv2 1x1 160->960 7x7", 160, 7, 960, 1, 3),
    ("mnv2 1x1 960->160 7x7", 960, 7, 160, 1, 2),
    ("mnv2 1x1 960->320 7x7", 960, 7, 320, 1, 1),
    ("mnv2 1x1 320->1280 7x7", 320, 7, 1280, 1, 1),
    ("r50 1x1 512->2048 7x7", 512, 7, 2048, 1, 3),
    ("r50 1x1 2048->512 7x7", 2048, 7, 512, 1, 2),
    ("r50 1x1/2 1024->2048 14->7", 1024, 14, 2048, 2, 1),
]


def cpu_ms(fn, rounds):
    fn()
    fn()
    times = []
    for _ in range(rounds):
        t = time.thread_time_ns()
        fn()
        times.append((time.thread_time_ns() - t) / 1e6)
    return statistics.median(times)


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 7
    batch = int(sys.argv[2]) if len(sys.argv) > 2 else 8
    layers = NARROW if len(sys.argv) > 3 and sys.argv[3] == "narrow" else LAYERS
    torch.set_num_threads(1)
    torch.manual_seed(0)
    print(f"# torch {torch.__version__}, 1 thread, batch {batch}, median of {rounds} calls, thread CPU ms; "
          f"load {open('/proc/loadavg').read().split()[0]}")
    print(f"# {'layer':<24} {'calls':>5} | forward auto / dnn | data grad auto / dnn | weight grad auto / dnn")
    totals = [0.0] * 6
    for name, c, h, f, s, calls in layers:
        st, pad, dil = [s, s], [0, 0], [1, 1]
        row = []
        for b in (batch, 2 * batch):  # 'auto', then 'dnn' (halved)
            x = torch.randn(b, c, h, h)
            w = torch.randn(f, c, 1, 1) * 0.05
            y = torch.ops.aten.convolution(x, w, None, st, pad, dil, False, [0, 0], 1)
            dy = torch.randn(y.shape)
            scale = batch / b
            with torch.no_grad():
                row.append(scale * cpu_ms(lambda: torch.ops.aten.convolution(x, w, None, st, pad, dil, False, [0, 0],
                                                                             1), rounds))
                row.append(scale * cpu_ms(lambda: torch.ops.aten.convolution_backward(
                    dy, x, w, None, st, pad, dil, False, [0, 0], 1, [True, False, False]), rounds))
                row.append(scale * cpu_ms(lambda: torch.ops.aten.convolution_backward(
                    dy, x, w, None, st, pad, dil, False, [0, 0], 1, [False, True, False]), rounds))
        fa, da, wa, fd, dd, wd = row
        row = [fa, fd, da, dd, wa, wd]
        for i, v in enumerate(row):
            totals[i] += v * calls
        print(f"{name:<26} {calls:5d} | {fa:7.2f} / {fd:7.2f} | {da:7.2f} / {dd:7.2f} | {wa:7.2f} / {wd:7.2f}")
    print(f"{'per pass (x calls)':<26} {'':5} | {totals[0]:7.1f} / {totals[1]:7.1f} | {totals[2]:7.1f} / {totals[3]:7.1f}"
          f" | {totals[4]:7.1f} / {totals[5]:7.1f}; load {open('/proc/loadavg').read().split()[0]}")


if __name__ == "__main__":
    main()

"""PyTorch's side of bench/ConvPassesCpu.java: the three passes of ResNet-50's convolution layers at batch 8, each
alone, one intra-op thread, the calling thread's CPU clock per call (steady on a loaded machine, unlike wall time).
Forward is torch.conv2d; the data and weight gradients are the one operator autograd calls in a training step,
aten.convolution_backward, with its output mask asking for dx only or dw only (oneDNN's kernels at batch 8, as in a
W6 step). Same layers, same names, same medians as ConvPassesCpu's A column, so the two outputs read side by side.
Run: LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp /usr/bin/python3 bench/torch_conv_passes_cpu.py [ROUNDS [CALLS]]
ONLY=TEXT keeps the layers whose name contains TEXT; BATCH=N (default 8); FORWARD=only times the forward pass alone;
SET=vgg16 VGG16's 3x3 layers instead (ConvPassesCpu -Dset=vgg16)."""
import os, sys, time, statistics
os.environ["OMP_NUM_THREADS"] = "1"
import torch

# name, input channels, input size, filters, kernel, stride, padding (ConvPassesCpu's list)
LAYERS = [
    ("3x3 64 on 56x56", 64, 56, 64, 3, 1, 1),
    ("3x3 128 on 28x28", 128, 28, 128, 3, 1, 1),
    ("3x3 256 on 14x14", 256, 14, 256, 3, 1, 1),
    ("3x3 512 on 7x7", 512, 7, 512, 3, 1, 1),
    ("3x3/2 128 56->28", 128, 56, 128, 3, 2, 1),
    ("3x3/2 256 28->14", 256, 28, 256, 3, 2, 1),
    ("3x3/2 512 14->7", 512, 14, 512, 3, 2, 1),
    ("7x7/2 stem", 3, 224, 64, 7, 2, 3),
    ("1x1/2 256->512 56->28", 256, 56, 512, 1, 2, 0),
]
VGG16 = [
    ("vgg 3->64 224", 3, 224, 64, 3, 1, 1),
    ("vgg 64->64 224", 64, 224, 64, 3, 1, 1),
    ("vgg 64->128 112", 64, 112, 128, 3, 1, 1),
    ("vgg 128->128 112", 128, 112, 128, 3, 1, 1),
    ("vgg 128->256 56", 128, 56, 256, 3, 1, 1),
    ("vgg 256->256 56", 256, 56, 256, 3, 1, 1),
    ("vgg 256->512 28", 256, 28, 512, 3, 1, 1),
    ("vgg 512->512 28", 512, 28, 512, 3, 1, 1),
    ("vgg 512->512 14", 512, 14, 512, 3, 1, 1),
]


def load():
    with open("/proc/loadavg") as f:
        return f.read().strip()


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 6
    calls = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    batch = int(os.environ.get("BATCH", "8"))
    only = os.environ.get("ONLY", "")
    torch.set_num_threads(1)
    torch.manual_seed(1)
    print(f"# torch {torch.__version__}, 1 thread, batch {batch}, mkldnn {torch.backends.mkldnn.is_available()}; "
          f"load {load()}")
    forward_only = os.environ.get("FORWARD", "") == "only"
    for name, c, h, f, k, s, p in (VGG16 if os.environ.get("SET") == "vgg16" else LAYERS):
        if only not in name:
            continue
        x = torch.randn(batch, c, h, h)
        w = torch.randn(f, c, k, k) * 0.05
        y = torch.conv2d(x, w, None, s, p)
        dy = torch.randn_like(y)

        def backward(mask):
            return torch.ops.aten.convolution_backward(dy, x, w, None, [s, s], [p, p], [1, 1], False, [0, 0], 1, mask)

        passes = [lambda: torch.conv2d(x, w, None, s, p),
                  lambda: backward([True, False, False]),
                  lambda: backward([False, True, False])]
        if forward_only:
            passes = passes[:1]
        ms = [[] for _ in passes]
        with torch.no_grad():
            for fn in passes:  # warm-up
                fn()
                fn()
            for _ in range(rounds):
                for i, fn in enumerate(passes):
                    t0 = time.thread_time_ns()
                    for _ in range(calls):
                        fn()
                    ms[i].append((time.thread_time_ns() - t0) / 1e6 / calls)
        cells = [f"{n} {statistics.median(v):7.2f} ms ({min(v):.2f}..{max(v):.2f})"
                 for n, v in zip(("forward", "data grad", "weight grad"), ms)]
        print(f"{name:<22} | " + " | ".join(cells) + f"; load {load()}", flush=True)


if __name__ == "__main__":
    main()

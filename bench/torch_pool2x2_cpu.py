"""PyTorch's max_pool2d on the zoo's 2x2 stride-2 pools (inference, no indices), one intra-op thread, CPU time of the
calling thread per call: the median (and min) of 5 windows after a warm-up, the rows of bench/Pool2x2Cpu.java.
Run: /usr/bin/python3 bench/torch_pool2x2_cpu.py"""
import os, time
os.environ["OMP_NUM_THREADS"] = "1"
import torch
F = torch.nn.functional

CASES = [("lenet5 pool1 b8 6x28x28", (8, 6, 28, 28), False), ("lenet5 pool2 b8 16x10x10", (8, 16, 10, 10), False),
         ("googlenet 2x2/2 ceil 832x14x14", (1, 832, 14, 14), True), ("vgg16 64x224x224", (1, 64, 224, 224), False),
         ("vgg16 128x112x112", (1, 128, 112, 112), False), ("vgg16 256x56x56", (1, 256, 56, 56), False),
         ("vgg16 512x28x28", (1, 512, 28, 28), False), ("vgg16 512x14x14", (1, 512, 14, 14), False)]


def main():
    torch.set_num_threads(1)
    torch.manual_seed(1)
    with torch.no_grad():
        for name, shape, ceil in CASES:
            x = torch.randn(*shape)
            y = F.max_pool2d(x, 2, 2, ceil_mode=ceil)
            calls = max(5, 4_000_000 // x.numel())
            for _ in range(5 * calls):
                F.max_pool2d(x, 2, 2, ceil_mode=ceil)
            us = []
            for _ in range(5):
                t = time.thread_time_ns()
                for _ in range(calls):
                    F.max_pool2d(x, 2, 2, ceil_mode=ceil)
                us.append((time.thread_time_ns() - t) / 1e3 / calls)
            us.sort()
            print(f"{name:32s} {us[2]:9.2f} us/call (min {us[0]:.2f}), {us[2] * 1e3 / y.numel():.2f} ns/output")


main()

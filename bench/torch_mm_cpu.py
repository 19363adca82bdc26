"""W1's torch.mm (OpenBLAS) on two threads (A) against one (B), alternating blocks in one process: per size the
medians of wall GFLOPS and of GFLOPS per second of the process's CPU time (OpenMP spinning included), and the paired
wall speed-up. The CPU figure is the one to compare on a loaded machine with GemmThreadsAB's.
Run: LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp /usr/bin/python3 bench/torch_mm_cpu.py 7 0.5 1024 2048"""
import os
import statistics
import sys
import time

os.environ.setdefault("OMP_NUM_THREADS", "2")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "2")
import torch  # noqa: E402


def block(fn, calls):
    w0, c0 = time.perf_counter(), time.process_time()
    for _ in range(calls):
        fn()
    return time.perf_counter() - w0, time.process_time() - c0


def main():
    rounds, seconds = int(sys.argv[1]), float(sys.argv[2])
    sizes = [int(s) for s in sys.argv[3:]] or [1024, 2048]
    print(f"# torch {torch.__version__} torch.mm, 2 threads (A) against 1 (B); load {os.getloadavg()}")
    for n in sizes:
        torch.manual_seed(0)
        a, b, c = torch.randn(n, n), torch.randn(n, n), torch.empty(n, n)
        fn = lambda: torch.mm(a, b, out=c)  # noqa: E731
        flops = 2.0 * n ** 3
        t0, warm = time.perf_counter(), 0
        while warm < 4 or time.perf_counter() - t0 < 1.5:
            torch.set_num_threads(1 + warm % 2)
            fn()
            warm += 1
        calls = max(1, round(seconds / ((time.perf_counter() - t0) / warm)))
        wall, cpu, speed = {1: [], 2: []}, {1: [], 2: []}, []
        for r in range(rounds):
            for m in range(2):
                t = 2 if (r + m) % 2 == 0 else 1
                torch.set_num_threads(t)
                w, cp = block(fn, calls)
                wall[t].append(flops * calls / w / 1e9)
                cpu[t].append(flops * calls / cp / 1e9)
            speed.append(wall[2][-1] / wall[1][-1])
        med = statistics.median
        print(f"W1_SGEMM_torch_n{n}  wall GFLOPS A {med(wall[2]):7.1f} B {med(wall[1]):7.1f} paired A/B "
              f"{med(speed):.3f}   GFLOPS per CPU s A {med(cpu[2]):7.1f} B {med(cpu[1]):7.1f}   ({rounds} rounds of "
              f"{calls} calls; load {os.getloadavg()})")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""The paper model of docs/SCALE.md: time of one synchronous data-parallel training step on N machines.
python3 tools/scale_model.py  (no arguments; the assumptions are the constants below)."""
import math

MODELS = {  # name: (float32 values exchanged per step, images/s of training on one 2-vCPU machine, measured)
    "LeNet-5": (61_706, 7000.0),      # docs/RESULTS.md: 7,000-11,500 images/s training
    "ResNet-50": (25_557_032 + 53_120, 2.9),  # trainable + batch-norm buffers; docs/PERFORMANCE.md W6: 2.67-2.94 img/s
}
GLOBAL_BATCH = {"LeNet-5": 1024, "ResNet-50": 256}
SPEEDUP = 16  # a 32-core machine against the measured 2-vCPU one (assumed linear in cores)
LATENCY = 0.0005  # seconds per message hop (Spark RPC + TCP within a rack), assumed
JOB_OVERHEAD = 0.05  # seconds to schedule one Spark job with N tasks (measured ~0.05-0.2 s per step on local[2])


def tree_reduce(n, payload, bw):
    # treeReduce depth 2: sqrt(N) aggregators each receive sqrt(N) payloads, the driver receives sqrt(N);
    # then the weights are broadcast (torrent: about one payload per link once the pieces spread)
    fan = math.ceil(math.sqrt(n))
    return 2 * fan * payload / bw + payload / bw + 3 * LATENCY


def ring(n, payload, bw):
    # ring all-reduce (Horovod, barrier mode): every node sends and receives 2(N-1)/N payloads, 2(N-1) hops
    return 2 * (n - 1) / n * payload / bw + 2 * (n - 1) * LATENCY


def main():
    print("| model | machines | link | compute (s) | treeReduce via driver (s) | efficiency | ring all-reduce (s) | efficiency |")
    print("|---|---|---|---|---|---|---|---|")
    for name, (values, rate) in MODELS.items():
        payload = 4 * values
        for n in (8, 32, 128):
            for gbit in (10, 25):
                bw = gbit * 1e9 / 8
                compute = GLOBAL_BATCH[name] / (n * rate * SPEEDUP)
                t = tree_reduce(n, payload, bw) + JOB_OVERHEAD
                r = ring(n, payload, bw)
                print(f"| {name} ({payload / 1e6:.1f} MB) | {n} | {gbit} Gb/s | {compute:.3f} | {t:.3f} | "
                      f"{compute / (compute + t):.0%} | {r:.3f} | {compute / (compute + r):.0%} |")


if __name__ == "__main__":
    main()

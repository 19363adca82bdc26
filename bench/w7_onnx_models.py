#!/usr/bin/python3
"""W7: MobileNetV2 and EfficientNet-B0 inference, batch 1, 224 x 224, the PyTorch side (Debian's torch).

Exports both torchvision models (random weights, seed 0, opset 13) to DIR (default bench/results/onnx) for
convnet4j's side (`convnet4j bench --only W7` reads them from there, -Dconvnet4j.bench.onnx=DIR), then times
torch's eval-mode forward. Prints tab-separated lines like the shared reference scripts.

Usage: /usr/bin/python3 bench/w7_onnx_models.py [DIR]
"""
import os
import sys
import time

import torch
import torchvision


def rate(fn, batch, iters=7, min_s=1.0):
    for _ in range(3):
        fn()
    rates = []
    for _ in range(iters):
        calls, start = 0, time.perf_counter()
        while True:
            fn()
            calls += 1
            elapsed = time.perf_counter() - start
            if elapsed >= min_s:
                break
        rates.append(batch * calls / elapsed)
    rates.sort()
    return rates


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "results", "onnx")
    os.makedirs(out, exist_ok=True)
    torch.set_num_threads(os.cpu_count())
    for key, name in (("MOBILENETV2", "mobilenet_v2"), ("EFFICIENTNETB0", "efficientnet_b0")):
        torch.manual_seed(0)
        model = getattr(torchvision.models, name)(weights=None).eval()
        x = torch.randn(1, 3, 224, 224)
        path = os.path.join(out, name + ".onnx")
        if not os.path.exists(path):
            torch.onnx.export(model, x, path, opset_version=13, input_names=["input"], output_names=["logits"])
        with torch.no_grad():
            rates = rate(lambda: model(x), 1)
        med = rates[len(rates) // 2]
        print(f"W7_{key}_INFER_torch_b1\t{med:.2f}\timages/s median of {len(rates)} (range {rates[0]:.2f}.."
              f"{rates[-1]:.2f}); eval, torch {torch.__version__}, {torch.get_num_threads()} threads", flush=True)


if __name__ == "__main__":
    main()

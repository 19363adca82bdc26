#!/usr/bin/python3
"""W7 at several batch sizes, the PyTorch side: MobileNetV2 / EfficientNet-B0 (torchvision, random weights, seed 0)
eval-mode forward at 224 x 224, wall-clock images/s, median of 7 windows of >= 1 s, all cores (as
bench/w7_onnx_models.py). With --export DIR it first writes both models to DIR/<name>_dynbatch.onnx (opset 13, a
dynamic batch axis) for convnet4j's side (bench/w7-batch.sh imports them).

Usage: /usr/bin/python3 bench/w7_batch_torch.py [--export DIR] NAME BATCH   (NAME mobilenet_v2 or efficientnet_b0)
Prints one tab-separated line: W7_<NAME>_INFER_torch_b<BATCH>, images/s, notes.
"""
import os
import sys
import time

import torch
import torchvision


def model_of(name):
    torch.manual_seed(0)
    return getattr(torchvision.models, name)(weights=None).eval()


def main():
    args = sys.argv[1:]
    if args[:1] == ["--export"]:
        out = args[1]
        os.makedirs(out, exist_ok=True)
        for name in ("mobilenet_v2", "efficientnet_b0"):
            path = os.path.join(out, name + "_dynbatch.onnx")
            if not os.path.exists(path):
                torch.onnx.export(model_of(name), torch.randn(1, 3, 224, 224), path, opset_version=13,
                                  input_names=["input"], output_names=["logits"],
                                  dynamic_axes={"input": {0: "N"}, "logits": {0: "N"}})
        args = args[2:]
    if not args:
        return
    name, batch = args[0], int(args[1])
    torch.set_num_threads(os.cpu_count())
    model = model_of(name)
    x = torch.randn(batch, 3, 224, 224)
    rates = []
    with torch.no_grad():
        for _ in range(3):
            model(x)
        for _ in range(7):
            calls, start = 0, time.perf_counter()
            while True:
                model(x)
                calls += 1
                elapsed = time.perf_counter() - start
                if elapsed >= 1.0:
                    break
            rates.append(batch * calls / elapsed)
    rates.sort()
    print(f"W7_{name.upper()}_INFER_torch_b{batch}\t{rates[3]:.2f}\timages/s median of 7 (range {rates[0]:.2f}.."
          f"{rates[-1]:.2f}); eval, torch {torch.__version__}, {torch.get_num_threads()} threads", flush=True)


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""ConvNeXt-Tiny (torchvision, random weights, seed 0) exported at opset 17 for 224 x 224, batch 1, so that
convnet4j's per-layer profile can be put beside bench/torch_layer_cpu.py's for the same model (docs/ONNX.md,
"Speed of the new blocks", ConvNeXt).

Usage: /usr/bin/python3 bench/convnext_tiny_export.py OUT.onnx
then:  java -jar convnet4j-cli/target/convnet4j.jar import OUT.onnx -o OUT.c4j
       java --add-modules jdk.incubator.vector -Dconvnet4j.profile.cpu=true -Dconvnet4j.threads=1 \
            -Dconvnet4j.profile.fused=false -cp convnet4j-bench/target/benchmarks.jar \
            org.convnet4j.bench.LayerProfile OUT.c4j 1 10
and:   LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp /usr/bin/python3 bench/torch_layer_cpu.py \
            convnext_tiny 1 10
"""
import sys

import torch
import torchvision

torch.manual_seed(0)
model = torchvision.models.convnext_tiny(weights=None).eval()
torch.onnx.export(model, torch.randn(1, 3, 224, 224), sys.argv[1], opset_version=17, input_names=["x"],
                  output_names=["y"])

#!/usr/bin/python3
"""Writes the ONNX fixtures the convnet4j-io tests read (run from convnet4j-io/):

    /usr/bin/python3 tools/make_onnx_fixtures.py   (Debian python3-onnx, python3-torch)

A reduced torchvision-style network (conv-bn-relu stem, max pool, one residual basic block, a
squeeze-excite style gate, average pooling, flatten, linear, log-softmax) is exported from PyTorch with
torch.onnx.export at opset 13 and checked with onnx.checker; a fixed input and PyTorch's output are saved as
TensorProto files (input_0.pb, output_0.pb) next to it. The Java test must reproduce the output.
Needs torch (1.13 tested) and onnx (1.12 tested); no onnxruntime.
"""
import os

import onnx
import onnx.numpy_helper
import torch
import torch.nn as nn
import torch.nn.functional as F

OUT = os.path.join("src", "test", "resources", "fixtures", "torch_small")


class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv1 = nn.Conv2d(c, c, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(c)
        self.conv2 = nn.Conv2d(c, c, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(c)

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        return F.relu(y + x)


class Small(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 5, stride=2, padding=2, bias=False)
        self.bn1 = nn.BatchNorm2d(8)
        self.pool = nn.MaxPool2d(3, stride=2, padding=1)
        self.block = Block(8)
        self.gate = nn.Conv2d(8, 8, 1)
        self.avg = nn.AvgPool2d(2, ceil_mode=True)
        self.fc = nn.Linear(8 * 2 * 2, 10)

    def forward(self, x):
        x = self.pool(F.relu(self.bn1(self.conv1(x))))
        x = self.block(x)
        x = x * torch.sigmoid(self.gate(x))
        x = torch.clamp(x, 0.0, 6.0)
        x = self.avg(x)
        x = torch.flatten(x, 1)
        x = F.dropout(x, 0.3, self.training)
        return F.log_softmax(torch.tanh(self.fc(x)) * 3, dim=1)


def main():
    torch.manual_seed(0)
    model = Small()
    with torch.no_grad():  # non-trivial running statistics
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean.uniform_(-0.2, 0.2)
                m.running_var.uniform_(0.5, 1.5)
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.2, 0.2)
    model.eval()
    x = torch.randn(2, 3, 15, 15)
    with torch.no_grad():
        y = model(x)
    os.makedirs(OUT, exist_ok=True)
    path = os.path.join(OUT, "model.onnx")
    torch.onnx.export(model, x, path, opset_version=13, input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "N"}, "logits": {0: "N"}})
    onnx.checker.check_model(onnx.load(path))
    with open(os.path.join(OUT, "input_0.pb"), "wb") as f:
        f.write(onnx.numpy_helper.from_array(x.numpy(), "input").SerializeToString())
    with open(os.path.join(OUT, "output_0.pb"), "wb") as f:
        f.write(onnx.numpy_helper.from_array(y.numpy(), "logits").SerializeToString())
    print("wrote", OUT, "ops:", sorted({n.op_type for n in onnx.load(path).graph.node}))


if __name__ == "__main__":
    main()

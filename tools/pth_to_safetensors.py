#!/usr/bin/python3
"""Converts a PyTorch state dict (.pth/.pt, as torchvision publishes them) to safetensors, which convnet4j reads.

convnet4j refuses pickles because unpickling runs code; run this once where PyTorch is installed (it loads with
weights_only=True, which refuses code in the pickle too).
Usage: python3 tools/pth_to_safetensors.py resnet18-f37072fd.pth [out.safetensors]
Written with numpy + json + struct, so the safetensors package is not needed.
"""
import hashlib
import json
import os
import struct
import sys

import numpy as np
import torch

DTYPES = {np.float32: "F32", np.float64: "F64", np.float16: "F16", np.int64: "I64", np.int32: "I32"}


def check_torchvision_hash(src):
    """torchvision names its files NAME-<first hex digits of the SHA-256>.pth; check them when present."""
    stem = os.path.splitext(os.path.basename(src))[0]
    prefix = stem.rsplit("-", 1)[-1] if "-" in stem else ""
    if len(prefix) >= 8 and all(c in "0123456789abcdef" for c in prefix):
        h = hashlib.sha256()
        with open(src, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
        if not h.hexdigest().startswith(prefix):
            sys.exit("%s: SHA-256 %s does not start with %s from its name; the download is damaged"
                     % (src, h.hexdigest(), prefix))
        print("SHA-256 prefix", prefix, "verified")


def main():
    src = sys.argv[1]
    check_torchvision_hash(src)
    dst = sys.argv[2] if len(sys.argv) > 2 else os.path.splitext(src)[0] + ".safetensors"
    sd = torch.load(src, map_location="cpu", weights_only=True)
    if "state_dict" in sd and isinstance(sd["state_dict"], dict):
        sd = sd["state_dict"]
    header, offset, blobs = {}, 0, []
    for name, t in sd.items():
        a = t.detach().contiguous().numpy()
        a = a.astype(a.dtype.newbyteorder("<"))
        b = a.tobytes()
        header[name] = {"dtype": DTYPES[a.dtype.type], "shape": list(a.shape), "data_offsets": [offset, offset + len(b)]}
        offset += len(b)
        blobs.append(b)
    header["__metadata__"] = {"format": "pt"}
    h = json.dumps(header, separators=(",", ":")).encode("utf-8")
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(dst + ".tmp", "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)
    os.replace(dst + ".tmp", dst)
    print("wrote", dst, len(sd), "tensors")


if __name__ == "__main__":
    main()

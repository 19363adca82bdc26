#!/usr/bin/python3
"""Writes the 1000 ImageNet-1k class names, one per line in class-index order (the order torchvision and
Keras both use: WordNet ids sorted), to convnet4j-io/src/main/resources/org/convnet4j/imagenet/imagenet_classes.txt.

The names are the human-readable ones torchvision ships with its models' metadata.
Usage: /usr/bin/python3 tools/imagenet_classes.py
"""
import os

from torchvision.models._meta import _IMAGENET_CATEGORIES

assert len(_IMAGENET_CATEGORIES) == 1000
out = os.path.join(os.path.dirname(__file__), "..",
                   "convnet4j-io/src/main/resources/org/convnet4j/imagenet/imagenet_classes.txt")
with open(out, "w", encoding="utf-8") as f:
    for name in _IMAGENET_CATEGORIES:
        assert "\n" not in name and name.strip() == name
        f.write(name + "\n")
print("wrote", out)

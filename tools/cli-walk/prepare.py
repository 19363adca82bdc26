#!/usr/bin/python3
"""Writes the broken inputs that run.sh's case lists use into DIR (default /tmp/cli-walk): pictures whole and cut,
text named .png, empty and random files named as every model and tensor format, a picture folder and one holding
broken pictures. The two models (m/lenet.c4j, m/tiny.c4j) are made by run.sh's first lines with the CLI itself."""
import os
import random
import shutil
import sys

from PIL import Image

d = sys.argv[1] if len(sys.argv) > 1 else "/tmp/cli-walk"
os.makedirs(d, exist_ok=True)
os.chdir(d)
random.seed(1)
for c in ("cat", "dog"):
    os.makedirs(f"pics/{c}", exist_ok=True)
    for i in range(6):
        Image.new("RGB", (16, 16), (random.randrange(256), random.randrange(256), 100 if c == "cat" else 200)).save(
            f"pics/{c}/{i}.png")
Image.new("RGB", (32, 32), (10, 200, 30)).save("pic.png")
Image.new("RGB", (64, 64), (10, 200, 30)).save("pic.jpg", quality=90)
for name in ("pic.png", "pic.jpg"):
    data = open(name, "rb").read()
    open("trunc" + name[3:], "wb").write(data[: len(data) // 2])
open("text.png", "w").write("hello\n")
garbage = random.Random(2).randbytes(3000)
for ext in ("bin", "c4j", "onnx", "h5", "pth", "safetensors", "npy", "json", "pb", "pt", "keras"):
    open(f"garbage.{ext}", "wb").write(garbage)
    open(f"empty.{ext}", "wb").close()
for folder in ("adir.c4j", "adir.png", "mixed/a", "mixed/b", "m"):
    os.makedirs(folder, exist_ok=True)
shutil.copy("pics/cat/0.png", "mixed/a/0.png")
shutil.copy("trunc.png", "mixed/a/bad.png")
shutil.copy("pics/dog/0.png", "mixed/b/0.png")
shutil.copy("text.png", "mixed/b/t.png")

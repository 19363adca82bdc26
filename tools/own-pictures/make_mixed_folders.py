#!/usr/bin/env /usr/bin/python3
"""Writes two folders of "own pictures" the way a user's photo folders look: mixed formats, sizes, colour and grey,
odd file names, and the stray files a file manager leaves (docs/TRANSFER.md, "Your own pictures: a messy folder").

  BASE_DIR/<class>/...    classes 0-4 of Debian's Fashion-MNIST (T-shirt_top, Trouser, Pullover, Dress, Coat),
                          training set
  TARGET_DIR/<class>/...  classes 5-9 (Sandal, Shirt, Sneaker, Bag, Ankle boot), test set

Picture k of a class is written in form k mod 6:
  0  grey 28x28 PNG                    "0000.png"
  1  colour 64x48 JPEG, random ink     "IMG_0001.JPG"
  2  grey 96x96 JPEG                   "photo 0002 (copy).jpeg"
  3  colour 50x70 PNG with alpha       "Été-0003.PNG"
  4  colour 40x40 BMP                  "scan.0004.bmp"
  5  palette 33x33 GIF                 "0005 final FINAL.gif"
and every class folder also gets ".DS_Store", "Thumbs.db" and "notes.txt"; each root gets "README.txt".
The ink is a random bright colour on a random dark background for the colour forms. Needs Pillow
(Debian python3-pil). Seeded: the same folders every time.

usage: make_mixed_folders.py BASE_DIR BASE_PER_CLASS TARGET_DIR TARGET_PER_CLASS
"""
import gzip
import os
import random
import struct
import sys

from PIL import Image

SRC = "/usr/share/datasets/fashion-mnist"
NAMES = ["T-shirt_top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]


def idx(name):
    with gzip.open(os.path.join(SRC, name)) as f:
        data = f.read()
    magic, n = struct.unpack(">II", data[:8])
    if magic == 2051:
        return [data[16 + i * 784:16 + (i + 1) * 784] for i in range(n)]
    return list(data[8:8 + n])


def coloured(grey, rnd, mode):
    ink = tuple(rnd.randint(150, 255) for _ in range(3))
    paper = tuple(rnd.randint(0, 60) for _ in range(3))
    rgb = Image.merge("RGB", [grey.point(lambda v, a=paper[j], b=ink[j]: int(round(a + (b - a) * v / 255)))
                              for j in range(3)])
    return rgb.convert(mode) if mode != "RGB" else rgb


def write(folder, k, raw, rnd):
    grey = Image.frombytes("L", (28, 28), bytes(raw))
    form = k % 6
    if form == 0:
        grey.save(os.path.join(folder, f"{k:04d}.png"))
    elif form == 1:
        canvas = Image.new("L", (64, 48), 0)
        canvas.paste(grey.resize((48, 48), Image.BILINEAR), (8, 0))
        coloured(canvas, rnd, "RGB").save(os.path.join(folder, f"IMG_{k:04d}.JPG"), quality=90)
    elif form == 2:
        grey.resize((96, 96), Image.BICUBIC).save(os.path.join(folder, f"photo {k:04d} (copy).jpeg"), quality=85)
    elif form == 3:
        canvas = Image.new("L", (50, 70), 0)
        canvas.paste(grey.resize((50, 50), Image.BILINEAR), (0, 10))
        rgba = coloured(canvas, rnd, "RGBA")
        rgba.putalpha(255)
        rgba.save(os.path.join(folder, f"Été-{k:04d}.PNG"))
    elif form == 4:
        coloured(grey.resize((40, 40), Image.BILINEAR), rnd, "RGB").save(os.path.join(folder, f"scan.{k:04d}.bmp"))
    else:
        coloured(grey.resize((33, 33), Image.BILINEAR), rnd, "RGB").convert("P", palette=Image.ADAPTIVE) \
            .save(os.path.join(folder, f"{k:04d} final FINAL.gif"))


def strays(folder):
    with open(os.path.join(folder, ".DS_Store"), "wb") as f:
        f.write(b"\x00\x00\x00\x01Bud1" + bytes(64))
    with open(os.path.join(folder, "Thumbs.db"), "wb") as f:
        f.write(bytes(range(256)))
    with open(os.path.join(folder, "notes.txt"), "w") as f:
        f.write("pictures from the shop, spring\n")


def main(base_dir, base_n, target_dir, target_n):
    rnd = random.Random(12)
    for root, first, last, files, n in ((base_dir, 0, 5, "train", base_n), (target_dir, 5, 10, "t10k", target_n)):
        images, labels = idx(files + "-images-idx3-ubyte.gz"), idx(files + "-labels-idx1-ubyte.gz")
        for c in range(first, last):
            folder = os.path.join(root, NAMES[c])
            os.makedirs(folder, exist_ok=True)
            for k, i in enumerate([i for i, l in enumerate(labels) if l == c][:n]):
                write(folder, k, images[i], rnd)
            strays(folder)
        with open(os.path.join(root, "README.txt"), "w") as f:
            f.write("my pictures, one folder a class\n")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]))

#!/usr/bin/env python3
"""Writes two folders of "own pictures" from Debian's Fashion-MNIST, as a new user would have them
(docs/TRANSFER.md, "Your own pictures"):

  BASE_DIR/<class>/*.png    grey 28x28, classes 0-4 (T-shirt_top, Trouser, Pullover, Dress, Coat), from the training set
  TARGET_DIR/<class>/*.png  colour 64x48 (width x height), classes 5-9 (Sandal, Shirt, Sneaker, Bag, Ankle boot),
                            from the test set: each picture resized bilinearly to 48x48, centred on a 64x48 canvas,
                            its ink a random bright colour on a random dark background

Only the standard library (gzip, zlib, struct, random). Seeded: the same folders every time.
usage: make_folders.py BASE_DIR BASE_PER_CLASS TARGET_DIR TARGET_PER_CLASS
"""
import gzip, os, random, struct, sys, zlib

SRC = "/usr/share/datasets/fashion-mnist"
NAMES = ["T-shirt_top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]


def idx(name):
    with gzip.open(os.path.join(SRC, name)) as f:
        data = f.read()
    magic, n = struct.unpack(">II", data[:8])
    if magic == 2051:
        return [data[16 + i * 784:16 + (i + 1) * 784] for i in range(n)]
    return list(data[8:8 + n])


def png(path, width, height, rows, colour):
    raw = b"".join(b"\x00" + bytes(r) for r in rows)
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xffffffff)
    head = struct.pack(">IIBBBBB", width, height, 8, 2 if colour else 0, 0, 0, 0)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", head) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def bilinear(img, size):
    out = [[0.0] * size for _ in range(size)]
    for y in range(size):
        sy = (y + 0.5) * 28 / size - 0.5
        y0 = max(0, min(27, int(sy // 1)))
        y1 = min(27, y0 + 1)
        fy = min(1.0, max(0.0, sy - y0))
        for x in range(size):
            sx = (x + 0.5) * 28 / size - 0.5
            x0 = max(0, min(27, int(sx // 1)))
            x1 = min(27, x0 + 1)
            fx = min(1.0, max(0.0, sx - x0))
            top = img[y0 * 28 + x0] * (1 - fx) + img[y0 * 28 + x1] * fx
            bottom = img[y1 * 28 + x0] * (1 - fx) + img[y1 * 28 + x1] * fx
            out[y][x] = top * (1 - fy) + bottom * fy
    return out


def main(base_dir, base_n, target_dir, target_n):
    rnd = random.Random(12)
    images, labels = idx("train-images-idx3-ubyte.gz"), idx("train-labels-idx1-ubyte.gz")
    for c in range(5):
        os.makedirs(os.path.join(base_dir, NAMES[c]), exist_ok=True)
        picked = [i for i, l in enumerate(labels) if l == c][:base_n]
        for k, i in enumerate(picked):
            img = images[i]
            png(os.path.join(base_dir, NAMES[c], f"{k:04d}.png"), 28, 28, [img[r * 28:(r + 1) * 28] for r in range(28)], False)
    images, labels = idx("t10k-images-idx3-ubyte.gz"), idx("t10k-labels-idx1-ubyte.gz")
    for c in range(5, 10):
        os.makedirs(os.path.join(target_dir, NAMES[c]), exist_ok=True)
        picked = [i for i, l in enumerate(labels) if l == c][:target_n]
        for k, i in enumerate(picked):
            small = bilinear(images[i], 48)
            ink = [rnd.randint(150, 255) for _ in range(3)]
            paper = [rnd.randint(0, 60) for _ in range(3)]
            rows = []
            for y in range(48):
                row = []
                for x in range(64):
                    v = small[y][x - 8] / 255 if 8 <= x < 56 else 0.0
                    row.extend(int(round(paper[j] + (ink[j] - paper[j]) * v)) for j in range(3))
                rows.append(row)
            png(os.path.join(target_dir, NAMES[c], f"{k:04d}.png"), 64, 48, rows, True)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]))

#!/usr/bin/env python3
"""Writes Fashion-MNIST test pictures as PNG files, one sub-folder per class, for the Spark measurements
(docs/SCALE.md): python3 tools/fashion_pngs.py OUT_DIR [COUNT]. Standard library only (zlib writes the PNGs)."""
import gzip, os, struct, sys, zlib

SRC = os.environ.get("FASHION_MNIST_DIR", "/usr/share/datasets/fashion-mnist")
NAMES = ["T-shirt_top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle_boot"]


def png(width, height, rows):
    def chunk(kind, data):
        c = kind + data
        return struct.pack(">I", len(data)) + c + struct.pack(">I", zlib.crc32(c) & 0xffffffff)
    raw = b"".join(b"\x00" + r for r in rows)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b""))


def main():
    out, count = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 10000
    with gzip.open(os.path.join(SRC, "t10k-images-idx3-ubyte.gz")) as f:
        _, n, h, w = struct.unpack(">IIII", f.read(16))
        pixels = f.read()
    with gzip.open(os.path.join(SRC, "t10k-labels-idx1-ubyte.gz")) as f:
        f.read(8)
        labels = f.read()
    for i in range(min(count, n)):
        d = os.path.join(out, NAMES[labels[i]])
        os.makedirs(d, exist_ok=True)
        img = pixels[i * h * w:(i + 1) * h * w]
        with open(os.path.join(d, "%05d.png" % i), "wb") as f:
            f.write(png(w, h, [img[r * w:(r + 1) * w] for r in range(h)]))


if __name__ == "__main__":
    main()

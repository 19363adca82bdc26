#!/usr/bin/env python3
"""Share of the GEMM micro-kernel's FMAs that do useful work in ResNet-50 (torchvision v1.5 layout) training at
batch 8, per pass, from the convolution tiling of FastConvolution.Tiling (COL_BUDGET 128 Ki floats, MIN_COLS 192,
MIN_GROUPS 4) and the 8 x 48 register tile (MR = 8 rows, NR = 3 vectors of 16 floats).

A tile of C that is m x n runs ceil(m/MR) x ceil(n/NR) micro-tiles; the useful share is m*n over that. With
--narrow the last column panel costs only the vectors it needs (VectorGemm.narrowEdges). Prints per layer shape
(forward, weight gradient: as is / transposed) and the MAC-weighted shares per pass; "best" picks the better
orientation per layer (not what the engine does; an upper bound for that choice).

    python3 bench/panel_fill.py            # full edge panels (before)
    python3 bench/panel_fill.py --narrow   # one- or two-vector edge panels (after)
"""
import math
import sys

MR, NR, VL = 8, 48, 16
COL_BUDGET, MIN_COLS, MIN_GROUPS = 131072, 192, 4
NARROW = "--narrow" in sys.argv


def fill(x, tile):
    if tile == NR and NARROW:  # the edge panel costs whole vectors only
        return x / (math.ceil(x / VL) * VL)
    return x / (math.ceil(x / tile) * tile)


def tile_cols(n, kk, oh, ow):
    """Output pixels T of one tile (FastConvolution.Tiling.of)."""
    plane = oh * ow
    sample_patches = kk * plane
    if n > 1 and (plane < MIN_COLS or sample_patches * 2 <= COL_BUDGET):
        per = max(math.ceil(MIN_COLS / plane), COL_BUDGET // sample_patches)
        per = max(1, min(per, math.ceil(n / MIN_GROUPS)))
        return per * plane
    tile_rows = max(1, min(oh, COL_BUDGET // (kk * ow)))
    rows = min(oh, max(tile_rows, math.ceil(MIN_COLS / ow)))
    return rows * ow


def resnet50_convs():
    layers = [(3, 64, 7, 2, 112)]  # (in channels, filters, kernel, stride, output size)
    h, cin = 56, 64
    for width, blocks, stride in [(64, 3, 1), (128, 4, 2), (256, 6, 2), (512, 3, 2)]:
        for b in range(blocks):
            s = stride if b == 0 else 1
            layers.append((cin, width, 1, 1, h))
            layers.append((width, width, 3, s, h // s))
            layers.append((width, width * 4, 1, 1, h // s))
            if b == 0:
                layers.append((cin, width * 4, 1, s, h // s))
            cin, h = width * 4, h // s
    return layers


def main(batch=8):
    totals = {p: [0.0, 0.0, 0.0] for p in ("forward", "backward data", "backward weights")}
    for c, f, k, s, oh in resnet50_convs():
        kk = c * k * k
        t = tile_cols(batch, kk, oh, oh)
        macs = batch * oh * oh * f * kk
        pointwise = k == 1 and s == 1
        shapes = {"forward": (f, t), "backward data": (c if pointwise else kk, t), "backward weights": (f, kk)}
        for p, (m, n) in shapes.items():
            as_is = fill(m, MR) * fill(n, NR)
            transposed = fill(n, MR) * fill(m, NR)
            totals[p][0] += macs
            totals[p][1] += macs / as_is
            totals[p][2] += macs / max(as_is, transposed)
        print("%4d -> %4d  %dx%d s%d  %3dx%-3d  T %4d  forward %.2f  weights %.2f  GMAC %.2f" % (
            c, f, k, k, s, oh, oh, t, fill(f, MR) * fill(t, NR), fill(f, MR) * fill(kk, NR), macs / 1e9))
    for p, (macs, now, best) in totals.items():
        print("%-17s %.1f GMAC  useful share %.3f  (best orientation per layer %.3f)" % (p, macs / 1e9, macs / now,
                                                                                        macs / best))


if __name__ == "__main__":
    main()

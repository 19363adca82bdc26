package org.convnet4j.image;

import org.convnet4j.tensor.Tensor;

/**
 * The eight EXIF orientations (TIFF tag 0x0112) as transforms of a [C, H, W] picture into the way it is meant to
 * be seen: 1 as stored, 2 mirrored left-right, 3 turned 180°, 4 mirrored top-bottom, 5 transposed, 6 turned 90°
 * clockwise, 7 transversed, 8 turned 90° anticlockwise.
 */
final class Orientation {
    private Orientation() {
    }

    static Tensor apply(Tensor chw, int orientation) {
        if (orientation <= 1 || orientation > 8) {
            return chw;
        }
        int c = chw.dim(0);
        int h = chw.dim(1);
        int w = chw.dim(2);
        boolean swap = orientation >= 5;
        int oh = swap ? w : h;
        int ow = swap ? h : w;
        float[] src = chw.data();
        float[] dst = new float[src.length];
        for (int r = 0; r < oh; r++) {
            for (int col = 0; col < ow; col++) {
                int y;
                int x;
                switch (orientation) {
                    case 2 -> { y = r; x = w - 1 - col; }
                    case 3 -> { y = h - 1 - r; x = w - 1 - col; }
                    case 4 -> { y = h - 1 - r; x = col; }
                    case 5 -> { y = col; x = r; }
                    case 6 -> { y = h - 1 - col; x = r; }
                    case 7 -> { y = h - 1 - col; x = w - 1 - r; }
                    default -> { y = col; x = w - 1 - r; } // 8
                }
                for (int k = 0; k < c; k++) {
                    dst[(k * oh + r) * ow + col] = src[(k * h + y) * w + x];
                }
            }
        }
        return Tensor.wrap(dst, c, oh, ow);
    }
}

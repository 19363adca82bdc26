package org.convnet4j.tensor.kernels;

/** Argument checks shared by the kernel implementations, so both reject bad input with the same message. */
final class Checks {
    private Checks() {
    }

    static void gemm(boolean transA, boolean transB, int m, int n, int k,
                     float[] a, int aOff, int lda, float[] b, int bOff, int ldb, float[] c, int cOff, int ldc) {
        if (m < 0 || n < 0 || k < 0) {
            throw new IllegalArgumentException("sgemm: negative dimension m=" + m + " n=" + n + " k=" + k);
        }
        // Stored shapes: A is m x k (or k x m when transposed), B is k x n (or n x k).
        int aRows = transA ? k : m;
        int aCols = transA ? m : k;
        int bRows = transB ? n : k;
        int bCols = transB ? k : n;
        matrix("A", a, aOff, lda, aRows, aCols, k != 0 && m != 0 && n != 0);
        matrix("B", b, bOff, ldb, bRows, bCols, k != 0 && m != 0 && n != 0);
        matrix("C", c, cOff, ldc, m, n, m != 0 && n != 0);
    }

    /** The left operand alone, as {@link #gemm} checks it (for {@code Kernels.prepareA}). */
    static void leftOperand(boolean transA, int m, int k, float[] a, int aOff, int lda) {
        if (m < 0 || k < 0) {
            throw new IllegalArgumentException("sgemm: negative dimension m=" + m + " k=" + k);
        }
        matrix("A", a, aOff, lda, transA ? k : m, transA ? m : k, k != 0 && m != 0);
    }

    private static void matrix(String name, float[] x, int off, int ld, int rows, int cols, boolean used) {
        if (ld < Math.max(1, cols)) {
            throw new IllegalArgumentException("sgemm: leading dimension of " + name + " is " + ld
                    + " but its rows hold " + cols + " values");
        }
        if (!used) {
            return;
        }
        if (x == null) {
            throw new IllegalArgumentException("sgemm: array " + name + " is null");
        }
        long last = (long) off + (long) (rows - 1) * ld + cols;
        if (off < 0 || last > x.length) {
            throw new IllegalArgumentException("sgemm: " + name + " (" + rows + " x " + cols + ", ld " + ld
                    + ", offset " + off + ") needs " + last + " values but its array holds " + x.length);
        }
    }

    /** C alone, as {@link #gemm} checks it. */
    static void output(int m, int n, float[] c, int cOff, int ldc) {
        matrix("C", c, cOff, ldc, m, n, m != 0 && n != 0);
    }

    /** Bounds of {@code Kernels.sgemmRows}' B: every stored row inside {@code b}. */
    static void rows(boolean transB, int m, int n, int k, float[] b, int bOff, int[] rows) {
        if (m < 0 || n < 0 || k < 0) {
            throw new IllegalArgumentException("sgemm: negative dimension m=" + m + " n=" + n + " k=" + k);
        }
        int storedRows = transB ? n : k;
        int len = transB ? k : n;
        if (storedRows == 0 || len == 0) {
            return;
        }
        if (b == null || rows == null || rows.length < storedRows) {
            throw new IllegalArgumentException("sgemm: B or its " + storedRows + " row offsets missing");
        }
        for (int r = 0; r < storedRows; r++) {
            long start = (long) bOff + rows[r];
            if (start < 0 || start + len > b.length) {
                throw new IllegalArgumentException("sgemm: row " + r + " of B [" + start + ", " + (start + len)
                        + ") is outside its array of " + b.length);
            }
        }
    }

    /** The arguments of {@link Kernels#addPartials}: dst's n elements and src's parts runs of n, stride apart. */
    static void partials(int n, int parts, float[] src, int sOff, int stride, float[] dst, int dOff) {
        if (parts < 0 || stride < 0) {
            throw new IllegalArgumentException("addPartials: negative parts " + parts + " or stride " + stride);
        }
        range("addPartials", "dst", dst, dOff, n);
        if (parts > 0) {
            long span = (long) (parts - 1) * stride + n;
            if (span > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("addPartials: src span " + span + " too long");
            }
            range("addPartials", "src", src, sOff, (int) span);
        }
    }

    static void range(String op, String name, float[] x, int off, int n) {
        if (n < 0) {
            throw new IllegalArgumentException(op + ": negative length " + n);
        }
        if (x == null) {
            throw new IllegalArgumentException(op + ": array " + name + " is null");
        }
        if (off < 0 || (long) off + n > x.length) {
            throw new IllegalArgumentException(op + ": " + name + "[" + off + ", " + ((long) off + n)
                    + ") is outside its array of " + x.length + " values");
        }
    }

    /** {@link #pool2x2}'s {@code aOff} for kernels that write no arg-max ({@link Kernels#maxPool2x2}; argMax null). */
    static final int NO_ARG_MAX = Integer.MIN_VALUE;

    /** The arrays of {@link Kernels#maxPool2x2ArgMax}: whole planes read, every output and arg-max written exist. */
    static void pool2x2(String op, int planes, float[] x, int xOff, int h, int w, int oh, int ow, float[] y, int yOff,
                        int[] argMax, int aOff) {
        if (planes < 0 || oh < 0 || ow < 0 || 2L * oh > h || 2L * ow > w) {
            throw new IllegalArgumentException(op + ": bad geometry (" + planes + " planes of " + h + "x" + w
                    + " to " + oh + "x" + ow + ")");
        }
        long in = (long) planes * h * w;
        long out = (long) planes * oh * ow;
        if (in > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(op + ": planes span " + in + " values");
        }
        range(op, "x", x, xOff, (int) in);
        range(op, "y", y, yOff, (int) out);
        if (argMax == null && aOff == NO_ARG_MAX) {
            return;
        }
        if (argMax == null) {
            throw new IllegalArgumentException(op + ": arg-max array is null");
        }
        if (aOff < 0 || aOff + out > argMax.length) {
            throw new IllegalArgumentException(op + ": argMax[" + aOff + ", " + (aOff + out)
                    + ") is outside its array of " + argMax.length + " values");
        }
    }

    /** The arrays of {@link Kernels#maxPoolWindows}: every window element read and every output written exist. */
    static void poolWindows(String op, int count, float[] x, int xOff, int stride, int ldx, int rows, int cols,
                            float[] y, int yOff) {
        if (count < 0 || stride < 1 || ldx < 0 || rows < 1 || cols < 1) {
            throw new IllegalArgumentException(op + ": bad window geometry (count " + count + ", stride " + stride
                    + ", ldx " + ldx + ", rows " + rows + ", cols " + cols + ")");
        }
        range(op, "y", y, yOff, count);
        if (count > 0) {
            long extent = (long) (count - 1) * stride + (long) (rows - 1) * ldx + cols;
            if (extent > Integer.MAX_VALUE) {
                throw new IllegalArgumentException(op + ": windows span " + extent + " values");
            }
            range(op, "x", x, xOff, (int) extent);
        }
    }
}

package org.convnet4j.tensor.kernels;

/** A right operand given by row offsets ({@link Kernels#sgemmRows}) copied into an ordinary matrix: the naive twin. */
final class RowsB {
    private RowsB() {
    }

    /** Stored rows of B ({@code transB ? n : k} of them, {@code transB ? k : n} floats each) end to end; bounds checked. */
    static float[] copy(boolean transB, int m, int n, int k, float[] b, int bOff, int[] rows) {
        Checks.rows(transB, m, n, k, b, bOff, rows);
        int storedRows = transB ? n : k;
        int len = transB ? k : n;
        float[] out = new float[storedRows * len];
        for (int r = 0; r < storedRows; r++) {
            System.arraycopy(b, bOff + rows[r], out, r * len, len);
        }
        return out;
    }
}

package org.convnet4j.tensor.kernels;

/**
 * A right operand B [k x n] (not transposed) whose stored rows lie anywhere in an array and read as zero outside a
 * window: row r, column t of B is {@code b[bOff + rows[r] + t]} when {@code from[r] <= t < to[r]} and
 * {@code lo[r] <= t % period < hi[r]}, and 0 otherwise ({@link Kernels#sgemmWindowed}).
 *
 * <p>What it is for: a stride-1 convolution whose output rows are as wide as its input rows ("same" width: 3x3 with
 * padding 1) reads its patch matrix straight out of the input. Tap (ci, i, j) is the input plane shifted by
 * (i - padTop, j - padLeft); over a tile of whole output rows, column t is output pixel (r0 + t / ow, t % ow), so the
 * shifted plane is one run of the input ({@code rows[r]}). The padding is where the shift leaves the image: rows above
 * or below it ({@code [from, to)}, whole output rows) and columns left or right of it ({@code [lo, hi)} within each
 * output row of {@code period = ow} columns). The columns are the output's own pixels in its own order, so the product
 * can write straight into the output planes: no padded copy of the input, no dropped columns, no copy of the result.
 *
 * <p>Every {@code b[bOff + rows[r] + t]} for t in {@code [from[r], to[r])} must lie inside b (checked); the packing
 * may read those inside {@code [from, to)} that the period's window masks, and writes zeros in their place.
 * Nothing outside {@code [from, to)} is read. The arrays are read, never written, and must not change during a call.
 */
public final class RowWindows {
    final int period;
    final int[] rows;
    final int[] from;
    final int[] to;
    final int[] lo;
    final int[] hi;

    /**
     * Stored row r of B: {@code rows[r]} after the call's {@code bOff}, its columns {@code [from[r], to[r])} and, within
     * each run of {@code period} columns, {@code [lo[r], hi[r])} (0 &lt;= lo, hi &lt;= period); each array at least k long.
     */
    public RowWindows(int period, int[] rows, int[] from, int[] to, int[] lo, int[] hi) {
        if (period <= 0) {
            throw new IllegalArgumentException("RowWindows: period " + period + " is not positive");
        }
        this.period = period;
        this.rows = rows;
        this.from = from;
        this.to = to;
        this.lo = lo;
        this.hi = hi;
    }

    /** Bounds: k rows given, each window inside {@code b}. */
    void check(int n, int k, float[] b, int bOff) {
        if (n < 0 || k < 0) {
            throw new IllegalArgumentException("sgemm: negative dimension n=" + n + " k=" + k);
        }
        if (n == 0 || k == 0) {
            return;
        }
        if (b == null || rows.length < k || from.length < k || to.length < k || lo.length < k || hi.length < k) {
            throw new IllegalArgumentException("sgemm: B or its " + k + " row windows missing");
        }
        for (int r = 0; r < k; r++) {
            if (lo[r] < 0 || hi[r] > period || from[r] < 0 || to[r] > n) {
                throw new IllegalArgumentException("sgemm: window of row " + r + " of B ([" + from[r] + ", " + to[r]
                        + "), [" + lo[r] + ", " + hi[r] + ") of " + period + ") is outside its " + n + " columns");
            }
            if (from[r] < to[r]) {
                long start = (long) bOff + rows[r] + from[r];
                long end = (long) bOff + rows[r] + to[r];
                if (start < 0 || end > b.length) {
                    throw new IllegalArgumentException("sgemm: row " + r + " of B [" + start + ", " + end
                            + ") is outside its array of " + b.length);
                }
            }
        }
    }

    /** B as an ordinary k x n matrix (row r at {@code r * n}): the naive twin's operand. */
    float[] copy(int n, int k, float[] b, int bOff) {
        check(n, k, b, bOff);
        float[] out = new float[k * n];
        for (int r = 0; r < k; r++) {
            for (int t = from[r]; t < to[r]; t++) {
                int q = t % period;
                if (q >= lo[r] && q < hi[r]) {
                    out[r * n + t] = b[bOff + rows[r] + t];
                }
            }
        }
        return out;
    }

    /**
     * Rows [pc, pc + kc) x columns [col, col + nr) of B into a packed panel ({@code dst[base + p * width ..]}, zeros past
     * nr). A row whose window spans the panel's columns is one copy plus zeros over the columns its period window
     * masks, which are the same in every row of equal (lo, hi): found once per panel and pair ({@code masks}, a
     * thread's own); a row cut by its window inside the panel (an edge of the image) takes {@link #pack}.
     */
    void packPanel(float[] b, int bOff, int pc, int kc, int col, int nr, float[] dst, int base, int width,
                   Masks masks) {
        int phase = col % period;
        masks.reset(width);
        int end = col + nr;
        for (int p = 0; p < kc; p++) {
            int r = pc + p;
            int d = base + p * width;
            if (from[r] > col || to[r] < end) {
                pack(b, bOff, r, col, phase, nr, dst, d, width);
                continue;
            }
            System.arraycopy(b, bOff + rows[r] + col, dst, d, nr);
            for (int j = nr; j < width; j++) {
                dst[d + j] = 0f;
            }
            int l = lo[r];
            int h = hi[r];
            if (l != 0 || h != period) {
                int s = masks.slot(this, l, h, col, phase, nr);
                int[] at = masks.at;
                for (int i = s * width, stop = i + masks.count[s]; i < stop; i++) {
                    dst[d + at[i]] = 0f;
                }
            }
        }
    }

    /** Per thread: the masked columns of the panel being packed, for up to {@link #SLOTS} (lo, hi) pairs. */
    static final class Masks {
        static final int SLOTS = 8;
        final int[] lo = new int[SLOTS];
        final int[] hi = new int[SLOTS];
        final int[] count = new int[SLOTS];
        int[] at = new int[0];
        private int width;

        void reset(int width) {
            if (at.length < SLOTS * width) {
                at = new int[SLOTS * width];
            }
            this.width = width;
            java.util.Arrays.fill(lo, -1);
        }

        /** The slot holding (l, h)'s masked columns of the panel (offsets from col), computed on first use. */
        int slot(RowWindows w, int l, int h, int col, int phase, int nr) {
            int s = (l * 7 + h) & (SLOTS - 1);
            if (lo[s] == l && hi[s] == h) {
                return s;
            }
            lo[s] = l;
            hi[s] = h;
            int n = 0;
            int at0 = s * width;
            for (int base = -phase; base < nr; base += w.period) { // period runs, relative to col
                for (int t = Math.max(0, base); t < Math.min(nr, base + l); t++) {
                    at[at0 + n++] = t;
                }
                for (int t = Math.max(0, base + h); t < Math.min(nr, base + w.period); t++) {
                    at[at0 + n++] = t;
                }
            }
            count[s] = n;
            return s;
        }
    }

    /**
     * Row r's columns {@code [col, col + nr)} into {@code dst[d ..]}, then zeros up to {@code d + width}: one copy of the
     * window's run, zeros written over the columns the period's window masks ({@code colPhase = col % period}).
     */
    void pack(float[] b, int bOff, int r, int col, int colPhase, int nr, float[] dst, int d, int width) {
        int f = Math.max(col, from[r]);
        int e = Math.min(col + nr, to[r]);
        if (f >= e) {
            java.util.Arrays.fill(dst, d, d + width, 0f);
            return;
        }
        int at = d - col; // dst index of column t: at + t
        for (int t = col; t < f; t++) {
            dst[at + t] = 0f;
        }
        System.arraycopy(b, bOff + rows[r] + f, dst, at + f, e - f);
        for (int t = e; t < col + width; t++) {
            dst[at + t] = 0f;
        }
        int l = lo[r];
        int h = hi[r];
        if (l == 0 && h == period) {
            return;
        }
        // the masked columns: [base, base + l) of the first period run, then [base + h, base + period + l) of each
        int base = col - colPhase;
        for (int t = Math.max(f, base), end = Math.min(e, base + l); t < end; t++) {
            dst[at + t] = 0f;
        }
        for (; base < e; base += period) {
            for (int t = Math.max(f, base + h), end = Math.min(e, base + period + l); t < end; t++) {
                dst[at + t] = 0f;
            }
        }
    }
}

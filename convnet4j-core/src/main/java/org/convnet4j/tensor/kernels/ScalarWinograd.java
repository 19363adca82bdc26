package org.convnet4j.tensor.kernels;

/**
 * The scalar twin of the Winograd transforms ({@link Kernels#winogradFilters}, {@link Kernels#winogradInput},
 * {@link Kernels#winogradOutput}): F(m x m, 3x3) for m = 2 and 4 (Lavin and Gray, "Fast Algorithms for Convolutional
 * Neural Networks", 2016), with the interpolation points 0, 1, -1 (m = 2) and 0, 1, -1, 2, -2 (m = 4), plus infinity.
 *
 * <p>Every 2-D transform is its 1-D transform applied twice (the filter and input transforms down the columns first, then
 * along the rows; the output transform along the rows first), each 1-D output by the fixed expression written out below
 * (float operations, no fused multiply-add). {@code VectorWinograd} evaluates the same expressions lane by lane, so both
 * give the same bits.
 */
final class ScalarWinograd {
    /** -1/6 and 1/24 rounded to float: G's fractions of F(4x4, 3x3). */
    static final float MINUS_SIXTH = -1f / 6f;
    static final float TWENTY_FOURTH = 1f / 24f;
    /** 1/12 and 1/6 rounded to float: G^T's fractions in the weight gradient's transform back ({@link #weights1d}). */
    static final float TWELFTH = 1f / 12f;
    static final float SIXTH = 1f / 6f;

    private ScalarWinograd() {
    }

    /** The tile sizes supported: F(2x2, 3x3) and F(4x4, 3x3). */
    private static void checkTile(String op, int m) {
        if (m != 2 && m != 4) {
            throw new IllegalArgumentException(op + ": output tile must be 2 or 4, got " + m);
        }
    }

    /** The arguments of {@link Kernels#winogradFilters}. */
    static void checkFilters(int m, int n, float[] src, int srcOff, float[] dst, int dstOff, int ldE) {
        checkTile("winogradFilters", m);
        if (n > 0) {
            Checks.range("winogradFilters", "src", src, srcOff, 9 * n);
            checkElements("winogradFilters", m, n, dst, dstOff, ldE);
        }
    }

    /** The arguments of {@link Kernels#winogradFiltersPrepared}. */
    static void checkPrepared(int m, int f, int c, float[] w, int f0, int f1, float[][] buffers) {
        checkTile("winogradFiltersPrepared", m);
        if (f0 < 0 || f1 < f0 || f1 > f || f0 < f1 && f0 % 16 != 0) {
            throw new IllegalArgumentException("winogradFiltersPrepared: filters [" + f0 + ", " + f1 + ") of " + f
                    + " (the first a multiple of 16)");
        }
        Checks.range("winogradFiltersPrepared", "w", w, 0, 9 * f * c);
        if (buffers.length < (m + 2) * (m + 2)) {
            throw new IllegalArgumentException("winogradFiltersPrepared: " + buffers.length + " buffers for "
                    + (m + 2) * (m + 2) + " elements");
        }
        for (int e = 0; e < (m + 2) * (m + 2); e++) {
            Checks.range("winogradFiltersPrepared", "buffer", buffers[e], 0, (f + 15) / 16 * 16 * c);
        }
    }

    /** The arguments of {@link Kernels#winogradGradientRows}. */
    static void checkGradientRows(int m, int tiles, float[] src, int srcOff, int ldK, float[] dst, int dstOff,
                                  int ldE) {
        checkTransform("winogradGradientRows", m, tiles, dst, dstOff, ldE);
        if (tiles > 0) {
            if (ldK < tiles * m) {
                throw new IllegalArgumentException("winogradGradientRows: rows " + ldK + " apart, less than "
                        + tiles * m);
            }
            Checks.range("winogradGradientRows", "src", src, srcOff, (m - 1) * ldK + tiles * m);
        }
    }

    /** The arguments of {@link Kernels#winogradWeightOutputs}. */
    static void checkWeightOutputs(int m, int n, float[] src, int srcOff, int ldE, float[] dst, int dstOff) {
        checkTransform("winogradWeightOutputs", m, n, src, srcOff, ldE);
        if (n > 0) {
            Checks.range("winogradWeightOutputs", "dst", dst, dstOff, 9 * n);
        }
    }

    /** The tile size and the transformed side ({@code x}, a x a elements ldE apart) of an input or output transform. */
    static void checkTransform(String op, int m, int tiles, float[] x, int off, int ldE) {
        checkTile(op, m);
        if (tiles > 0) {
            checkElements(op, m, tiles, x, off, ldE);
        }
    }

    /** The arguments of {@link Kernels#winogradInputRows}. */
    static void checkRows(int m, int tiles, int tilesW, float[] src, int srcOff, int ldK, int fringeOff, float[] dst,
                          int dstOff, int ldE) {
        checkTransform("winogradInputRows", m, tiles, dst, dstOff, ldE);
        if (tiles > 0) {
            if (tilesW < 1 || tiles % tilesW != 0 || ldK < tiles * m) {
                throw new IllegalArgumentException("winogradInputRows: " + tiles + " tiles in rows of " + tilesW
                        + ", rows " + ldK + " apart (at least " + tiles * m + ")");
            }
            Checks.range("winogradInputRows", "src", src, srcOff, (m + 1) * ldK + tiles * m);
            Checks.range("winogradInputRows", "fringe", src, fringeOff, tiles / tilesW * (m + 2) * 2);
        }
    }

    /** The arguments of {@link Kernels#winogradOutputRows}. */
    static void checkOutputRows(int m, int tiles, float[] src, int srcOff, int ldE, float[] dst, int dstOff, int ldI) {
        checkTransform("winogradOutputRows", m, tiles, src, srcOff, ldE);
        if (tiles > 0) {
            if (ldI < tiles * m) {
                throw new IllegalArgumentException("winogradOutputRows: output rows " + ldI + " apart, less than "
                        + tiles * m);
            }
            Checks.range("winogradOutputRows", "dst", dst, dstOff, (m - 1) * ldI + tiles * m);
        }
    }

    private static void checkElements(String op, int m, int count, float[] x, int off, int ldE) {
        if (ldE < count) {
            throw new IllegalArgumentException(op + ": element stride " + ldE + " is less than the count " + count);
        }
        Checks.range(op, "elements", x, off, ((m + 2) * (m + 2) - 1) * ldE + count);
    }

    /** B^T v (v: a = m + 2 values {@code stride} apart from {@code off}) into {@code out[0 .. a)}. */
    static void input1d(int m, float[] v, int off, int stride, float[] out) {
        float d0 = v[off];
        float d1 = v[off + stride];
        float d2 = v[off + 2 * stride];
        float d3 = v[off + 3 * stride];
        if (m == 2) {
            out[0] = d0 - d2;
            out[1] = d1 + d2;
            out[2] = d2 - d1;
            out[3] = d1 - d3;
            return;
        }
        float d4 = v[off + 4 * stride];
        float d5 = v[off + 5 * stride];
        out[0] = (d0 * 4f - d2 * 5f) + d4;
        out[1] = (d3 + d4) - (d1 + d2) * 4f;
        out[2] = (d4 - d3) + (d1 - d2) * 4f;
        out[3] = (d4 - d2) + (d3 - d1) * 2f;
        out[4] = (d4 - d2) - (d3 - d1) * 2f;
        out[5] = (d1 * 4f - d3 * 5f) + d5;
    }

    /** G g (g: 3 values {@code stride} apart from {@code off}) into {@code out[0 .. m + 2)}. */
    static void filter1d(int m, float[] g, int off, int stride, float[] out) {
        float g0 = g[off];
        float g1 = g[off + stride];
        float g2 = g[off + 2 * stride];
        if (m == 2) {
            out[0] = g0;
            out[1] = ((g0 + g2) + g1) * 0.5f;
            out[2] = ((g0 + g2) - g1) * 0.5f;
            out[3] = g2;
            return;
        }
        out[0] = g0 * 0.25f;
        out[1] = ((g0 + g2) + g1) * MINUS_SIXTH;
        out[2] = ((g0 + g2) - g1) * MINUS_SIXTH;
        out[3] = ((g0 + g2 * 4f) + g1 * 2f) * TWENTY_FOURTH;
        out[4] = ((g0 + g2 * 4f) - g1 * 2f) * TWENTY_FOURTH;
        out[5] = g2;
    }

    /** A^T v (v: a = m + 2 values {@code stride} apart from {@code off}) into {@code out[0 .. m)}. */
    static void output1d(int m, float[] v, int off, int stride, float[] out) {
        float m0 = v[off];
        float m1 = v[off + stride];
        float m2 = v[off + 2 * stride];
        float m3 = v[off + 3 * stride];
        if (m == 2) {
            out[0] = (m0 + m1) + m2;
            out[1] = (m1 - m2) - m3;
            return;
        }
        float m4 = v[off + 4 * stride];
        float m5 = v[off + 5 * stride];
        float s12 = m1 + m2;
        float d12 = m1 - m2;
        float s34 = m3 + m4;
        float d34 = m3 - m4;
        out[0] = (m0 + s12) + s34;
        out[1] = d12 + d34 * 2f;
        out[2] = s12 + s34 * 4f;
        out[3] = (d12 + d34 * 8f) + m5;
    }

    /**
     * A y (y: m values {@code stride} apart from {@code off}) into {@code out[0 .. m + 2)}: the output transform's
     * transpose, which takes dy's m x m tiles into the transformed domain for the weight gradient (the products then
     * sum {@code (A dy A^T) . (B^T x B)} over the tiles; {@link #weights1d} brings the sums back).
     */
    static void gradient1d(int m, float[] y, int off, int stride, float[] out) {
        float y0 = y[off];
        float y1 = y[off + stride];
        if (m == 2) {
            out[0] = y0;
            out[1] = y0 + y1;
            out[2] = y0 - y1;
            out[3] = -y1;
            return;
        }
        float y2 = y[off + 2 * stride];
        float y3 = y[off + 3 * stride];
        float even = y0 + y2;
        float odd = y1 + y3;
        float evenFar = y0 + y2 * 4f;
        float oddFar = y1 * 2f + y3 * 8f;
        out[0] = y0;
        out[1] = even + odd;
        out[2] = even - odd;
        out[3] = evenFar + oddFar;
        out[4] = evenFar - oddFar;
        out[5] = y3;
    }

    /**
     * G^T v (v: a = m + 2 values {@code stride} apart from {@code off}) into {@code out[0 .. 3)}: the filter
     * transform's transpose, which brings the weight gradient's summed products back to the 3 taps of a filter row.
     */
    static void weights1d(int m, float[] v, int off, int stride, float[] out) {
        float v0 = v[off];
        float v1 = v[off + stride];
        float v2 = v[off + 2 * stride];
        float v3 = v[off + 3 * stride];
        if (m == 2) {
            float half = (v1 + v2) * 0.5f;
            out[0] = v0 + half;
            out[1] = (v1 - v2) * 0.5f;
            out[2] = half + v3;
            return;
        }
        float v4 = v[off + 4 * stride];
        float v5 = v[off + 5 * stride];
        float s12 = v1 + v2;
        float s34 = v3 + v4;
        out[0] = v0 * 0.25f + (s34 - s12 * 4f) * TWENTY_FOURTH;
        out[1] = ((v3 - v4) - (v1 - v2) * 2f) * TWELFTH;
        out[2] = (s34 - s12) * SIXTH + v5;
    }

    /**
     * {@link Kernels#winogradGradientRows} for tiles [t0, t1): A down each of a tile's m columns into dst, then A along
     * each row in place.
     */
    static void gradientRows(int m, int t0, int t1, float[] src, int srcOff, int ldK, float[] dst, int dstOff,
                             int ldE) {
        float[] out = new float[m + 2];
        for (int t = t0; t < t1; t++) {
            columnsThenRows(m, ScalarWinograd::gradient1d, m, src, srcOff + t * m, ldK, dst, dstOff + t, ldE, out);
        }
    }

    /**
     * {@link Kernels#winogradWeightOutputs} for pairs [p0, p1): G^T down each column of a pair's a x a sums into H
     * (3 x a), then G^T along each row of H, added to the pair's 3 x 3 taps.
     */
    static void weightOutputs(int m, int p0, int p1, float[] src, int srcOff, int ldE, float[] dst, int dstOff) {
        int a = m + 2;
        float[] h = new float[3 * a];
        float[] out = new float[3];
        for (int p = p0; p < p1; p++) {
            for (int s = 0; s < a; s++) {
                weights1d(m, src, srcOff + p + s * ldE, a * ldE, out);
                for (int u = 0; u < 3; u++) {
                    h[u * a + s] = out[u];
                }
            }
            for (int u = 0; u < 3; u++) {
                weights1d(m, h, u * a, 1, out);
                for (int v = 0; v < 3; v++) {
                    dst[dstOff + 9 * p + 3 * u + v] += out[v];
                }
            }
        }
    }

    /**
     * {@link Kernels#winogradFilters}: G g down the three columns into elements (i, s < 3) of dst, then G along each
     * row i in place.
     */
    static void filters(int m, int n, float[] src, int srcOff, float[] dst, int dstOff, int ldE) {
        filters(m, n, src, srcOff, dst, dstOff, ldE, new float[m + 2]);
    }

    /**
     * {@link #filters} with the caller's row scratch {@code out} (at least m + 2 floats): callers that transform one
     * filter-channel pair at a time (the prepared filters' default, once per pair every training step) allocate it
     * once per call instead of once per pair.
     */
    static void filters(int m, int n, float[] src, int srcOff, float[] dst, int dstOff, int ldE, float[] out) {
        for (int p = 0; p < n; p++) {
            columnsThenRows(m, ScalarWinograd::filter1d, 3, src, srcOff + 9 * p, 3, dst, dstOff + p, ldE, out);
        }
    }

    /** {@link Kernels#winogradInput} for tiles [t0, t1): B^T down each column into dst, then B along each row in place. */
    static void input(int m, int t0, int t1, float[] src, int srcOff, int ld, int[] origins, int originsOff,
                      float[] dst, int dstOff, int ldE) {
        float[] out = new float[m + 2];
        for (int t = t0; t < t1; t++) {
            columnsThenRows(m, ScalarWinograd::input1d, m + 2, src, srcOff + origins[originsOff + t], ld, dst,
                    dstOff + t, ldE, out);
        }
    }

    /** {@link Kernels#winogradInputRows} for tiles [t0, t1): each tile copied out ({@link #tileOfRows}), then as above. */
    static void inputRows(int m, int t0, int t1, int tilesW, float[] src, int srcOff, int ldK, int fringeOff,
                          float[] dst, int dstOff, int ldE) {
        int a = m + 2;
        float[] tile = new float[a * a];
        float[] out = new float[a];
        for (int t = t0; t < t1; t++) {
            tileOfRows(m, t, tilesW, src, srcOff, ldK, fringeOff, tile);
            columnsThenRows(m, ScalarWinograd::input1d, a, tile, 0, a, dst, dstOff + t, ldE, out);
        }
    }

    /** Tile t's a x a input pixels in {@link Kernels#winogradInputRows}' layout, row-major into {@code tile}. */
    private static void tileOfRows(int m, int t, int tilesW, float[] src, int srcOff, int ldK, int fringeOff,
                                   float[] tile) {
        int a = m + 2;
        boolean rowEnd = t % tilesW == tilesW - 1;
        for (int k = 0; k < a; k++) {
            for (int s = 0; s < a; s++) {
                tile[k * a + s] = rowEnd && s >= m ? src[fringeOff + (t / tilesW * a + k) * 2 + s - m]
                        : src[srcOff + k * ldK + t * m + s];
            }
        }
    }

    /** One of the 1-D transforms above: {@code out} from the values of {@code v} at off, off + stride, ... */
    private interface Transform1d {
        void apply(int m, float[] v, int off, int stride, float[] out);
    }

    /**
     * One tile's two-sided transform: {@code t} down each of the source's {@code cols} columns (rows {@code ld} apart
     * from {@code off}) into the elements (i, s) of dst (element (i, j) at {@code u + (i * a + j) * ldE}, a = m + 2),
     * then along each row i of dst in place; {@code out} is scratch of a floats.
     */
    private static void columnsThenRows(int m, Transform1d t, int cols, float[] src, int off, int ld, float[] dst,
                                        int u, int ldE, float[] out) {
        int a = m + 2;
        for (int s = 0; s < cols; s++) {
            t.apply(m, src, off + s, ld, out);
            for (int i = 0; i < a; i++) {
                dst[u + (i * a + s) * ldE] = out[i];
            }
        }
        for (int i = 0; i < a; i++) {
            t.apply(m, dst, u + i * a * ldE, ldE, out);
            for (int j = 0; j < a; j++) {
                dst[u + (i * a + j) * ldE] = out[j];
            }
        }
    }

    /**
     * {@link Kernels#winogradOutput} for tiles [t0, t1): A along each row r of M into {@code H[r][q]} (q < m), then A^T
     * down each column q of H into the output's column q.
     */
    static void output(int m, int t0, int t1, float[] src, int srcOff, int ldE, float bias, float[] dst, int dstOff,
                       int ld, int[] origins, int originsOff) {
        float[] h = new float[(m + 2) * m];
        float[] out = new float[m];
        for (int t = t0; t < t1; t++) {
            outputTile(m, src, srcOff + t, ldE, bias, dst, dstOff + origins[originsOff + t], ld, h, out);
        }
    }

    /** {@link Kernels#winogradOutputRows} for tiles [t0, t1): tile t's outputs from {@code dstOff + t * m}. */
    static void outputRows(int m, int t0, int t1, float[] src, int srcOff, int ldE, float bias, float[] dst,
                           int dstOff, int ldI) {
        float[] h = new float[(m + 2) * m];
        float[] out = new float[m];
        for (int t = t0; t < t1; t++) {
            outputTile(m, src, srcOff + t, ldE, bias, dst, dstOff + t * m, ldI, h, out);
        }
    }

    /** One tile's outputs ({@code Y[i][q] + bias} to {@code dst[o + i * ld + q]}); h and out are scratch. */
    private static void outputTile(int m, float[] src, int v, int ldE, float bias, float[] dst, int o, int ld,
                                   float[] h, float[] out) {
        int a = m + 2; // H: row r, column q at q * a + r
        for (int r = 0; r < a; r++) {
            output1d(m, src, v + r * a * ldE, ldE, out);
            for (int q = 0; q < m; q++) {
                h[q * a + r] = out[q];
            }
        }
        for (int q = 0; q < m; q++) {
            output1d(m, h, q * a, 1, out);
            for (int i = 0; i < m; i++) {
                dst[o + i * ld + q] = out[i] + bias;
            }
        }
    }
}

package org.convnet4j.io.onnx;

import org.convnet4j.io.onnx.OnnxFolding.Arr;
import org.convnet4j.io.onnx.OnnxWindows.ConvShape;
import org.convnet4j.tensor.kernels.KernelProvider;
import org.convnet4j.tensor.kernels.Kernels;

/**
 * The typed path's float32 route: a Conv or MatMul whose operands are all FLOAT runs on the engine's SGEMM
 * ({@link Kernels#sgemm}, the kernels' public interface) instead of the double loops, as the float layers do. The
 * operands are rounded to float32 (they hold float32 values when they come from a FLOAT tensor), the products are
 * summed in float32 and the results are float32 values (held as doubles, as every typed value). DOUBLE (and
 * FLOAT16/BFLOAT16) operands keep the double loops.
 *
 * <p>Conv over any number of spatial axes: per sample and group, im2col writes the group's input windows as float32
 * columns [C/group x kernel cells, output cells] (in tiles of output cells, at most {@link #TILE_FLOATS} floats),
 * then Y = W_g cols; backward dW_g += dY cols^T and dcols = W_g^T dY, scattered back into dX (col2im).
 */
final class OnnxFloatRoute {
    /** The most floats one tile of im2col columns holds (the tile then spans fewer output cells). */
    static final int TILE_FLOATS = 1 << 21;

    /** The most ints the window tables of {@link #cached} hold together (32 MB); larger tables are not kept. */
    static final long CACHE_INTS = 1 << 23;

    /** Window tables by geometry, least recently used first; guarded by itself. */
    private static final java.util.LinkedHashMap<String, Object> TABLES = new java.util.LinkedHashMap<>(16, 0.75f,
            true);
    private static final java.util.Map<String, Long> TABLE_INTS = new java.util.HashMap<>();
    private static long cachedInts;

    private OnnxFloatRoute() {
    }

    /**
     * A window table (a Conv's window map, a pool's windows) for the geometry {@code key}, made once by {@code make}
     * and kept while the tables of recently used geometries fit {@link #CACHE_INTS}; {@code ints}: its size. A model
     * runs the same few geometries pass after pass, so they are computed once per shape, not once per call.
     */
    @SuppressWarnings("unchecked")
    static <T> T cached(String key, long ints, java.util.function.Supplier<T> make) {
        synchronized (TABLES) {
            Object t = TABLES.get(key);
            if (t != null) {
                return (T) t;
            }
        }
        T made = make.get();
        if (ints > CACHE_INTS / 4) {
            return made;
        }
        synchronized (TABLES) {
            if (TABLES.putIfAbsent(key, made) == null) {
                TABLE_INTS.put(key, ints);
                cachedInts += ints;
                var eldest = TABLES.keySet().iterator();
                while (cachedInts > CACHE_INTS && eldest.hasNext()) {
                    String k = eldest.next();
                    cachedInts -= TABLE_INTS.remove(k);
                    eldest.remove();
                }
            }
        }
        return made;
    }

    /** How many window tables are kept (for tests). */
    static int cachedTables() {
        synchronized (TABLES) {
            return TABLES.size();
        }
    }

    /** Whether every operand given (null: absent) is a FLOAT tensor. */
    static boolean applies(Arr... operands) {
        for (Arr a : operands) {
            if (a != null && a.type() != OnnxModel.FLOAT) {
                return false;
            }
        }
        return true;
    }

    private static float[] floats(double[] v) {
        float[] f = new float[v.length];
        for (int i = 0; i < f.length; i++) {
            f[i] = (float) v[i];
        }
        return f;
    }

    static double[] doubles(float[] f) {
        double[] v = new double[f.length];
        for (int i = 0; i < v.length; i++) {
            v[i] = f[i];
        }
        return v;
    }

    private static int count(long[] d) {
        long c = 1;
        for (long v : d) {
            c *= v;
        }
        return Math.toIntExact(c);
    }

    /** Output cells per tile: every cell when the columns fit {@link #TILE_FLOATS}, else as many as fit (>= 1). */
    private static int tile(ConvShape sh, int outCells) {
        long rows = sh.cg() * count(sh.k());
        return (int) Math.max(1, Math.min(outCells, TILE_FLOATS / Math.max(1, rows)));
    }

    /**
     * For output cells [o0, o0 + t) and every kernel cell kk: the input cell (within one channel's plane) that
     * kernel cell reads, or -1 where it falls into the padding; at {@code map[kk * t + (o - o0)]}.
     */
    private static int[] windowMap(ConvShape sh, int o0, int t) {
        String key = "conv" + java.util.Arrays.toString(sh.in()) + java.util.Arrays.toString(sh.k())
                + java.util.Arrays.toString(sh.s()) + java.util.Arrays.toString(sh.d())
                + java.util.Arrays.toString(sh.p()) + java.util.Arrays.toString(sh.out()) + o0 + "+" + t;
        return cached(key, (long) count(sh.k()) * t, () -> makeWindowMap(sh, o0, t));
    }

    private static int[] makeWindowMap(ConvShape sh, int o0, int t) {
        long[] in = sh.in();
        long[] k = sh.k();
        long[] out = sh.out();
        int r = in.length;
        int kCells = count(k);
        int[] map = new int[kCells * t];
        long[] oi = new long[r];
        long rest = o0;
        for (int i = r - 1; i >= 0; i--) {
            oi[i] = rest % out[i];
            rest /= out[i];
        }
        long[] ki = new long[r];
        for (int o = 0; o < t; o++) {
            java.util.Arrays.fill(ki, 0);
            for (int kk = 0; kk < kCells; kk++) {
                long pos = 0;
                boolean inside = true;
                for (int i = 0; i < r && inside; i++) {
                    long q = oi[i] * sh.s()[i] + ki[i] * sh.d()[i] - sh.p()[i];
                    inside = q >= 0 && q < in[i];
                    pos = pos * in[i] + q;
                }
                map[kk * t + o] = inside ? (int) pos : -1;
                for (int i = r - 1; i >= 0 && ++ki[i] == k[i]; i--) {
                    ki[i] = 0;
                }
            }
            for (int i = r - 1; i >= 0 && ++oi[i] == out[i]; i--) {
                oi[i] = 0;
            }
        }
        return map;
    }

    /** im2col: the group's channels of sample {@code xBase}'s input as columns [cg x kCells, t]. */
    private static void columns(float[] x, int xBase, int inCells, int cg, int kCells, int[] map, int t,
                                float[] cols) {
        for (int ch = 0; ch < cg; ch++) {
            int plane = xBase + ch * inCells;
            for (int kk = 0; kk < kCells; kk++) {
                int row = (ch * kCells + kk) * t;
                int mk = kk * t;
                for (int o = 0; o < t; o++) {
                    int q = map[mk + o];
                    cols[row + o] = q >= 0 ? x[plane + q] : 0f;
                }
            }
        }
    }

    /** Y = W * X + B of a FLOAT Conv (shape checked by {@link OnnxWindows#convShape}); B may be null. */
    static double[] conv(ConvShape sh, double[] xv, double[] wv, double[] bv) {
        float[] y = convForward(sh, floats(xv), floats(wv));
        addBias(y, bv, (int) sh.m(), count(sh.out()));
        return doubles(y);
    }

    private static void addBias(float[] y, double[] bv, int m, int outCells) {
        if (bv != null) { // per plane (sample, filter): no division per element
            for (int plane = 0; plane < y.length / outCells; plane++) {
                float b = (float) bv[plane % m];
                for (int i = plane * outCells, end = i + outCells; i < end; i++) {
                    y[i] += b;
                }
            }
        }
    }

    /** The convolution's float32 sums W * X (no bias), per sample and group over tiles of output cells. */
    private static float[] convForward(ConvShape sh, float[] x, float[] w) {
        Kernels kern = KernelProvider.get();
        int nb = (int) sh.nb();
        int m = (int) sh.m();
        int group = (int) sh.group();
        int mg = m / group;
        int cg = (int) sh.cg();
        int kCells = count(sh.k());
        int rows = cg * kCells;
        int inCells = count(sh.in());
        int outCells = count(sh.out());
        float[] y = new float[nb * m * outCells];
        int t = tile(sh, outCells);
        float[] cols = new float[rows * t];
        for (int o0 = 0; o0 < outCells; o0 += t) {
            int tn = Math.min(t, outCells - o0);
            int[] map = windowMap(sh, o0, tn);
            for (int bn = 0; bn < nb; bn++) {
                for (int g = 0; g < group; g++) {
                    columns(x, (int) ((bn * sh.c() + (long) g * cg) * inCells), inCells, cg, kCells, map, tn, cols);
                    kern.sgemm(false, false, mg, tn, rows, 1f, w, g * mg * rows, rows, cols, 0, tn, 0f, y,
                            (bn * m + g * mg) * outCells + o0, outCells);
                }
            }
        }
        return y;
    }

    /** Conv's dX and dW (float32 sums, as doubles) from dY {@code gv}; dB stays with the caller. */
    static double[][] convBackward(ConvShape sh, double[] xv, double[] wv, double[] gv) {
        float[] gw = new float[wv.length];
        double[] gx = new double[xv.length];
        adjoint(sh, floats(xv), floats(wv), floats(gv), gx, gw);
        return new double[][] {gx, doubles(gw)};
    }

    /**
     * The convolution's adjoints from dY {@code gy}: into {@code gx} (when not null) the col2im of W^T dY, into
     * {@code gw} (when not null; {@code x} is then read) dY cols(X)^T, both float32 sums.
     */
    private static void adjoint(ConvShape sh, float[] x, float[] w, float[] gy, double[] gx, float[] gw) {
        Kernels kern = KernelProvider.get();
        int nb = (int) sh.nb();
        int m = (int) sh.m();
        int group = (int) sh.group();
        int mg = m / group;
        int cg = (int) sh.cg();
        int kCells = count(sh.k());
        int rows = cg * kCells;
        int inCells = count(sh.in());
        int outCells = count(sh.out());
        int t = tile(sh, outCells);
        float[] cols = gw == null ? null : new float[rows * t];
        float[] gcols = gx == null ? null : new float[rows * t];
        for (int o0 = 0; o0 < outCells; o0 += t) {
            int tn = Math.min(t, outCells - o0);
            int[] map = windowMap(sh, o0, tn);
            for (int bn = 0; bn < nb; bn++) {
                for (int g = 0; g < group; g++) {
                    int xBase = (int) ((bn * sh.c() + (long) g * cg) * inCells);
                    int yOff = (bn * m + g * mg) * outCells + o0;
                    if (gw != null) {
                        columns(x, xBase, inCells, cg, kCells, map, tn, cols);
                        // dW_g [mg, rows] += dY_g [mg, tn] cols^T [tn, rows]
                        kern.sgemm(false, true, mg, rows, tn, 1f, gy, yOff, outCells, cols, 0, tn, 1f, gw,
                                g * mg * rows, rows);
                    }
                    if (gx == null) {
                        continue;
                    }
                    // dcols [rows, tn] = W_g^T [rows, mg] dY_g [mg, tn], then col2im into dX
                    kern.sgemm(true, false, rows, tn, mg, 1f, w, g * mg * rows, rows, gy, yOff, outCells, 0f, gcols,
                            0, tn);
                    for (int ch = 0; ch < cg; ch++) {
                        int plane = xBase + ch * inCells;
                        for (int kk = 0; kk < kCells; kk++) {
                            int row = (ch * kCells + kk) * tn;
                            int mk = kk * tn;
                            for (int o = 0; o < tn; o++) {
                                int q = map[mk + o];
                                if (q >= 0) {
                                    gx[plane + q] += gcols[row + o];
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /**
     * A ConvTranspose's geometry (X's spatial axes {@code in}, Y's {@code out}, filters {@code m}) as the Conv it is
     * the adjoint of: from Y's channels to X's, with the same weights [C, M / group, kernel...], strides, dilations
     * and begin pads. Y = that Conv's col2im of W^T X, dX = that Conv of dY, dW its weight gradient.
     */
    private static ConvShape adjointConv(ConvShape t) {
        return new ConvShape(t.nb(), t.m(), t.c(), t.m() / t.group(), t.group(), t.out(), t.k(), t.s(), t.d(), t.p(),
                t.in(), t.dims());
    }

    /** Y of a FLOAT ConvTranspose (geometry from {@link OnnxWindows#convTransposeShape}); B may be null. */
    static double[] convTranspose(ConvShape sh, double[] xv, double[] wv, double[] bv) {
        double[] y = new double[Math.toIntExact(sh.nb() * sh.m() * count(sh.out()))];
        adjoint(adjointConv(sh), null, floats(wv), floats(xv), y, null);
        int outCells = count(sh.out());
        for (int plane = 0; plane < y.length / outCells; plane++) {
            // the scattered sums were float32 values added in double: round once, then the bias as Conv adds it
            float b = bv == null ? 0f : (float) bv[(int) (plane % sh.m())];
            for (int i = plane * outCells, end = i + outCells; i < end; i++) {
                float v = (float) y[i];
                y[i] = bv == null ? v : v + b;
            }
        }
        return y;
    }

    /** A FLOAT ConvTranspose's dX and dW from dY {@code gv}; dB stays with the caller. */
    static double[][] convTransposeBackward(ConvShape sh, double[] xv, double[] wv, double[] gv) {
        ConvShape conv = adjointConv(sh);
        float[] w = floats(wv);
        float[] gy = floats(gv);
        float[] gw = new float[wv.length];
        adjoint(conv, gy, w, floats(xv), null, gw);
        return new double[][] {doubles(convForward(conv, gy, w)), doubles(gw)};
    }

    /**
     * Batched float32 product of FLOAT operands laid out as {@link OnnxFolding#matmul} reads them: for every batch
     * entry {@code e}, O[e] [n, m] = A[aIndex[e]] [n, k] B[bIndex[e]] [k, m] (the batch entries of A and B it
     * reads, broadcast).
     */
    static double[] matmul(double[] av, double[] bv, int[] aIndex, int[] bIndex, int n, int k, int m) {
        Kernels kern = KernelProvider.get();
        float[] a = floats(av);
        float[] b = floats(bv);
        float[] o = new float[Math.multiplyExact(aIndex.length, Math.multiplyExact(n, m))];
        for (int e = 0; e < aIndex.length; e++) {
            kern.sgemm(false, false, n, m, k, 1f, a, aIndex[e] * n * k, k, b, bIndex[e] * k * m, m, 0f, o, e * n * m,
                    m);
        }
        return doubles(o);
    }
}

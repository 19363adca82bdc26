package org.convnet4j.io.onnx;

import java.util.Arrays;
import java.util.List;
import org.convnet4j.io.onnx.OnnxFolding.Arr;
import org.convnet4j.io.onnx.OnnxModel.Attribute;
import org.convnet4j.io.onnx.OnnxModel.Node;

/**
 * Window operators over any number of spatial axes for the typed path (double precision, with their backward passes):
 * Conv, ConvTranspose, MaxPool, AveragePool and inference BatchNormalization on [N, C, D1, ..., Dk]. The float layers
 * handle 1-D and 2-D images (and train); these run what they refuse — 3-D volumes, pads wider than half the window —
 * when {@link OnnxImporter#importProgram} sends such a node to the typed path.
 */
final class OnnxWindows {
    /** Operators evaluated here; the importer uses them only for nodes the float layers refuse. */
    static final java.util.Set<String> OPS = java.util.Set.of("Conv", "ConvTranspose", "MaxPool", "AveragePool",
            "LpPool", "BatchNormalization");

    private OnnxWindows() {
    }

    static Arr eval(Node n, List<Arr> a) {
        return switch (n.opType()) {
            case "Conv" -> conv(n, a);
            case "ConvTranspose" -> convTranspose(n, a);
            case "MaxPool", "AveragePool", "LpPool" -> pool(n, a.get(0));
            case "BatchNormalization" -> batchNorm(n, a);
            default -> null;
        };
    }

    private static long[] ints(Node n, String name, int k, long fill) {
        Attribute at = n.attributes().get(name);
        if (at == null || at.ints() == null || at.ints().length == 0) {
            long[] v = new long[k];
            Arrays.fill(v, fill);
            return v;
        }
        return at.ints().clone();
    }

    private static long intAttr(Node n, String name, long fallback) {
        Attribute at = n.attributes().get(name);
        return at == null ? fallback : at.i();
    }

    private static String autoPad(Node n) {
        Attribute at = n.attributes().get("auto_pad");
        return at == null || at.s() == null ? "NOTSET" : new String(at.s(), java.nio.charset.StandardCharsets.UTF_8);
    }

    /** Begin and end pads per axis ([2k]: begins then ends) after auto_pad, for output sizes ceil(in / stride). */
    private static long[] pads(Node n, long[] in, long[] k, long[] s, long[] d) {
        int r = in.length;
        requireInt(n, "kernel_shape", k);
        requireInt(n, "strides", s);
        requireInt(n, "dilations", d);
        String auto = autoPad(n);
        long[] p = new long[2 * r];
        if (auto.equals("SAME_UPPER") || auto.equals("SAME_LOWER")) {
            for (int i = 0; i < r; i++) {
                long out = (in[i] + s[i] - 1) / s[i];
                long total = Math.max(0, (out - 1) * s[i] + (k[i] - 1) * d[i] + 1 - in[i]);
                long small = total / 2;
                p[i] = auto.equals("SAME_UPPER") ? small : total - small;
                p[i + r] = total - p[i];
            }
        } else if (!auto.equals("VALID")) {
            long[] given = ints(n, "pads", 2 * r, 0);
            if (given.length != 2 * r) {
                throw new IllegalArgumentException(n.opType() + ": pads " + Arrays.toString(given) + " for " + r
                        + " spatial axes");
            }
            requireInt(n, "pads", given);
            p = given;
        }
        return p;
    }

    /**
     * Window attributes within 32 bits, so that the output sizes computed from them cannot overflow (fuzzing, issue
     * 15: pads of 2^62 overflowed the window count into an ArithmeticException).
     */
    private static void requireInt(Node n, String attribute, long[] values) {
        for (long v : values) {
            if (v > Integer.MAX_VALUE || v < -Integer.MAX_VALUE) {
                throw new IllegalArgumentException(n.opType() + ": " + attribute + " " + Arrays.toString(values)
                        + " beyond 2^31");
            }
        }
    }

    private static long checkedCount(long[] d) {
        long c = 1;
        for (long v : d) {
            c = Math.multiplyExact(c, v);
        }
        return c;
    }

    private static long count(long[] d) {
        long c = 1;
        for (long v : d) {
            c *= v;
        }
        return c;
    }

    /** Advances a multi-index over dims {@code d}; false after the last. */
    private static boolean next(long[] idx, long[] d) {
        for (int i = idx.length - 1; i >= 0; i--) {
            if (++idx[i] < d[i]) {
                return true;
            }
            idx[i] = 0;
        }
        return false;
    }

    private static long[] spatial(Arr x) {
        if (x.rank() < 3) {
            throw new IllegalArgumentException("input of rank " + x.rank() + " has no spatial axes [N, C, D1, ...]");
        }
        return Arrays.copyOfRange(x.dims(), 2, x.rank());
    }

    /** The result's shape [N, C, spatial...], refused before anything is allocated when it is too large. */
    private static long[] resultDims(long batch, long channels, long[] spatial) {
        long[] dims = new long[spatial.length + 2];
        dims[0] = batch;
        dims[1] = channels;
        System.arraycopy(spatial, 0, dims, 2, spatial.length);
        if (count(dims) > OnnxFolding.MAX_FOLD_ELEMENTS) {
            throw new IllegalArgumentException("a result of shape " + Arrays.toString(dims) + " is too large for the"
                    + " typed path");
        }
        return dims;
    }

    /** Called for every product x[xi] * w[wi] that adds to y[yi], in the order the forward pass sums them. */
    private interface Product {
        void at(int yi, int xi, int wi);
    }

    private static Arr conv(Node n, List<Arr> a) {
        Arr x = a.get(0);
        Arr w = a.get(1);
        Arr b = a.size() > 2 ? a.get(2) : null;
        ConvShape shape = convShape(n, x, w);
        if (OnnxFloatRoute.applies(x, w, b)) {
            return new Arr(x.type(), shape.dims(), OnnxFloatRoute.conv(shape, x.v(), w.v(), b == null ? null : b.v()));
        }
        long[] dims = shape.dims();
        double[] y = new double[(int) count(dims)];
        long outCells = y.length / (dims[0] * dims[1]);
        if (b != null) {
            for (int i = 0; i < y.length; i++) {
                y[i] = b.v()[(int) ((i / outCells) % dims[1])];
            }
        }
        convLoop(n, x, w, (yi, xi, wi) -> y[yi] += x.v()[xi] * w.v()[wi]);
        return new Arr(x.type(), dims, y);
    }

    /**
     * A Conv's checked geometry: batch {@code nb}, input channels {@code c}, filters {@code m}, channels per group
     * {@code cg}, {@code group}; per spatial axis the input, kernel, strides, dilations, output sizes and pads
     * ([2k]: begins then ends); Y's dims.
     */
    record ConvShape(long nb, long c, long m, long cg, long group, long[] in, long[] k, long[] s, long[] d, long[] p,
                     long[] out, long[] dims) {
    }

    /** Conv's geometry, checked against the attributes, X and W (nothing computed). */
    static ConvShape convShape(Node n, Arr x, Arr w) {
        long[] in = spatial(x);
        int r = in.length;
        long[] k = Arrays.copyOfRange(w.dims(), 2, w.rank());
        if (k.length != r) {
            throw new IllegalArgumentException("Conv weights " + Arrays.toString(w.dims()) + " for input "
                    + Arrays.toString(x.dims()));
        }
        long[] s = ints(n, "strides", r, 1);
        long[] d = ints(n, "dilations", r, 1);
        long[] p = pads(n, in, k, s, d);
        long group = intAttr(n, "group", 1);
        long nb = x.dims()[0];
        long c = x.dims()[1];
        long m = w.dims()[0];
        long cg = w.dims()[1];
        if (cg * group != c || m % group != 0) {
            throw new IllegalArgumentException("Conv weights " + Arrays.toString(w.dims()) + " with group " + group
                    + " for " + c + " input channels");
        }
        long[] out = new long[r];
        for (int i = 0; i < r; i++) {
            out[i] = (in[i] + p[i] + p[i + r] - ((k[i] - 1) * d[i] + 1)) / s[i] + 1;
            if (out[i] < 1) {
                throw new IllegalArgumentException("Conv output size " + out[i] + " along spatial axis " + i);
            }
        }
        return new ConvShape(nb, c, m, cg, group, in, k, s, d, p, out, resultDims(nb, m, out));
    }

    /** Conv's geometry, checked; with {@code each}, visits every product of the convolution. Returns Y's dims. */
    private static long[] convLoop(Node n, Arr x, Arr w, Product each) {
        ConvShape shape = convShape(n, x, w);
        long[] dims = shape.dims();
        if (each == null) {
            return dims;
        }
        long[] in = shape.in();
        int r = in.length;
        long[] k = shape.k();
        long[] s = shape.s();
        long[] d = shape.d();
        long[] p = shape.p();
        long[] out = shape.out();
        long nb = shape.nb();
        long c = shape.c();
        long m = shape.m();
        long cg = shape.cg();
        long group = shape.group();
        long inCells = count(in);
        long kCells = count(k);
        long outCells = count(out);
        long mg = m / group;
        long[] oi = new long[r];
        long[] ki = new long[r];
        for (long bn = 0; bn < nb; bn++) {
            for (long f = 0; f < m; f++) {
                long g = f / mg;
                Arrays.fill(oi, 0);
                long o = 0;
                do {
                    int yi = (int) ((bn * m + f) * outCells + o);
                    for (long ch = 0; ch < cg; ch++) {
                        long xBase = (bn * c + g * cg + ch) * inCells;
                        long wBase = (f * cg + ch) * kCells;
                        Arrays.fill(ki, 0);
                        long kk = 0;
                        do {
                            long pos = 0;
                            boolean inside = true;
                            for (int i = 0; i < r && inside; i++) {
                                long q = oi[i] * s[i] + ki[i] * d[i] - p[i];
                                inside = q >= 0 && q < in[i];
                                pos = pos * in[i] + q;
                            }
                            if (inside) {
                                each.at(yi, (int) (xBase + pos), (int) (wBase + kk));
                            }
                            kk++;
                        } while (next(ki, k));
                    }
                    o++;
                } while (next(oi, out));
            }
        }
        return dims;
    }

    private static Arr convTranspose(Node n, List<Arr> a) {
        Arr x = a.get(0);
        Arr w = a.get(1);
        Arr b = a.size() > 2 ? a.get(2) : null;
        ConvShape shape = convTransposeShape(n, x, w);
        if (OnnxFloatRoute.applies(x, w, b)) {
            return new Arr(x.type(), shape.dims(), OnnxFloatRoute.convTranspose(shape, x.v(), w.v(),
                    b == null ? null : b.v()));
        }
        long[] dims = shape.dims();
        double[] y = new double[(int) count(dims)];
        convTransposeLoop(n, x, w, (yi, xi, wi) -> y[yi] += x.v()[xi] * w.v()[wi]);
        long outCells = y.length / (dims[0] * dims[1]);
        if (b != null) {
            for (long bn = 0; bn < dims[0]; bn++) {
                for (long f = 0; f < dims[1]; f++) {
                    for (long o = 0; o < outCells; o++) {
                        y[(int) ((bn * dims[1] + f) * outCells + o)] += b.v()[(int) f];
                    }
                }
            }
        }
        return new Arr(x.type(), dims, y);
    }

    /**
     * ConvTranspose's checked geometry as a {@link ConvShape}: X's spatial axes are {@code in}, Y's {@code out},
     * {@code m} Y's channels, {@code cg} X's channels per group; pads after auto_pad / output_shape.
     */
    static ConvShape convTransposeShape(Node n, Arr x, Arr w) {
        long[] in = spatial(x);
        int r = in.length;
        long[] k = Arrays.copyOfRange(w.dims(), 2, w.rank());
        if (k.length != r) {
            throw new IllegalArgumentException("ConvTranspose weights " + Arrays.toString(w.dims()) + " for input "
                    + Arrays.toString(x.dims()));
        }
        long[] s = ints(n, "strides", r, 1);
        long[] d = ints(n, "dilations", r, 1);
        long[] op = ints(n, "output_padding", r, 0);
        long group = intAttr(n, "group", 1);
        long nb = x.dims()[0];
        long c = x.dims()[1];
        long mg = w.dims()[1];
        long m = mg * group;
        if (w.dims()[0] != c || c % group != 0) {
            throw new IllegalArgumentException("ConvTranspose weights " + Arrays.toString(w.dims()) + " with group "
                    + group + " for " + c + " input channels");
        }
        long[] p = new long[2 * r];
        long[] out = new long[r];
        Attribute shape = n.attributes().get("output_shape");
        String auto = autoPad(n);
        for (int i = 0; i < r; i++) {
            long full = s[i] * (in[i] - 1) + op[i] + (k[i] - 1) * d[i] + 1;
            if (shape != null && shape.ints() != null && shape.ints().length > 0) {
                long[] os = shape.ints();
                out[i] = os[os.length - r + i];
                long total = full - out[i];
                boolean upper = !auto.equals("SAME_LOWER");
                p[i] = upper ? total / 2 : total - total / 2;
                p[i + r] = total - p[i];
            } else if (auto.equals("SAME_UPPER") || auto.equals("SAME_LOWER")) {
                out[i] = in[i] * s[i];
                long total = full - out[i];
                p[i] = auto.equals("SAME_UPPER") ? total / 2 : total - total / 2;
                p[i + r] = total - p[i];
            } else {
                long[] given = auto.equals("VALID") ? new long[2 * r] : ints(n, "pads", 2 * r, 0);
                p[i] = given[i];
                p[i + r] = given[i + r];
                out[i] = full - p[i] - p[i + r];
            }
            if (out[i] < 1) {
                throw new IllegalArgumentException("ConvTranspose output size " + out[i] + " along spatial axis " + i);
            }
        }
        return new ConvShape(nb, c, m, c / group, group, in, k, s, d, p, out, resultDims(nb, m, out));
    }

    /** ConvTranspose's geometry, checked; with {@code each}, visits every product. Returns Y's dims. */
    private static long[] convTransposeLoop(Node n, Arr x, Arr w, Product each) {
        ConvShape shape = convTransposeShape(n, x, w);
        long[] dims = shape.dims();
        if (each == null) {
            return dims;
        }
        long[] in = shape.in();
        int r = in.length;
        long[] k = shape.k();
        long[] s = shape.s();
        long[] d = shape.d();
        long[] p = shape.p();
        long[] out = shape.out();
        long nb = shape.nb();
        long c = shape.c();
        long m = shape.m();
        long group = shape.group();
        long mg = m / group;
        long inCells = count(in);
        long kCells = count(k);
        long outCells = count(out);
        long cg = c / group;
        long[] ii = new long[r];
        long[] ki = new long[r];
        for (long bn = 0; bn < nb; bn++) {
            for (long ch = 0; ch < c; ch++) {
                long g = ch / cg;
                Arrays.fill(ii, 0);
                long pi = 0;
                do {
                    int xi = (int) ((bn * c + ch) * inCells + pi);
                    for (long f = 0; f < mg; f++) {
                        long of = g * mg + f;
                        long wBase = (ch * mg + f) * kCells;
                        Arrays.fill(ki, 0);
                        long kk = 0;
                        do {
                            long pos = 0;
                            boolean inside = true;
                            for (int i = 0; i < r && inside; i++) {
                                long q = ii[i] * s[i] + ki[i] * d[i] - p[i];
                                inside = q >= 0 && q < out[i];
                                pos = pos * out[i] + q;
                            }
                            if (inside) {
                                each.at((int) ((bn * m + of) * outCells + pos), xi, (int) (wBase + kk));
                            }
                            kk++;
                        } while (next(ki, k));
                    }
                    pi++;
                } while (next(ii, in));
            }
        }
        return dims;
    }

    /**
     * A pooling node's windows for one input shape, computed once per geometry ({@link OnnxFloatRoute#cached}): Y's
     * dims, and per output cell {@code o} of a plane its inside input cells (offsets within the plane)
     * {@code cells[start[o]] .. cells[start[o + 1] - 1]} in window order, and how many of its cells lie within the
     * input or its pads ({@code padded[o]}, AveragePool's divisor with count_include_pad).
     */
    record PoolGeometry(long[] dims, int planes, int inCells, int outCells, int[] start, int[] cells, int[] padded) {
    }

    /** Pooling's geometry, checked against the attributes and X; the window table from the cache. */
    static PoolGeometry poolGeometry(Node n, Arr x) {
        long[] in = spatial(x);
        int r = in.length;
        long[] k = ints(n, "kernel_shape", 0, 0);
        if (k.length != r) {
            throw new IllegalArgumentException(n.opType() + ": kernel_shape " + Arrays.toString(k) + " for " + r
                    + " spatial axes");
        }
        long[] s = ints(n, "strides", r, 1);
        long[] d = ints(n, "dilations", r, 1);
        long[] p = pads(n, in, k, s, d);
        boolean ceil = intAttr(n, "ceil_mode", 0) != 0;
        long[] out = new long[r];
        for (int i = 0; i < r; i++) {
            if (k[i] < 1 || s[i] < 1 || d[i] < 1) {
                throw new IllegalArgumentException(n.opType() + ": kernel_shape " + Arrays.toString(k) + ", strides "
                        + Arrays.toString(s) + ", dilations " + Arrays.toString(d) + " must be positive");
            }
            long span = (k[i] - 1) * d[i] + 1;
            long total = in[i] + p[i] + p[i + r] - span;
            out[i] = (ceil ? Math.floorDiv(total + s[i] - 1, s[i]) : Math.floorDiv(total, s[i])) + 1;
            if (ceil && (out[i] - 1) * s[i] >= in[i] + p[i]) {
                out[i]--; // the last window must start inside the input or its leading padding
            }
            if (out[i] < 1) {
                throw new IllegalArgumentException(n.opType() + " output size " + out[i] + " along spatial axis " + i);
            }
        }
        long[] dims = resultDims(x.dims()[0], x.dims()[1], out);
        int planes = (int) (x.dims()[0] * x.dims()[1]);
        String key = "pool" + Arrays.toString(in) + Arrays.toString(k) + Arrays.toString(s) + Arrays.toString(d)
                + Arrays.toString(p) + Arrays.toString(out);
        long cells;
        try {
            cells = Math.multiplyExact(checkedCount(out), checkedCount(k));
        } catch (ArithmeticException e) {
            cells = Long.MAX_VALUE;
        }
        if (cells > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(n.opType() + ": output " + Arrays.toString(out) + " with windows of "
                    + Arrays.toString(k) + " needs more than 2^31 window cells");
        }
        int[][] table = OnnxFloatRoute.cached(key, cells,
                () -> windowTable(in, k, s, d, p, out));
        return new PoolGeometry(dims, planes, (int) count(in), (int) count(out), table[0], table[1], table[2]);
    }

    /** The window table of {@link PoolGeometry}: start, cells, padded. */
    private static int[][] windowTable(long[] in, long[] k, long[] s, long[] d, long[] p, long[] out) {
        int r = in.length;
        int outCells = (int) count(out);
        int[] start = new int[outCells + 1];
        int[] cells = new int[Math.toIntExact(outCells * count(k))];
        int[] padded = new int[outCells];
        long[] oi = new long[r];
        long[] ki = new long[r];
        int used = 0;
        for (int o = 0; o < outCells; o++) {
            start[o] = used;
            int inPad = 0;
            Arrays.fill(ki, 0);
            do {
                long pos = 0;
                boolean inside = true;
                boolean inPadded = true;
                for (int i = 0; i < r; i++) {
                    long q = oi[i] * s[i] + ki[i] * d[i] - p[i];
                    inside &= q >= 0 && q < in[i];
                    inPadded &= q >= -p[i] && q < in[i] + p[i + r];
                    pos = pos * in[i] + q;
                }
                if (inPadded) {
                    inPad++;
                }
                if (inside) {
                    cells[used++] = (int) pos;
                }
            } while (next(ki, k));
            padded[o] = inPad;
            next(oi, out);
        }
        start[outCells] = used;
        return new int[][] {start, Arrays.copyOf(cells, used), padded};
    }

    /** LpPool's p (default 2), checked. */
    private static double lpOrder(Node n) {
        long p = intAttr(n, "p", 2);
        if (p < 1) {
            throw new IllegalArgumentException("LpPool: p " + p + " must be at least 1");
        }
        return p;
    }

    /**
     * MaxPool, AveragePool and LpPool over the cached window table. The sums are taken in double precision; for FLOAT
     * X the results are rounded once to float32 (a max is exact either way).
     */
    private static Arr pool(Node n, Arr x) {
        String op = n.opType();
        boolean includePad = intAttr(n, "count_include_pad", 0) != 0;
        double lp = op.equals("LpPool") ? lpOrder(n) : 0;
        PoolGeometry geo = poolGeometry(n, x);
        double[] xv = x.v();
        double[] y = new double[geo.planes() * geo.outCells()];
        int[] start = geo.start();
        int[] cells = geo.cells();
        for (int pl = 0; pl < geo.planes(); pl++) {
            int xb = pl * geo.inCells();
            int yb = pl * geo.outCells();
            for (int o = 0; o < geo.outCells(); o++) {
                int from = start[o];
                int to = start[o + 1];
                double acc;
                if (op.equals("MaxPool")) {
                    acc = Double.NEGATIVE_INFINITY;
                    for (int c = from; c < to; c++) {
                        acc = Math.max(acc, xv[xb + cells[c]]);
                    }
                } else if (op.equals("AveragePool")) {
                    acc = 0;
                    for (int c = from; c < to; c++) {
                        acc += xv[xb + cells[c]];
                    }
                    acc /= includePad ? geo.padded()[o] : to - from;
                } else {
                    acc = 0;
                    for (int c = from; c < to; c++) {
                        double v = Math.abs(xv[xb + cells[c]]);
                        acc += lp == 2 ? v * v : lp == 1 ? v : Math.pow(v, lp);
                    }
                    acc = lp == 2 ? Math.sqrt(acc) : lp == 1 ? acc : Math.pow(acc, 1 / lp);
                }
                y[yb + o] = acc;
            }
        }
        if (x.type() == OnnxModel.FLOAT) {
            for (int i = 0; i < y.length; i++) {
                y[i] = (float) y[i];
            }
        }
        return new Arr(x.type(), geo.dims(), y);
    }

    /** Per window of a max pool, the flat index in X of its first maximum (-1 for a window of padding only). */
    private static int[] argMax(PoolGeometry geo, double[] xv) {
        int[] at = new int[geo.planes() * geo.outCells()];
        int[] start = geo.start();
        int[] cells = geo.cells();
        for (int pl = 0; pl < geo.planes(); pl++) {
            int xb = pl * geo.inCells();
            int yb = pl * geo.outCells();
            for (int o = 0; o < geo.outCells(); o++) {
                int best = -1;
                for (int c = start[o]; c < start[o + 1]; c++) {
                    int xi = xb + cells[c];
                    if (best < 0 || xv[xi] > xv[best]) {
                        best = xi;
                    }
                }
                at[yb + o] = best;
            }
        }
        return at;
    }

    /**
     * MaxPool with its Indices output: Y and, per window, the flat position in X (over N, C and the spatial axes,
     * row-major: storage_order 0) of its first maximum, as INT64.
     */
    static List<Arr> maxPoolWithIndices(Node n, Arr x) {
        boolean columns = intAttr(n, "storage_order", 0) != 0;
        long[] in = spatial(x);
        long plane = count(in);
        PoolGeometry geo = poolGeometry(n, x);
        long[] dims = geo.dims();
        double[] y = new double[geo.planes() * geo.outCells()];
        double[] at = new double[y.length];
        int[] start = geo.start();
        int[] cells = geo.cells();
        for (int yi = 0; yi < y.length; yi++) {
            int xb = yi / geo.outCells() * geo.inCells();
            int o = yi % geo.outCells();
            double best = Double.NEGATIVE_INFINITY;
            int where = start[o] < start[o + 1] ? xb + cells[start[o]] : -1;
            for (int c = start[o]; c < start[o + 1]; c++) {
                if (x.v()[xb + cells[c]] > best) {
                    best = x.v()[xb + cells[c]];
                    where = xb + cells[c];
                }
            }
            y[yi] = best;
            if (columns && where >= 0) {
                // storage_order 1: the position within the plane counted column-major (the first spatial axis fastest)
                long pos = where % plane;
                long col = 0;
                long rest = pos;
                long[] coord = new long[in.length];
                for (int i = in.length - 1; i >= 0; i--) {
                    coord[i] = rest % in[i];
                    rest /= in[i];
                }
                long mul = 1;
                for (int i = 0; i < in.length; i++) {
                    col += coord[i] * mul;
                    mul *= in[i];
                }
                where = (int) (where - pos + col);
            }
            at[yi] = where;
        }
        return List.of(new Arr(x.type(), dims, y), new Arr(OnnxModel.INT64, dims.clone(), at));
    }

    /**
     * Gradients of the window operators' floating inputs from Y's gradient {@code g}, into {@code out} (Conv and
     * ConvTranspose: X, W, B; pools: X, a max pool's to the first maximum of each window; inference
     * BatchNormalization: X, scale and B, none for the running mean and variance; the training form:
     * {@link #batchNormTrainingBackward}).
     */
    static void backward(Node n, List<Arr> a, double[] g, List<double[]> out) {
        Arr x = a.get(0);
        switch (n.opType()) {
            case "Conv", "ConvTranspose" -> {
                Arr w = a.get(1);
                long[] dims;
                if (OnnxFloatRoute.applies(x, w, a.size() > 2 ? a.get(2) : null)) {
                    boolean conv = n.opType().equals("Conv");
                    ConvShape shape = conv ? convShape(n, x, w) : convTransposeShape(n, x, w);
                    double[][] gxw = conv ? OnnxFloatRoute.convBackward(shape, x.v(), w.v(), g)
                            : OnnxFloatRoute.convTransposeBackward(shape, x.v(), w.v(), g);
                    dims = shape.dims();
                    out.set(0, gxw[0]);
                    out.set(1, gxw[1]);
                } else {
                    double[] gx = new double[x.v().length];
                    double[] gw = new double[w.v().length];
                    Product each = (yi, xi, wi) -> {
                        gx[xi] += g[yi] * w.v()[wi];
                        gw[wi] += g[yi] * x.v()[xi];
                    };
                    dims = n.opType().equals("Conv") ? convLoop(n, x, w, each) : convTransposeLoop(n, x, w, each);
                    out.set(0, gx);
                    out.set(1, gw);
                }
                if (a.size() > 2 && a.get(2) != null) {
                    double[] gb = new double[a.get(2).v().length];
                    int cells = (int) (g.length / (dims[0] * dims[1]));
                    for (int plane = 0; plane < g.length / cells; plane++) { // per (sample, filter): no division
                        int f = (int) (plane % dims[1]);
                        for (int i = plane * cells, end = i + cells; i < end; i++) {
                            gb[f] += g[i];
                        }
                    }
                    out.set(2, gb);
                }
            }
            case "MaxPool", "AveragePool", "LpPool" -> out.set(0, poolBackward(n, x, g));
            case "BatchNormalization" -> {
                batchNorm(n, a); // the same checks as the forward pass
                Attribute eps = n.attributes().get("epsilon");
                double e = eps == null ? 1e-5 : eps.f();
                long c = x.dims()[1];
                long inner = x.size() / (x.dims()[0] * c);
                double[] gx = new double[x.v().length];
                double[] gs = new double[(int) c];
                double[] gb = new double[(int) c];
                for (int i = 0; i < gx.length; i++) {
                    int ch = (int) ((i / inner) % c);
                    double inv = 1 / Math.sqrt(a.get(4).v()[ch] + e);
                    gx[i] = g[i] * inv * a.get(1).v()[ch];
                    gs[ch] += g[i] * (x.v()[i] - a.get(3).v()[ch]) * inv;
                    gb[ch] += g[i];
                }
                out.set(0, gx);
                out.set(1, gs);
                out.set(2, gb);
            }
            default -> throw new IllegalArgumentException(n.opType() + " has no backward pass on the typed path");
        }
    }

    /**
     * The pools' dX from dY {@code g} over the cached window table: a max pool's to the first maximum of each window,
     * an average pool's shared by its divisor, an Lp pool's dY |x|^(p-1) sign(x) / y^(p-1) (nothing where y is 0).
     */
    private static double[] poolBackward(Node n, Arr x, double[] g) {
        String op = n.opType();
        boolean includePad = intAttr(n, "count_include_pad", 0) != 0;
        double lp = op.equals("LpPool") ? lpOrder(n) : 0;
        PoolGeometry geo = poolGeometry(n, x);
        double[] xv = x.v();
        double[] gx = new double[xv.length];
        if (op.equals("MaxPool")) {
            int[] at = argMax(geo, xv);
            for (int yi = 0; yi < at.length; yi++) {
                if (at[yi] >= 0) {
                    gx[at[yi]] += g[yi];
                }
            }
            return gx;
        }
        int[] start = geo.start();
        int[] cells = geo.cells();
        for (int pl = 0; pl < geo.planes(); pl++) {
            int xb = pl * geo.inCells();
            int yb = pl * geo.outCells();
            for (int o = 0; o < geo.outCells(); o++) {
                int from = start[o];
                int to = start[o + 1];
                double gy = g[yb + o];
                if (op.equals("AveragePool")) {
                    double share = gy / (includePad ? geo.padded()[o] : to - from);
                    for (int c = from; c < to; c++) {
                        gx[xb + cells[c]] += share;
                    }
                    continue;
                }
                double sum = 0;
                for (int c = from; c < to; c++) {
                    sum += Math.pow(Math.abs(xv[xb + cells[c]]), lp);
                }
                if (sum == 0) {
                    continue;
                }
                double scale = gy / Math.pow(sum, (lp - 1) / lp); // dY / y^(p-1)
                for (int c = from; c < to; c++) {
                    double v = xv[xb + cells[c]];
                    gx[xb + cells[c]] += scale * Math.signum(v) * Math.pow(Math.abs(v), lp - 1);
                }
            }
        }
        return gx;
    }

    /**
     * Training form (opset 14+, training_mode 1; backward: {@link #batchNormTrainingBackward}): the batch statistics over every axis but 1 (the
     * variance without Bessel's correction, as the reference computes it) normalise x, and the running statistics
     * move towards them by momentum (default 0.9): Y, running_mean, running_var.
     */
    static List<Arr> batchNormTraining(Node n, List<Arr> a) {
        Arr x = a.get(0);
        if (n.outputs().size() > 3 && n.outputs().stream().skip(3).anyMatch(o -> !o.isEmpty())) {
            throw new IllegalArgumentException("BatchNormalization: saved_mean and saved_var are not computed");
        }
        Attribute eps = n.attributes().get("epsilon");
        double e = eps == null ? 1e-5 : eps.f();
        Attribute mom = n.attributes().get("momentum");
        double m = mom == null ? 0.9 : mom.f();
        if (x.dims().length < 2 || x.size() == 0) { // an empty batch has no statistics (fuzzing: / by zero here)
            throw new IllegalArgumentException("BatchNormalization: the training form needs a non-empty input with a"
                    + " channel axis, got " + Arrays.toString(x.dims()));
        }
        int c = (int) x.dims()[1];
        long inner = x.size() / (x.dims()[0] * c);
        double[][] moments = batchMoments(x, c, inner);
        double[] mean = moments[0];
        double[] var = moments[1];
        double[] runMean = new double[c];
        double[] runVar = new double[c];
        for (int ch = 0; ch < c; ch++) {
            runMean[ch] = a.get(3).v()[ch] * m + mean[ch] * (1 - m);
            runVar[ch] = a.get(4).v()[ch] * m + var[ch] * (1 - m);
        }
        double[] y = new double[x.v().length];
        for (int i = 0; i < y.length; i++) {
            int ch = (int) ((i / inner) % c);
            y[i] = (x.v()[i] - mean[ch]) / Math.sqrt(var[ch] + e) * a.get(1).v()[ch] + a.get(2).v()[ch];
        }
        return List.of(new Arr(x.type(), x.dims(), y), new Arr(a.get(3).type(), a.get(3).dims(), runMean),
                new Arr(a.get(4).type(), a.get(4).dims(), runVar));
    }

    /**
     * The batch statistics per channel (axis 1) of {@code x}: the mean and the variance without Bessel's correction,
     * as ONNX's training form defines them; one copy for the forward and the backward pass.
     */
    private static double[][] batchMoments(Arr x, int c, long inner) {
        double[] mean = new double[c];
        double[] var = new double[c];
        long count = x.size() / c;
        for (int i = 0; i < x.v().length; i++) {
            mean[(int) ((i / inner) % c)] += x.v()[i];
        }
        for (int ch = 0; ch < c; ch++) {
            mean[ch] /= count;
        }
        for (int i = 0; i < x.v().length; i++) {
            double d = x.v()[i] - mean[(int) ((i / inner) % c)];
            var[(int) ((i / inner) % c)] += d * d;
        }
        for (int ch = 0; ch < c; ch++) {
            var[ch] /= count;
        }
        return new double[][] {mean, var};
    }

    /**
     * Backward pass of the training form: from the gradients of Y and of the running_mean and running_var outputs
     * ({@code gOut}: null where an output does not reach the loss), the gradients of X, scale and B, and of the
     * running statistics' inputs where those are computed values (an initializer's is never learned). With batch
     * statistics, x^ = (x - mean) / s, s = sqrt(var + epsilon): dX = scale / s (dY - mean(dY) - x^ mean(dY x^))
     * per channel, plus (1 - momentum) / count from running_mean and 2 (1 - momentum) (x - mean) / count from
     * running_var.
     */
    static void batchNormTrainingBackward(Node n, List<Arr> a, List<double[]> gOut, List<double[]> out) {
        Arr x = a.get(0);
        Attribute eps = n.attributes().get("epsilon");
        double e = eps == null ? 1e-5 : eps.f();
        Attribute mom = n.attributes().get("momentum");
        double m = mom == null ? 0.9 : mom.f();
        int c = (int) x.dims()[1];
        long inner = x.size() / (x.dims()[0] * c);
        long count = x.size() / c;
        double[][] moments = batchMoments(x, c, inner);
        double[] mean = moments[0];
        double[] var = moments[1];
        double[] inv = new double[c];
        for (int ch = 0; ch < c; ch++) {
            inv[ch] = 1 / Math.sqrt(var[ch] + e);
        }
        double[] g = gOut.get(0);
        double[] gRunMean = gOut.size() > 1 ? gOut.get(1) : null;
        double[] gRunVar = gOut.size() > 2 ? gOut.get(2) : null;
        double[] gx = new double[x.v().length];
        double[] gs = new double[c];
        double[] gb = new double[c];
        if (g != null) {
            for (int i = 0; i < gx.length; i++) {
                int ch = (int) ((i / inner) % c);
                gb[ch] += g[i];
                gs[ch] += g[i] * (x.v()[i] - mean[ch]) * inv[ch];
            }
            for (int i = 0; i < gx.length; i++) {
                int ch = (int) ((i / inner) % c);
                double xh = (x.v()[i] - mean[ch]) * inv[ch];
                gx[i] = a.get(1).v()[ch] * inv[ch] * (g[i] - gb[ch] / count - xh * gs[ch] / count);
            }
        }
        for (int i = 0; i < gx.length; i++) {
            int ch = (int) ((i / inner) % c);
            if (gRunMean != null) {
                gx[i] += (1 - m) * gRunMean[ch] / count;
            }
            if (gRunVar != null) {
                gx[i] += (1 - m) * gRunVar[ch] * 2 * (x.v()[i] - mean[ch]) / count;
            }
        }
        out.set(0, gx);
        out.set(1, gs);
        out.set(2, gb);
        if (gRunMean != null) {
            double[] gm = new double[c];
            for (int ch = 0; ch < c; ch++) {
                gm[ch] = m * gRunMean[ch];
            }
            out.set(3, gm);
        }
        if (gRunVar != null) {
            double[] gv = new double[c];
            for (int ch = 0; ch < c; ch++) {
                gv[ch] = m * gRunVar[ch];
            }
            out.set(4, gv);
        }
    }

    /** Inference form: (x - mean) / sqrt(var + epsilon) * scale + B per channel (axis 1). */
    private static Arr batchNorm(Node n, List<Arr> a) {
        Arr x = a.get(0);
        if (n.outputs().size() > 1 && n.outputs().stream().skip(1).anyMatch(o -> !o.isEmpty())
                || intAttr(n, "training_mode", 0) != 0) {
            throw new IllegalArgumentException("BatchNormalization: only the inference form is computed");
        }
        if (intAttr(n, "spatial", 1) == 0) {
            throw new IllegalArgumentException("BatchNormalization with spatial=0 (statistics per activation) is not"
                    + " computed on the typed path");
        }
        Attribute eps = n.attributes().get("epsilon");
        double e = eps == null ? 1e-5 : eps.f();
        long c = x.dims()[1];
        for (int i = 1; i <= 4; i++) {
            if (a.get(i).v().length != c) {
                throw new IllegalArgumentException("BatchNormalization input " + i + " holds " + a.get(i).v().length
                        + " values for " + c + " channels");
            }
        }
        long inner = x.size() / (x.dims()[0] * c);
        double[] y = new double[x.v().length];
        for (int i = 0; i < y.length; i++) {
            int ch = (int) ((i / inner) % c);
            double inv = 1 / Math.sqrt(a.get(4).v()[ch] + e);
            y[i] = (x.v()[i] - a.get(3).v()[ch]) * inv * a.get(1).v()[ch] + a.get(2).v()[ch];
        }
        return new Arr(x.type(), x.dims(), y);
    }
}

package org.convnet4j.io.onnx;

import java.util.List;
import org.convnet4j.io.onnx.OnnxFolding.Arr;
import org.convnet4j.io.onnx.OnnxModel.Attribute;
import org.convnet4j.io.onnx.OnnxModel.Node;
import org.convnet4j.nn.layers.Elementwise;

/**
 * Resize (and Upsample) with nearest and linear modes, Pad (constant, reflect, edge; negative pads crop), Clip and
 * Erf on the typed path (double precision, over every axis, the batch axis included), forward and backward. Resize
 * is separable: each resized axis maps every output position to two input positions and a weight (nearest: one
 * position), the same coordinate rules as the float layers ({@link #sourceCoordinate}, {@link #nearestIndex}), so its
 * backward pass is the adjoint of those maps.
 */
final class OnnxResampling {
    private OnnxResampling() {
    }

    /**
     * Source coordinate of output position {@code o} of {@code len} along an axis of {@code inLen} resized by
     * {@code scale} under an ONNX {@code coordinate_transformation_mode}; NaN for a mode not known here.
     */
    static double sourceCoordinate(String coord, int o, long len, long inLen, double scale) {
        return switch (coord) {
            case "half_pixel" -> (o + 0.5) / scale - 0.5;
            case "pytorch_half_pixel" -> len > 1 ? (o + 0.5) / scale - 0.5 : 0;
            // the reference measures the resized length as in * scale, not rounded
            case "align_corners" -> len == 1 ? 0 : o * (double) (inLen - 1) / (inLen * scale - 1);
            case "asymmetric" -> o / scale;
            case "tf_half_pixel_for_nn" -> (o + 0.5) / scale;
            case "half_pixel_symmetric" -> {
                double adj = len / (scale * inLen);
                double centre = inLen / 2.0;
                double off = centre * (1 - adj);
                yield off + (o + 0.5) / scale - 0.5;
            }
            default -> Double.NaN;
        };
    }

    /** The input position nearest to source coordinate {@code x} under an ONNX {@code nearest_mode}. */
    static long nearestIndex(String nearest, double x) {
        double f = Math.floor(x);
        return switch (nearest) {
            case "floor" -> (long) f;
            case "ceil" -> (long) Math.ceil(x);
            case "round_prefer_ceil" -> x - f == 0.5 ? (long) f + 1 : Math.round(x);
            default -> x - f == 0.5 ? (long) f : Math.round(x);
        };
    }

    private static String string(Node n, String name, String fallback) {
        Attribute a = n.attributes().get(name);
        return a == null ? fallback : a.string();
    }

    private static boolean present(List<Arr> a, int i) {
        return i < a.size() && a.get(i) != null && a.get(i).v().length > 0;
    }

    // ---- Resize ------------------------------------------------------------------------------------------

    /**
     * Per resized axis: the output length and, per output position, {@code taps} input positions and their weights
     * (nearest 1, linear 2, cubic 4), or filled with {@code fill} where {@code outside}.
     */
    private record AxisMap(int axis, int outLen, int taps, int[] idx, double[] w, boolean[] outside, double fill) {
    }

    /**
     * Cubic interpolation's four taps at source coordinate x (the reference's: coefficient a, the taps floor(x) - 1
     * to floor(x) + 2 clamped to the axis, or with {@code excludeOutside} those outside given weight 0 and the rest
     * renormalised), into {@code index} and {@code weight} at {@code 4 * o}.
     */
    static void cubicTaps(double x, long inLen, double a, boolean excludeOutside, int o, int[] index, double[] weight) {
        double f = Math.floor(x);
        double r = x - f;
        double s = 1 - r;
        double[] c = {
            ((a * (r + 1) - 5 * a) * (r + 1) + 8 * a) * (r + 1) - 4 * a,
            ((a + 2) * r - (a + 3)) * r * r + 1,
            ((a + 2) * s - (a + 3)) * s * s + 1,
            ((a * (s + 1) - 5 * a) * (s + 1) + 8 * a) * (s + 1) - 4 * a,
        };
        double sum = 0;
        for (int k = 0; k < 4; k++) {
            long p = (long) f - 1 + k;
            if (excludeOutside && (p < 0 || p >= inLen)) {
                c[k] = 0;
            }
            sum += c[k];
        }
        for (int k = 0; k < 4; k++) {
            long p = (long) f - 1 + k;
            index[4 * o + k] = (int) Math.max(0, Math.min(inLen - 1, p));
            weight[4 * o + k] = excludeOutside ? c[k] / sum : c[k];
        }
    }

    /** Taps of every output position along an axis: {@code taps} per position, positions and weights. */
    record Taps(int taps, int[] idx, double[] w) {
    }

    /** ONNX Resize's linear (or cubic, coefficient {@code a}) kernel at distance {@code t}. */
    private static double kernel(boolean cubic, double a, double t) {
        t = Math.abs(t);
        if (!cubic) {
            return Math.max(0, 1 - t);
        }
        if (t <= 1) {
            return ((a + 2) * t - (a + 3)) * t * t + 1;
        }
        return t < 2 ? ((a * t - 5 * a) * t + 8 * a) * t - 4 * a : 0;
    }

    /**
     * Resize with {@code antialias=1} (opset 18+), linear or cubic: the kernel stretched by max(1, 1 / scale), so that
     * when downscaling every input position within (cubic: 2, linear: 1) / scale of the source coordinate contributes
     * kernel((p - x) * scale); the weights are normalised to sum 1 (the reference's coefficients); positions outside
     * the axis take the edge value (the reference pads by repeating the edge), or with {@code excludeOutside} are
     * dropped and the rest renormalised (what PyTorch's interpolate(antialias=True) computes). Positions are padded
     * to the widest position's count with weight 0. Null for a coordinate mode not known here.
     */
    static Taps antialiasTaps(String coord, int len, long inLen, double scale, boolean cubic, double a,
                              boolean excludeOutside) {
        double s = Math.min(scale, 1);
        double support = (cubic ? 2 : 1) / s;
        int[][] pos = new int[len][];
        double[][] wt = new double[len][];
        int taps = 1;
        for (int o = 0; o < len; o++) {
            double x = sourceCoordinate(coord, o, len, inLen, scale);
            if (Double.isNaN(x)) {
                return null;
            }
            long lo = (long) Math.floor(x - support);
            long hi = (long) Math.ceil(x + support);
            int n = (int) (hi - lo + 1);
            int[] p = new int[n];
            double[] w = new double[n];
            int m = 0;
            double sum = 0;
            for (long q = lo; q <= hi; q++) {
                double k = kernel(cubic, a, (q - x) * s);
                if (k == 0 || excludeOutside && (q < 0 || q >= inLen)) {
                    continue;
                }
                p[m] = (int) Math.max(0, Math.min(inLen - 1, q));
                w[m++] = k;
                sum += k;
            }
            for (int j = 0; j < m; j++) {
                w[j] /= sum;
            }
            pos[o] = java.util.Arrays.copyOf(p, Math.max(1, m));
            wt[o] = java.util.Arrays.copyOf(w, Math.max(1, m));
            taps = Math.max(taps, m);
        }
        int[] idx = new int[taps * len];
        double[] w = new double[taps * len];
        for (int o = 0; o < len; o++) {
            System.arraycopy(pos[o], 0, idx, taps * o, pos[o].length);
            System.arraycopy(wt[o], 0, w, taps * o, wt[o].length);
        }
        return new Taps(taps, idx, w);
    }

    /**
     * Resize's {@code keep_aspect_ratio_policy} (opset 18+) on the {@code sizes} of the resized axes: null for
     * stretch (each axis to its size), else the one scale of not_larger (the smallest sizes[i] / in[i]) or
     * not_smaller (the largest); each resized axis is then round(scale * in), halves up, and its coordinates use that
     * scale.
     */
    static Double aspectScale(String policy, long[] sizes, long[] inLens) {
        if (policy.equals("stretch")) {
            return null;
        }
        boolean larger = policy.equals("not_larger");
        if (!larger && !policy.equals("not_smaller")) {
            throw new IllegalArgumentException("keep_aspect_ratio_policy " + policy
                    + " (stretch, not_larger, not_smaller)");
        }
        double scale = larger ? Double.POSITIVE_INFINITY : 0;
        for (int k = 0; k < sizes.length; k++) {
            double r = (double) sizes[k] / inLens[k];
            scale = larger ? Math.min(scale, r) : Math.max(scale, r);
        }
        return scale;
    }

    /** round_int(scale * in), halfway cases up. */
    static long aspectLength(double scale, long inLen) {
        return (long) Math.floor(scale * inLen + 0.5);
    }

    /** One resized axis: its index, its input length, the scale its coordinates use and its output length. */
    record AxisPlan(int axis, long inLen, double scale, long outLen) {
    }

    /**
     * The axes a Resize touches ({@code axes}, negative counted from the end; null: every axis of {@code dims}), each
     * with the scale its coordinates use and its length: a scale (as the float ONNX stores) with floor(in * scale),
     * or a size with size / in, or under {@code keep_aspect_ratio_policy} ({@link #aspectScale}) one scale for all
     * with round(scale * in). Shared by the float layers and the typed path so that both size an output alike.
     */
    static List<AxisPlan> axisPlans(long[] dims, long[] axes, double[] scales, long[] sizes, String policy) {
        int rank = dims.length;
        int count = axes == null ? rank : axes.length;
        int[] ax = new int[count];
        long[] inLens = new long[count];
        for (int k = 0; k < count; k++) {
            ax[k] = axes == null ? k : (int) (axes[k] < 0 ? axes[k] + rank : axes[k]);
            inLens[k] = dims[ax[k]];
        }
        Double aspect = sizes == null ? null : aspectScale(policy, sizes, inLens);
        List<AxisPlan> plans = new java.util.ArrayList<>(count);
        for (int k = 0; k < count; k++) {
            long inLen = inLens[k];
            double scale = scales != null ? (float) scales[k] : aspect != null ? aspect : (double) sizes[k] / inLen;
            long outLen = aspect != null ? aspectLength(aspect, inLen)
                    : sizes != null ? sizes[k] : (long) Math.floor(inLen * scale);
            plans.add(new AxisPlan(ax[k], inLen, scale, outLen));
        }
        return plans;
    }

    private static List<AxisMap> resizeMaps(Node n, List<Arr> a, long opset) {
        Arr x = a.get(0);
        int rank = x.rank();
        boolean upsample = n.opType().equals("Upsample");
        String mode = string(n, "mode", "nearest");
        if (!mode.equals("nearest") && !mode.equals("linear") && !mode.equals("bilinear") && !mode.equals("cubic")) {
            throw new IllegalArgumentException("mode " + mode + " on the typed path (nearest, linear and cubic only)");
        }
        boolean cubic = mode.equals("cubic");
        double cubicA = OnnxFolding.floatAttr(n, "cubic_coeff_a", -0.75f);
        boolean excludeOutside = OnnxFolding.ints(n, "exclude_outside", 0) != 0;
        String coord = upsample || opset < 11 ? "asymmetric" : string(n, "coordinate_transformation_mode", "half_pixel");
        String nearest = upsample || opset < 11 ? "floor" : string(n, "nearest_mode", "round_prefer_floor");
        boolean antialias = !upsample && opset >= 18 && OnnxFolding.ints(n, "antialias", 0) != 0
                && !mode.equals("nearest");
        String policy = upsample || opset < 18 ? "stretch" : string(n, "keep_aspect_ratio_policy", "stretch");
        double[] scales = null;
        long[] sizes = null;
        if (upsample && opset < 9) {
            Attribute s = n.attributes().get("scales");
            if (s == null || s.floats() == null) {
                throw new IllegalArgumentException("no scales");
            }
            scales = OnnxFloatRoute.doubles(s.floats());
        } else if (upsample || opset == 10) {
            scales = a.get(1).v();
        } else if (present(a, 3)) {
            sizes = OnnxFolding.longsOf(a, 3);
        } else if (present(a, 2)) {
            scales = a.get(2).v();
        }
        long[] axes = OnnxFolding.intsArr(n, "axes");
        int count = axes == null ? rank : axes.length;
        if ((scales == null || scales.length != count) && (sizes == null || sizes.length != count)) {
            throw new IllegalArgumentException("need " + count + " scales or sizes");
        }
        boolean crop = coord.equals("tf_crop_and_resize");
        double[] roi = crop && present(a, 1) ? a.get(1).v() : null;
        if (crop && (roi == null || roi.length != 2 * count)) {
            throw new IllegalArgumentException("tf_crop_and_resize needs a roi of " + 2 * count + " values");
        }
        if (antialias && crop) {
            throw new IllegalArgumentException("antialias with tf_crop_and_resize");
        }
        double fill = OnnxFolding.floatAttr(n, "extrapolation_value", 0f);
        List<AxisMap> maps = new java.util.ArrayList<>();
        List<AxisPlan> plans = axisPlans(x.dims(), axes, scales, sizes, policy);
        for (int k = 0; k < count; k++) {
            int ax = plans.get(k).axis();
            long inLen = plans.get(k).inLen();
            double scale = plans.get(k).scale();
            long outLen = plans.get(k).outLen();
            if (outLen < 1 || outLen > OnnxReader.MAX_ELEMENTS) {
                throw new IllegalArgumentException("output length " + outLen + " along axis " + ax);
            }
            if (outLen == inLen && scale == 1 && !crop) {
                continue;
            }
            int len = (int) outLen;
            if (antialias) {
                Taps t = antialiasTaps(coord, len, inLen, scale, cubic, cubicA, excludeOutside);
                if (t == null) {
                    throw new IllegalArgumentException("coordinate_transformation_mode " + coord + " on the typed path");
                }
                maps.add(new AxisMap(ax, len, t.taps(), t.idx(), t.w(), new boolean[len], fill));
                continue;
            }
            int taps = cubic ? 4 : mode.equals("nearest") ? 1 : 2;
            int[] idx = new int[taps * len];
            double[] w = new double[taps * len];
            boolean[] outside = new boolean[len];
            for (int o = 0; o < len; o++) {
                double c;
                if (crop) {
                    // the reference's tf_crop_and_resize: the roi's span of the axis, positions outside it filled
                    double start = roi[k];
                    double end = roi[count + k];
                    c = len > 1 ? start * (inLen - 1) + o * (end - start) * (inLen - 1) / (len - 1)
                            : 0.5 * (start + end) * (inLen - 1);
                    outside[o] = c < 0 || c > inLen - 1;
                } else {
                    c = sourceCoordinate(coord, o, len, inLen, scale);
                }
                if (Double.isNaN(c)) {
                    throw new IllegalArgumentException("coordinate_transformation_mode " + coord + " on the typed path");
                }
                if (cubic) {
                    cubicTaps(c, inLen, cubicA, excludeOutside, o, idx, w);
                } else if (mode.equals("nearest")) {
                    idx[o] = (int) Math.max(0, Math.min(inLen - 1, nearestIndex(nearest, c)));
                    w[o] = 1;
                } else {
                    double cc = Math.max(0, Math.min(inLen - 1, c));
                    idx[2 * o] = (int) Math.floor(cc);
                    idx[2 * o + 1] = (int) Math.min(inLen - 1, idx[2 * o] + 1);
                    w[2 * o + 1] = cc - idx[2 * o];
                    w[2 * o] = 1 - w[2 * o + 1];
                }
            }
            maps.add(new AxisMap(ax, len, taps, idx, w, outside, fill));
        }
        if (crop) {
            // the reference interpolates the last axis first and fills per axis, so the order matters here
            java.util.Collections.reverse(maps);
        }
        return maps;
    }

    /** Resize or Upsample of {@code a.get(0)}, one axis after another. */
    static Arr resize(Node n, List<Arr> a, long opset) {
        Arr x = a.get(0);
        long[] dims = x.dims().clone();
        double[] v = x.v();
        for (AxisMap m : resizeMaps(n, a, opset)) {
            long outer = 1;
            for (int i = 0; i < m.axis(); i++) {
                outer *= dims[i];
            }
            long inner = 1;
            for (int i = m.axis() + 1; i < dims.length; i++) {
                inner *= dims[i];
            }
            int inLen = (int) dims[m.axis()];
            long[] outDims = dims.clone();
            outDims[m.axis()] = m.outLen();
            // sizes or scales computed at run time (a fuzzed scale of 2^20 asked for gigabytes here): checked first
            long count = org.convnet4j.util.MemoryBudget.bytesOf(1, outDims);
            if (count < 0 || count > OnnxFolding.MAX_FOLD_ELEMENTS) {
                throw new IllegalArgumentException(n.opType() + " would make "
                        + java.util.Arrays.toString(outDims) + (count < 0 ? "" : " = " + count) + " values (at most "
                        + OnnxFolding.MAX_FOLD_ELEMENTS + " on the typed path)");
            }
            double[] out = new double[(int) count];
            for (long b = 0; b < outer; b++) {
                for (int o = 0; o < m.outLen(); o++) {
                    long dst = (b * m.outLen() + o) * inner;
                    if (m.outside()[o]) {
                        for (long i = 0; i < inner; i++) {
                            out[(int) (dst + i)] = m.fill();
                        }
                        continue;
                    }
                    for (int t = 0; t < m.taps(); t++) {
                        double w = m.w()[m.taps() * o + t];
                        if (w == 0 && t > 0) {
                            continue; // a linear position on an input position: that value alone, as the reference
                        }
                        long src = (b * inLen + m.idx()[m.taps() * o + t]) * inner;
                        for (long i = 0; i < inner; i++) {
                            out[(int) (dst + i)] += w * v[(int) (src + i)];
                        }
                    }
                }
            }
            dims[m.axis()] = m.outLen();
            v = out;
        }
        return new Arr(x.type(), dims, v);
    }

    /** The gradient of Resize's data input: the adjoint of each axis map, last axis first. */
    static double[] resizeBackward(Node n, List<Arr> a, double[] g, long opset) {
        Arr x = a.get(0);
        List<AxisMap> maps = resizeMaps(n, a, opset);
        long[][] before = new long[maps.size()][];
        long[] dims = x.dims().clone();
        for (int k = 0; k < maps.size(); k++) {
            before[k] = dims.clone();
            dims[maps.get(k).axis()] = maps.get(k).outLen();
        }
        double[] grad = g;
        for (int k = maps.size() - 1; k >= 0; k--) {
            AxisMap m = maps.get(k);
            long[] d = before[k];
            long outer = 1;
            for (int i = 0; i < m.axis(); i++) {
                outer *= d[i];
            }
            long inner = 1;
            for (int i = m.axis() + 1; i < d.length; i++) {
                inner *= d[i];
            }
            int inLen = (int) d[m.axis()];
            double[] gi = new double[Math.toIntExact(outer * inLen * inner)];
            for (long b = 0; b < outer; b++) {
                for (int o = 0; o < m.outLen(); o++) {
                    long dst = (b * m.outLen() + o) * inner;
                    if (m.outside()[o]) {
                        continue; // filled with the extrapolation value: no gradient to x
                    }
                    for (int t = 0; t < m.taps(); t++) {
                        double w = m.w()[m.taps() * o + t];
                        long src = (b * inLen + m.idx()[m.taps() * o + t]) * inner;
                        for (long i = 0; i < inner; i++) {
                            gi[(int) (src + i)] += w * grad[(int) (dst + i)];
                        }
                    }
                }
            }
            grad = gi;
        }
        return grad == g ? g.clone() : grad;
    }

    // ---- Pad --------------------------------------------------------------------------------------------

    /** Pads per axis (begin, end; negative crops), with the mode and the constant. */
    private record Pads(long[] begin, long[] end, String mode, double value) {
    }

    private static Pads pads(Node n, List<Arr> a, long opset) {
        Arr x = a.get(0);
        int rank = x.rank();
        String mode = string(n, "mode", "constant");
        if (!mode.equals("constant") && !mode.equals("reflect") && !mode.equals("edge")) {
            throw new IllegalArgumentException("mode " + mode + " (constant, reflect and edge)");
        }
        long[] pads;
        double value;
        if (opset < 11) {
            pads = OnnxFolding.intsArr(n, opset < 2 ? "paddings" : "pads");
            value = OnnxFolding.floatAttr(n, "value", 0f);
        } else {
            pads = OnnxFolding.longsOf(a, 1);
            value = present(a, 2) ? a.get(2).v()[0] : 0;
            if (present(a, 3)) {
                long[] axes = OnnxFolding.longsOf(a, 3);
                if (pads == null || pads.length != 2 * axes.length) {
                    throw new IllegalArgumentException("pads for " + axes.length + " axes");
                }
                long[] full = new long[2 * rank];
                for (int i = 0; i < axes.length; i++) {
                    int ax = (int) (axes[i] < 0 ? axes[i] + rank : axes[i]);
                    if (ax < 0 || ax >= rank) {
                        throw new IllegalArgumentException("axis " + axes[i] + " outside rank " + rank);
                    }
                    full[ax] = pads[i];
                    full[rank + ax] = pads[axes.length + i];
                }
                pads = full;
            }
        }
        if (pads == null || pads.length != 2 * rank) {
            throw new IllegalArgumentException("pads must have " + 2 * rank + " entries");
        }
        long[] begin = java.util.Arrays.copyOfRange(pads, 0, rank);
        long[] end = java.util.Arrays.copyOfRange(pads, rank, 2 * rank);
        long size = 1;
        for (int i = 0; i < rank; i++) {
            long len = x.dims()[i] + begin[i] + end[i];
            if (len < 0 || (!mode.equals("constant") && x.dims()[i] == 0 && len > 0)) {
                throw new IllegalArgumentException("pads " + java.util.Arrays.toString(pads) + " for dims "
                        + java.util.Arrays.toString(x.dims()));
            }
            // the typed path's limit, checked before the int[] and double[] of that size are allocated (issue 15,
            // sixteenth session: pads given at run time could ask for 2^28 values, 3 GB, refused only afterwards)
            size *= Math.min(len, OnnxFolding.MAX_FOLD_ELEMENTS + 1L);
            if (size > OnnxFolding.MAX_FOLD_ELEMENTS) {
                throw new IllegalArgumentException("pads " + java.util.Arrays.toString(pads) + " make more than "
                        + OnnxFolding.MAX_FOLD_ELEMENTS + " values, the limit for a tensor computed outside the float"
                        + " layers");
            }
        }
        return new Pads(begin, end, mode, value);
    }

    /** For each output element, the input element it copies, or -1 for the constant. */
    private static int[] padSources(Arr x, Pads p, long[] outDims) {
        int rank = x.rank();
        int total = 1;
        for (long d : outDims) {
            total *= (int) d;
        }
        int[] src = new int[total];
        int[] coord = new int[rank];
        for (int k = 0; k < total; k++) {
            int rem = k;
            for (int i = rank - 1; i >= 0; i--) {
                coord[i] = (int) (rem % outDims[i]);
                rem /= (int) outDims[i];
            }
            int index = 0;
            boolean inside = true;
            for (int i = 0; i < rank; i++) {
                long len = x.dims()[i];
                long c = coord[i] - p.begin()[i];
                if (c < 0 || c >= len) {
                    switch (p.mode()) {
                        case "edge" -> c = Math.max(0, Math.min(len - 1, c));
                        case "reflect" -> {
                            if (len == 1) {
                                c = 0;
                            }
                            while (c < 0 || c >= len) {
                                c = c < 0 ? -c : 2 * (len - 1) - c;
                            }
                        }
                        default -> inside = false;
                    }
                }
                index = (int) (index * len + (inside ? c : 0));
            }
            src[k] = inside ? index : -1;
        }
        return src;
    }

    private static long[] padDims(Arr x, Pads p) {
        long[] out = new long[x.rank()];
        for (int i = 0; i < out.length; i++) {
            out[i] = x.dims()[i] + p.begin()[i] + p.end()[i];
        }
        return out;
    }

    static Arr pad(Node n, List<Arr> a, long opset) {
        Arr x = a.get(0);
        Pads p = pads(n, a, opset);
        long[] dims = padDims(x, p);
        int[] src = padSources(x, p, dims);
        double[] out = new double[src.length];
        for (int k = 0; k < src.length; k++) {
            out[k] = src[k] < 0 ? p.value() : x.v()[src[k]];
        }
        return new Arr(x.type(), dims, out);
    }

    /** Gradients of Pad's data (every copy of an element adds its gradient) and of a computed constant value. */
    static void padBackward(Node n, List<Arr> a, double[] g, long opset, List<double[]> out) {
        Arr x = a.get(0);
        Pads p = pads(n, a, opset);
        int[] src = padSources(x, p, padDims(x, p));
        double[] gx = new double[x.v().length];
        double gv = 0;
        for (int k = 0; k < src.length; k++) {
            if (src[k] < 0) {
                gv += g[k];
            } else {
                gx[src[k]] += g[k];
            }
        }
        out.set(0, gx);
        if (opset >= 11 && a.size() > 2 && a.get(2) != null && !a.get(2).integer()) {
            double[] gc = new double[a.get(2).v().length]; // an empty value (the default 0) gets an empty gradient
            if (gc.length > 0) {
                gc[0] = gv;
            }
            out.set(2, gc);
        }
    }

    // ---- Clip and Erf -----------------------------------------------------------------------------------

    private static double[] bounds(Node n, List<Arr> a, long opset) {
        double lo = Double.NEGATIVE_INFINITY;
        double hi = Double.POSITIVE_INFINITY;
        if (opset < 11) {
            lo = OnnxFolding.floatAttr(n, "min", Float.NEGATIVE_INFINITY);
            hi = OnnxFolding.floatAttr(n, "max", Float.POSITIVE_INFINITY);
        } else {
            lo = present(a, 1) ? a.get(1).v()[0] : lo;
            hi = present(a, 2) ? a.get(2).v()[0] : hi;
        }
        return new double[] {lo, hi};
    }

    /** Clip: min(max(x, min), max), NaN kept. */
    static Arr clip(Node n, List<Arr> a, long opset) {
        Arr x = a.get(0);
        double[] b = bounds(n, a, opset);
        double[] out = new double[x.v().length];
        for (int k = 0; k < out.length; k++) {
            double v = x.v()[k];
            out[k] = Double.isNaN(v) ? v : Math.min(Math.max(v, b[0]), b[1]);
        }
        return new Arr(x.type(), x.dims(), out);
    }

    /**
     * Clip's gradients as PyTorch's clamp gives them: x's where min <= x <= max; a computed min gets the sum where x
     * is below it, a computed max where x is above it.
     */
    static void clipBackward(Node n, List<Arr> a, double[] g, long opset, List<double[]> out) {
        Arr x = a.get(0);
        double[] b = bounds(n, a, opset);
        double[] gx = new double[g.length];
        double gLo = 0;
        double gHi = 0;
        for (int k = 0; k < g.length; k++) {
            double v = x.v()[k];
            if (v < b[0]) {
                gLo += g[k];
            } else if (v > b[1]) {
                gHi += g[k];
            } else {
                gx[k] = g[k];
            }
        }
        out.set(0, gx);
        if (opset >= 11 && present(a, 1) && !a.get(1).integer()) {
            out.set(1, new double[] {gLo});
        }
        if (opset >= 11 && present(a, 2) && !a.get(2).integer()) {
            out.set(2, new double[] {gHi});
        }
    }

    static Arr erf(Arr x) {
        double[] out = new double[x.v().length];
        for (int k = 0; k < out.length; k++) {
            out[k] = Elementwise.erf(x.v()[k]);
        }
        return new Arr(x.type(), x.dims(), out);
    }

    static double[] erfBackward(Arr x, double[] g) {
        double[] gx = new double[g.length];
        double c = 2 / Math.sqrt(Math.PI);
        for (int k = 0; k < g.length; k++) {
            double v = x.v()[k];
            gx[k] = g[k] * c * Math.exp(-v * v);
        }
        return gx;
    }
}

package org.convnet4j.ops;

import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.tensor.kernels.KernelProvider;
import org.convnet4j.tensor.kernels.Kernels;

/**
 * Max, mean and Lp pooling over {@code kh x kw} windows of every channel of x [N, C, H, W], and their
 * gradients, with the derivatives of the lecture:
 *
 * <ul>
 *   <li>mean: {@code dy/dx_i = 1/m}, m = number of window cells (real pixels only, unless
 *       {@code countIncludePad}, then the full {@code kh*kw}).</li>
 *   <li>max: 1 at the arg-max, 0 elsewhere. Padded cells act as -infinity and never win. On ties the
 *       gradient goes to the <em>first</em> maximal element in row-major window order (PyTorch's convention).
 *       The lecture's formula literally gives 1 to every {@code x_i = max(x)}; doing so would pass the gradient
 *       on k times for a k-way tie, so the backward pass would no longer be the derivative of any selection of
 *       the max (e.g. a constant window {@code (a, a)} moved by {@code +e} moves the max by {@code e}, not
 *       {@code 2e}). Picking one element keeps the gradient a true one-sided derivative.</li>
 *   <li>Lp: {@code y = (sum |x_k|^p)^(1/p)},
 *       {@code dy/dx_i = (sum |x_k|^p)^(1/p - 1) * |x_i|^(p-1) * sign(x_i) = y^(1-p) |x_i|^(p-1) sign(x_i)};
 *       the sign extends the lecture's formula (written for x &gt;= 0) to negative inputs. A window that is all
 *       zero has gradient 0 (the norm is not differentiable there). Padded cells count as zeros.</li>
 * </ul>
 *
 * <p>Windows are computed on the unpadded input by clipping them to the image, so padding costs nothing.
 * Sums are accumulated in double. Overlapping windows (stride &lt; kernel) add their gradients.
 *
 * <p>Planes (one channel of one sample) are independent, so large calls spread them over the kernels'
 * threads; the common 2x2/2 max pooling has an unrolled window. Neither changes a single bit of the result.
 */
public final class Pooling {
    private Pooling() {
    }

    public static Shape outputShape(Shape x, PoolParams p) {
        if (x.rank() != 4) {
            throw new IllegalArgumentException(name(p) + ": input must be [N, C, H, W], got shape " + x);
        }
        int oh = ConvGeometry.outputSize(name(p) + " (height)", x.dim(2), p.kh(), p.strideH(), 1,
                p.padding().top(), p.padding().bottom());
        int ow = ConvGeometry.outputSize(name(p) + " (width)", x.dim(3), p.kw(), p.strideW(), 1,
                p.padding().left(), p.padding().right());
        return Shape.of(x.dim(0), x.dim(1), oh, ow);
    }

    /** Pools every channel of x [N, C, H, W]; returns a new tensor [N, C, OH, OW]. */
    public static Tensor forward(Tensor x, PoolParams p) {
        return forward(x, p, null);
    }

    /**
     * As {@link #forward(Tensor, PoolParams)}; for max pooling, when {@code argMax} is not null (at least as
     * long as the output), also records for every output the flat index into x of the element it took, which
     * {@link #backwardMax} then scatters to without searching the windows again.
     */
    public static Tensor forward(Tensor x, PoolParams p, int[] argMax) {
        return forward(x, p, argMax, null);
    }

    /** As above; {@code into} (may be null), a tensor with the output's shape, is overwritten and returned. */
    public static Tensor forward(Tensor x, PoolParams p, int[] argMax, Tensor into) {
        Shape ys = outputShape(x.shape(), p);
        if (argMax != null && (p.type() != PoolType.MAX || argMax.length < ys.size())) {
            throw new IllegalArgumentException(name(p) + ": arg-max buffer needs max pooling and " + ys.size()
                    + " entries, got " + p.type() + " and " + argMax.length);
        }
        Planes geo = new Planes(x.dim(0) * x.dim(1), x.dim(2), x.dim(3), ys.dim(2), ys.dim(3));
        float[] xd = x.data();
        Tensor y = into == null ? Tensor.zeros(ys) : requireShape(into, ys, p);
        float[] yd = y.data();
        int[] colStart = new int[geo.ow]; // every output column's window columns, clipped to the image
        int[] colEnd = new int[geo.ow];
        for (int q = 0; q < geo.ow; q++) {
            int c0 = q * p.strideW() - p.padding().left();
            colStart[q] = Math.max(c0, 0);
            colEnd[q] = Math.min(c0 + p.kw(), geo.w);
        }
        // Output columns whose windows lie wholly inside the image: a contiguous range [inLo, inHi).
        int inLo = 0;
        while (inLo < geo.ow && inLo * p.strideW() - p.padding().left() < 0) {
            inLo++;
        }
        int inHi = inLo;
        while (inHi < geo.ow && inHi * p.strideW() - p.padding().left() + p.kw() <= geo.w) {
            inHi++;
        }
        int[] inside = {inLo, inHi};
        Kernels kernels = KernelProvider.get();
        if (p.type() == PoolType.MAX && argMax != null && isPlain2x2(p) && argMaxKernel) {
            // training's 2x2 pools (LeNet-5, VGG): whole ranges of planes to the kernel, one output per lane
            int in = geo.h * geo.w;
            int out = geo.oh * geo.ow;
            forEachPlaneRange(geo, (p0, p1) -> kernels.maxPool2x2ArgMax(p1 - p0, xd, p0 * in, geo.h, geo.w, geo.oh,
                    geo.ow, yd, p0 * out, argMax, p0 * out));
            return y;
        }
        if (p.type() == PoolType.MAX && argMax == null && windowSweep && inference2x2Kernel && isInside2x2(p, geo)) {
            // inference's 2x2/2 pools (LeNet-5's, VGG's, GoogLeNet's ceil-mode pool on 14x14 planes): whole ranges of
            // planes to the kernel
            int in = geo.h * geo.w;
            int out = geo.oh * geo.ow;
            forEachPlaneRange(geo, (p0, p1) -> kernels.maxPool2x2(p1 - p0, xd, p0 * in, geo.h, geo.w, geo.oh, geo.ow,
                    yd, p0 * out));
            return y;
        }
        forEachPlane(geo, pl -> {
            int xBase = pl * geo.h * geo.w;
            int yBase = pl * geo.oh * geo.ow;
            if (p.type() == PoolType.MAX && argMax == null && windowSweep) {
                maxPlane(kernels, xd, xBase, geo, p, colStart, colEnd, inside, yd, yBase);
                return;
            }
            if (p.type() == PoolType.MAX && isPlain2x2(p)) {
                max2x2Plane(xd, xBase, geo, yd, yBase, argMax);
                return;
            }
            if (p.type() == PoolType.MAX && argMax != null && unrolled3x3 && p.kh() == 3 && p.kw() == 3) {
                argMax3x3Plane(xd, xBase, geo, p, inside, yd, yBase, argMax);
                return;
            }
            if (p.type() == PoolType.MAX && argMax == null) {
                maxPlaneScalar(xd, xBase, geo, p, colStart, colEnd, yd, yBase);
                return;
            }
            for (int r = 0; r < geo.oh; r++) {
                int r0 = r * p.strideH() - p.padding().top();
                int rs = Math.max(r0, 0);
                int re = Math.min(r0 + p.kh(), geo.h);
                for (int q = 0; q < geo.ow; q++) {
                    int c0 = q * p.strideW() - p.padding().left();
                    int cs = Math.max(c0, 0);
                    int ce = Math.min(c0 + p.kw(), geo.w);
                    if (p.type() == PoolType.MAX) {
                        int best = argMax(xd, xBase, geo.w, rs, re, cs, ce);
                        yd[yBase + r * geo.ow + q] = xd[best];
                        if (argMax != null) {
                            argMax[yBase + r * geo.ow + q] = best;
                        }
                    } else {
                        yd[yBase + r * geo.ow + q] = (float) window(xd, xBase, geo.w, rs, re, cs, ce, p);
                    }
                }
            }
        });
        return y;
    }

    /**
     * dL/dx given the input x, the forward output y (used by Lp pooling; shape-checked for all types) and
     * dL/dy. Returns a new tensor shaped like x.
     */
    public static Tensor backward(Tensor x, Tensor y, Tensor dy, PoolParams p) {
        Shape ys = outputShape(x.shape(), p);
        if (!dy.shape().equals(ys) || !y.shape().equals(ys)) {
            throw new IllegalArgumentException(name(p) + " backward: output " + y.shape() + " and gradient "
                    + dy.shape() + " must both have the output shape " + ys + " of input " + x.shape());
        }
        Planes geo = new Planes(x.dim(0) * x.dim(1), x.dim(2), x.dim(3), ys.dim(2), ys.dim(3));
        float[] xd = x.data();
        float[] yd = y.data();
        float[] gd = dy.data();
        Tensor dx = Tensor.zeros(x.shape());
        float[] dxd = dx.data();
        // Windows of one plane only touch that plane, so planes are independent tasks.
        forEachPlane(geo, pl -> backwardPlane(xd, yd, gd, dxd, pl, geo, p));
        return dx;
    }

    /**
     * Max-pooling backward from the arg-max indices recorded by {@link #forward(Tensor, PoolParams, int[])}:
     * {@code dx[argMax[i]] += dy[i]}, outputs in the same order as {@link #backward}, hence the same bits.
     */
    public static Tensor backwardMax(int[] argMax, Tensor dy, Shape xShape) {
        return backwardMax(argMax, dy, xShape, null);
    }

    /** As above; {@code into} (may be null), zeros shaped like x, is filled and returned. */
    public static Tensor backwardMax(int[] argMax, Tensor dy, Shape xShape, Tensor into) {
        if (xShape.rank() != 4 || dy.rank() != 4 || dy.dim(0) != xShape.dim(0) || dy.dim(1) != xShape.dim(1)
                || argMax.length < dy.size()) {
            throw new IllegalArgumentException("maxpool2d backward: gradient " + dy.shape() + " does not fit input "
                    + xShape + " and " + argMax.length + " recorded arg-max indices");
        }
        Planes geo = new Planes(xShape.dim(0) * xShape.dim(1), xShape.dim(2), xShape.dim(3), dy.dim(2), dy.dim(3));
        float[] gd = dy.data();
        Tensor dx = into == null ? Tensor.zeros(xShape) : requireShape(into, xShape, PoolParams.max(1, 1));
        float[] dxd = dx.data();
        int outPlane = geo.oh * geo.ow;
        forEachPlane(geo, pl -> {
            for (int i = pl * outPlane, end = i + outPlane; i < end; i++) {
                dxd[argMax[i]] += gd[i];
            }
        });
        return dx;
    }

    private static void backwardPlane(float[] xd, float[] yd, float[] gd, float[] dxd, int pl, Planes geo,
                                      PoolParams p) {
        int h = geo.h;
        int w = geo.w;
        int oh = geo.oh;
        int ow = geo.ow;
        int xBase = pl * h * w;
        int yBase = pl * oh * ow;
        if (p.type() == PoolType.MAX && isPlain2x2(p)) {
            for (int r = 0; r < oh; r++) {
                for (int q = 0; q < ow; q++) {
                    dxd[argMax2x2(xd, xBase + 2 * r * w + 2 * q, w)] += gd[yBase + r * ow + q];
                }
            }
            return;
        }
        for (int r = 0; r < oh; r++) {
            int r0 = r * p.strideH() - p.padding().top();
            int rs = Math.max(r0, 0);
            int re = Math.min(r0 + p.kh(), h);
            for (int q = 0; q < ow; q++) {
                int c0 = q * p.strideW() - p.padding().left();
                int cs = Math.max(c0, 0);
                int ce = Math.min(c0 + p.kw(), w);
                float g = gd[yBase + r * ow + q];
                switch (p.type()) {
                    case MAX: {
                        int best = argMax(xd, xBase, w, rs, re, cs, ce);
                        dxd[best] += g;
                        break;
                    }
                    case AVG: {
                        int m = p.countIncludePad() ? p.kh() * p.kw() : (re - rs) * (ce - cs);
                        float share = g / m;
                        for (int i = rs; i < re; i++) {
                            for (int j = cs; j < ce; j++) {
                                dxd[xBase + i * w + j] += share;
                            }
                        }
                        break;
                    }
                    default: {
                        double yv = yd[yBase + r * ow + q];
                        if (yv == 0) {
                            break;
                        }
                        double exp = p.p();
                        double scale = g * Math.pow(yv, 1 - exp);
                        for (int i = rs; i < re; i++) {
                            for (int j = cs; j < ce; j++) {
                                int k = xBase + i * w + j;
                                double v = xd[k];
                                dxd[k] += (float) (scale * Math.signum(v) * Math.pow(Math.abs(v), exp - 1));
                            }
                        }
                        break;
                    }
                }
            }
        }
    }

    /**
     * Max pooling of one plane when no arg-max is wanted (inference): output row by output row, the window
     * rows are swept in order and each output keeps its running maximum. Per output the comparisons are those
     * of {@link #argMax} in the same order (start at the window's first element, take strictly greater), so
     * the values are identical, NaN included; without the index bookkeeping and with the input read row by
     * row it runs several times faster (GoogLeNet's 3x3 stride-1 pools were a fifth of its inference).
     */
    private static void maxPlaneScalar(float[] xd, int xBase, Planes geo, PoolParams p, int[] cs, int[] ce,
                                       float[] yd, int yBase) {
        int w = geo.w;
        int ow = geo.ow;
        for (int r = 0; r < geo.oh; r++) {
            int r0 = r * p.strideH() - p.padding().top();
            int rs = Math.max(r0, 0);
            int re = Math.min(r0 + p.kh(), geo.h);
            int out = yBase + r * ow;
            int first = xBase + rs * w;
            for (int q = 0; q < ow; q++) {
                yd[out + q] = xd[first + cs[q]];
            }
            for (int i = rs; i < re; i++) {
                int row = xBase + i * w;
                for (int q = 0; q < ow; q++) {
                    float m = yd[out + q];
                    int j = row + cs[q];
                    int end = row + ce[q];
                    if (end - j == 3) { // the common 3-wide window, unrolled
                        float v0 = xd[j];
                        float v1 = xd[j + 1];
                        float v2 = xd[j + 2];
                        m = v0 > m ? v0 : m;
                        m = v1 > m ? v1 : m;
                        m = v2 > m ? v2 : m;
                    } else {
                        for (; j < end; j++) {
                            float v = xd[j];
                            m = v > m ? v : m;
                        }
                    }
                    yd[out + q] = m;
                }
            }
        }
    }

    /**
     * {@code -Dconvnet4j.pool.windowSweep=false}: inference max pooling runs the scalar sweeps of before
     * ({@link #maxPlaneScalar}, and the unrolled arg-max for 2x2/2); a field so that A/B runs can flip it.
     */
    static volatile boolean windowSweep = !"false".equals(System.getProperty("convnet4j.pool.windowSweep"));

    /**
     * Max pooling of one plane when no arg-max is wanted (inference), every window size: per output row, the
     * columns whose windows lie inside the image ({@code inside[0]} to {@code inside[1]}) go to
     * {@link Kernels#maxPoolWindows} (one output per vector lane with the vector kernels), the clipped ones at the
     * borders run the same comparison chain here. The chain per output is {@link #argMax}'s (start at the window's
     * first element, take strictly greater, row-major), so the values are identical to the recording path, NaN and
     * signed zeros included. GoogLeNet's 3x3 pools (stride 1 and 2) were a third of its batch-1 inference.
     */
    private static void maxPlane(Kernels kernels, float[] xd, int xBase, Planes geo, PoolParams p, int[] cs, int[] ce,
                                 int[] inside, float[] yd, int yBase) {
        int w = geo.w;
        int ow = geo.ow;
        int inLo = inside[0];
        int inHi = inside[1];
        if (paddedBorders && hasClippedWindows(geo, p, inLo, inHi) && (long) geo.h * geo.w <= PADDED_MAX_VALUES) {
            maxPlanePadded(kernels, xd, xBase, geo, p, cs, inLo, inHi, yd, yBase);
            return;
        }
        // Stride 1 with an output as wide as the input (3x3, pad 1): output (r, q) and (r, q + 1) read windows one
        // float apart, and so do (r, ow - 1) and (r + 1, 0). The rows whose windows lie inside the image vertically
        // then form one run of outputs for one kernel call (GoogLeNet's 14x14 and 7x7 planes are narrower than a
        // vector: row by row they would all run the scalar chain). Outputs of that run whose windows are clipped at
        // the left or right border get wrong values from it (their windows wrap to the neighbouring row, still
        // inside the plane) and are computed again below with the clipped chain, which overwrites them.
        int rowLo = 0;
        int rowHi = 0;
        if (p.strideW() == 1 && p.strideH() == 1 && ow == w && inHi > inLo) {
            int top = p.padding().top();
            rowLo = Math.min(top, geo.oh);
            rowHi = Math.max(rowLo, Math.min(geo.oh, geo.h - p.kh() + top + 1));
            if (rowHi - rowLo >= 2) {
                int from = rowLo * ow + inLo;
                int to = (rowHi - 1) * ow + inHi;
                kernels.maxPoolWindows(to - from, xd, xBase + (rowLo - top) * w + inLo - p.padding().left(), 1, w,
                        p.kh(), p.kw(), yd, yBase + from);
            } else {
                rowLo = rowHi = 0;
            }
        }
        for (int r = 0; r < geo.oh; r++) {
            int r0 = r * p.strideH() - p.padding().top();
            int rs = Math.max(r0, 0);
            int re = Math.min(r0 + p.kh(), geo.h);
            int out = yBase + r * ow;
            int first = xBase + rs * w;
            boolean done = r >= rowLo && r < rowHi;
            for (int q = 0; q < ow; q++) {
                if (q == inLo && inHi > inLo && re > rs) {
                    if (done) { // computed by the run above
                        q = inHi - 1;
                        continue;
                    }
                    kernels.maxPoolWindows(inHi - inLo, xd, first + cs[inLo], p.strideW(), w, re - rs, p.kw(), yd,
                            out + inLo);
                    q = inHi - 1;
                    continue;
                }
                float m = xd[first + cs[q]];
                for (int i = rs; i < re; i++) {
                    int row = xBase + i * w;
                    for (int j = row + cs[q], end = row + ce[q]; j < end; j++) {
                        float v = xd[j];
                        m = v > m ? v : m;
                    }
                }
                yd[out + q] = m;
            }
        }
    }

    /**
     * {@code -Dconvnet4j.pool.paddedBorders=false}: the border outputs of {@link #maxPlane} (windows clipped by
     * padding or by ceil mode) run the clipped scalar chain as before instead of {@link #maxPlanePadded}; a field so
     * that A/B runs can flip it.
     */
    static volatile boolean paddedBorders = !"false".equals(System.getProperty("convnet4j.pool.paddedBorders"));

    /** True if some output's window is clipped by the image's border (padding, or ceil mode's last window). */
    private static boolean hasClippedWindows(Planes geo, PoolParams p, int inLo, int inHi) {
        int top = p.padding().top();
        return inLo > 0 || inHi < geo.ow || top > 0 || (geo.oh - 1) * p.strideH() - top + p.kh() > geo.h;
    }

    /**
     * Largest plane (values) that takes {@link #maxPlanePadded}: its per-thread buffers stay allocated, so a huge
     * picture must not leave a plane-sized copy behind on every thread; on such planes the border outputs are a
     * small share anyway. GoogLeNet's largest pooled plane is 112 x 112.
     */
    private static final int PADDED_MAX_VALUES = 1 << 16;

    /** Per thread: the -infinity padded copy of a plane and the outputs computed from it. */
    private static final ThreadLocal<float[][]> PADDED = ThreadLocal.withInitial(() -> new float[2][0]);

    /**
     * Max pooling of one plane whose border windows are clipped (GoogLeNet's 3x3 pad-1 pools on 28x28, 14x14 and
     * 7x7 planes, ceil mode's last row and column): every output, border ones included, from a copy of the plane
     * framed with -infinity, on the vector path ({@link Kernels#maxPoolWindows}); before, the border outputs ran
     * the clipped scalar chain, and on a 14x14 plane (a vector is 16 floats) that was every output of the first and
     * last rows and columns and 85% of the time.
     *
     * <p>Exact, NaN and signed zeros included: a window's chain over the framed copy starts at -infinity where
     * the clipped chain starts at the window's first image element f. A frame cell never wins ({@code -inf > m} is
     * false for every m, NaN too), and f replaces the -infinity ({@code f > -inf}) unless f is -infinity (the same
     * value, one bit pattern) or NaN. From f on both chains make the same comparisons. So the results differ only
     * where f is NaN, where the clipped chain gives f itself (nothing is greater than NaN); those outputs are set
     * to f afterwards.
     */
    private static void maxPlanePadded(Kernels kernels, float[] xd, int xBase, Planes geo, PoolParams p, int[] cs,
                                       int inLo, int inHi, float[] yd, int yBase) {
        int w = geo.w;
        int h = geo.h;
        int oh = geo.oh;
        int ow = geo.ow;
        int sh = p.strideH();
        int sw = p.strideW();
        int top = p.padding().top();
        int left = p.padding().left();
        int hp = (oh - 1) * sh + p.kh();
        int wp = Math.max((ow - 1) * sw + p.kw(), left + w);
        int vl = Math.max(1, kernels.floatsPerVector());
        // Stride 1: the outputs of a row and of the next are one frame row apart, so all outputs form one run at
        // P offsets r * wp + q (the q >= ow ones are discarded); otherwise one run per output row. Runs are rounded
        // up to whole vectors; the frame gets enough -infinity rows below for their reads.
        boolean flat = sh == 1 && sw == 1;
        int runs = flat ? 1 : oh;
        int perRun = flat ? roundUp((oh - 1) * wp + ow, vl) : roundUp(ow, vl);
        int lastRead = (runs - 1) * sh * wp + (perRun - 1) * sw + (p.kh() - 1) * wp + p.kw();
        int frameSize = Math.max(Math.max(hp, top + h) * wp, lastRead);
        float[][] buffers = PADDED.get();
        if (buffers[0].length < frameSize) {
            buffers[0] = new float[frameSize];
        }
        if (buffers[1].length < runs * perRun) {
            buffers[1] = new float[runs * perRun];
        }
        float[] frame = buffers[0];
        float[] out = buffers[1];
        java.util.Arrays.fill(frame, 0, frameSize, Float.NEGATIVE_INFINITY);
        for (int i = 0; i < h; i++) {
            System.arraycopy(xd, xBase + i * w, frame, (i + top) * wp + left, w);
        }
        if (flat) {
            kernels.maxPoolWindows(perRun, frame, 0, 1, wp, p.kh(), p.kw(), out, 0);
            for (int r = 0; r < oh; r++) {
                System.arraycopy(out, r * wp, yd, yBase + r * ow, ow);
            }
        } else {
            for (int r = 0; r < oh; r++) {
                kernels.maxPoolWindows(perRun, frame, r * sh * wp, sw, wp, p.kh(), p.kw(), out, r * perRun);
                System.arraycopy(out, r * perRun, yd, yBase + r * ow, ow);
            }
        }
        // Border outputs whose window's first image element is NaN: the clipped chain's result is that NaN.
        for (int r = 0; r < oh; r++) {
            int r0 = r * sh - top;
            boolean rowClipped = r0 < 0 || r0 + p.kh() > h;
            int first = xBase + Math.max(r0, 0) * w;
            int out0 = yBase + r * ow;
            for (int q = 0; q < ow; q++) {
                if (!rowClipped && q == inLo && inHi > inLo) {
                    q = inHi - 1;
                    continue;
                }
                float f = xd[first + cs[q]];
                if (f != f) {
                    yd[out0 + q] = f;
                }
            }
        }
    }

    private static int roundUp(int x, int to) {
        return (x + to - 1) / to * to;
    }

    /**
     * Switch for A/B runs ({@code FlagAB}): {@code false} runs training's 2x2 stride-2 max pooling (with its arg-max)
     * plane by plane in scalar code as before, instead of {@link Kernels#maxPool2x2ArgMax} (same bits and indices);
     * {@code -Dconvnet4j.pool.argMaxKernel=false}.
     */
    static volatile boolean argMaxKernel = !"false".equals(System.getProperty("convnet4j.pool.argMaxKernel"));

    /**
     * {@code -Dconvnet4j.pool.inference2x2Kernel=false}: inference's 2x2/2 pools run row by row through
     * {@link #maxPlane} again instead of {@link Kernels#maxPool2x2} (same bits).
     */
    static volatile boolean inference2x2Kernel = !"false".equals(
            System.getProperty("convnet4j.pool.inference2x2Kernel"));

    /**
     * A 2x2 window at stride 2 whose windows all lie inside the image: unpadded at the top and left, and the bottom
     * and right padding (how ceil mode is written) not reached, as on GoogLeNet's 14x14 planes.
     */
    private static boolean isInside2x2(PoolParams p, Planes geo) {
        return p.kh() == 2 && p.kw() == 2 && p.strideH() == 2 && p.strideW() == 2 && p.padding().top() == 0
                && p.padding().left() == 0 && 2L * geo.oh <= geo.h && 2L * geo.ow <= geo.w;
    }

    /** The common 2x2, stride-2, unpadded window (every window lies inside the image). */
    private static boolean isPlain2x2(PoolParams p) {
        return p.kh() == 2 && p.kw() == 2 && p.strideH() == 2 && p.strideW() == 2 && p.padding().isZero();
    }

    private static void max2x2Plane(float[] xd, int xBase, Planes geo, float[] yd, int yBase, int[] argMax) {
        int w = geo.w;
        for (int r = 0; r < geo.oh; r++) {
            int row = xBase + 2 * r * w;
            int out = yBase + r * geo.ow;
            for (int q = 0; q < geo.ow; q++) {
                int best = argMax2x2(xd, row + 2 * q, w);
                yd[out + q] = xd[best];
                if (argMax != null) {
                    argMax[out + q] = best;
                }
            }
        }
    }

    /**
     * {@link #argMax} unrolled for a 2x2 window at {@code k}: the same comparisons in the same row-major
     * order (strict '&gt;', so the first maximum wins and NaN handling is unchanged).
     */
    private static int argMax2x2(float[] xd, int k, int w) {
        // Selects written as conditional expressions on ints: random data makes each comparison a coin toss,
        // which as a branch would be mispredicted half the time.
        float a = xd[k];
        float b = xd[k + 1];
        float c = xd[k + w];
        float d = xd[k + w + 1];
        boolean bWins = b > a;
        int best = bWins ? k + 1 : k;
        float bv = bWins ? b : a;
        boolean cWins = c > bv;
        best = cWins ? k + w : best;
        bv = cWins ? c : bv;
        return d > bv ? k + w + 1 : best;
    }

    /**
     * Training's 3x3 max pools with their arg-max (ResNet's after the stem: 3x3, stride 2, pad 1 on 112x112 planes,
     * 1.6 M windows a W6 step): the windows wholly inside the image through {@link #argMax3x3}, unrolled, the
     * clipped ones at the borders through {@link #argMax}. Before, every output clipped its window and ran
     * {@link #argMax}'s two loops of variable bounds: the pool's forward took 51.6 ms of one thread's CPU per W6 step
     * against PyTorch's 44.8 (docs/PERFORMANCE.md, session 23). The same values and indices;
     * {@code -Dconvnet4j.pool.unrolled3x3=false} restores the loops (A/B runs).
     */
    static volatile boolean unrolled3x3 = !"false".equals(System.getProperty("convnet4j.pool.unrolled3x3"));

    private static void argMax3x3Plane(float[] xd, int xBase, Planes geo, PoolParams p, int[] inside, float[] yd,
                                       int yBase, int[] argMax) {
        int w = geo.w;
        int sw = p.strideW();
        int left = p.padding().left();
        for (int r = 0; r < geo.oh; r++) {
            int r0 = r * p.strideH() - p.padding().top();
            int rs = Math.max(r0, 0);
            int re = Math.min(r0 + 3, geo.h);
            int out = yBase + r * geo.ow;
            boolean rowInside = r0 >= 0 && r0 + 3 <= geo.h;
            int qLo = rowInside ? inside[0] : geo.ow;
            int qHi = rowInside ? inside[1] : geo.ow;
            int q = 0;
            for (; q < qLo; q++) {
                argMaxClipped(xd, xBase, w, rs, re, q * sw - left, yd, argMax, out + q);
            }
            for (int at = xBase + r0 * w + q * sw - left; q < qHi; q++, at += sw) {
                int best = argMax3x3(xd, at, w);
                yd[out + q] = xd[best];
                argMax[out + q] = best;
            }
            for (; q < geo.ow; q++) {
                argMaxClipped(xd, xBase, w, rs, re, q * sw - left, yd, argMax, out + q);
            }
        }
    }

    /** Output {@code o}: the 3x3 window from column {@code c0} clipped to the image, by {@link #argMax}. */
    private static void argMaxClipped(float[] xd, int xBase, int w, int rs, int re, int c0, float[] yd, int[] argMax,
                                      int o) {
        int best = argMax(xd, xBase, w, rs, re, Math.max(c0, 0), Math.min(c0 + 3, w));
        yd[o] = xd[best];
        argMax[o] = best;
    }

    /**
     * {@link #argMax} unrolled for a 3x3 window at {@code k}: the same comparisons in the same row-major order (strict
     * '&gt;': the first maximum wins, NaN handled as there), as selects on one comparison each (see {@link #argMax2x2};
     * reading the best value back through the selected index instead cost 10% more, loaded).
     */
    private static int argMax3x3(float[] xd, int k, int w) {
        int m = k + w;
        int b = m + w;
        int best = k;
        float bv = xd[k];
        float v = xd[k + 1];
        boolean wins = v > bv;
        best = wins ? k + 1 : best;
        bv = wins ? v : bv;
        v = xd[k + 2];
        wins = v > bv;
        best = wins ? k + 2 : best;
        bv = wins ? v : bv;
        v = xd[m];
        wins = v > bv;
        best = wins ? m : best;
        bv = wins ? v : bv;
        v = xd[m + 1];
        wins = v > bv;
        best = wins ? m + 1 : best;
        bv = wins ? v : bv;
        v = xd[m + 2];
        wins = v > bv;
        best = wins ? m + 2 : best;
        bv = wins ? v : bv;
        v = xd[b];
        wins = v > bv;
        best = wins ? b : best;
        bv = wins ? v : bv;
        v = xd[b + 1];
        wins = v > bv;
        best = wins ? b + 1 : best;
        bv = wins ? v : bv;
        return xd[b + 2] > bv ? b + 2 : best;
    }

    /** Plane count and sizes of one pooling call. */
    private record Planes(int count, int h, int w, int oh, int ow) {
    }

    /** Below this many input values per call, handing planes to other threads costs more than it saves. */
    private static final int PARALLEL_MIN_VALUES = 1 << 15;

    /**
     * Runs {@code body} for every plane, in contiguous ranges of planes spread over the kernels' threads.
     * Every plane is computed by the same code whatever the split, so results are identical.
     */
    private static void forEachPlane(Planes geo, java.util.function.IntConsumer body) {
        forEachPlaneRange(geo, (p0, p1) -> {
            for (int pl = p0; pl < p1; pl++) {
                body.accept(pl);
            }
        });
    }

    /** Planes [p0, p1) of one task. */
    private interface PlaneRange {
        void run(int p0, int p1);
    }

    /** As {@link #forEachPlane}, one call per task with its range of planes. */
    private static void forEachPlaneRange(Planes geo, PlaneRange body) {
        Kernels k = KernelProvider.get();
        long values = (long) geo.count * geo.h * geo.w;
        int tasks = values < PARALLEL_MIN_VALUES ? 1 : Math.min(geo.count, 4 * k.threads());
        if (tasks <= 1) {
            body.run(0, geo.count);
            return;
        }
        k.parallelFor(tasks, t -> body.run((int) ((long) geo.count * t / tasks),
                (int) ((long) geo.count * (t + 1) / tasks)));
    }

    private static double window(float[] xd, int base, int w, int rs, int re, int cs, int ce, PoolParams p) {
        switch (p.type()) {
            case MAX:
                return xd[argMax(xd, base, w, rs, re, cs, ce)];
            case AVG: {
                double s = 0;
                for (int i = rs; i < re; i++) {
                    for (int j = cs; j < ce; j++) {
                        s += xd[base + i * w + j];
                    }
                }
                int m = p.countIncludePad() ? p.kh() * p.kw() : (re - rs) * (ce - cs);
                return s / m;
            }
            default: {
                double exp = p.p();
                double s = 0;
                for (int i = rs; i < re; i++) {
                    for (int j = cs; j < ce; j++) {
                        s += Math.pow(Math.abs(xd[base + i * w + j]), exp);
                    }
                }
                return Math.pow(s, 1 / exp);
            }
        }
    }

    /** Flat index of the first maximal element in row-major window order (strict '&gt;' keeps the first). */
    private static int argMax(float[] xd, int base, int w, int rs, int re, int cs, int ce) {
        int best = base + rs * w + cs;
        float bv = xd[best];
        for (int i = rs; i < re; i++) {
            for (int j = cs; j < ce; j++) {
                int k = base + i * w + j;
                if (xd[k] > bv) {
                    bv = xd[k];
                    best = k;
                }
            }
        }
        return best;
    }

    private static Tensor requireShape(Tensor into, Shape shape, PoolParams p) {
        if (!into.shape().equals(shape)) {
            throw new IllegalArgumentException(name(p) + ": buffer " + into.shape() + " does not have the shape " + shape);
        }
        return into;
    }

    private static String name(PoolParams p) {
        return p.type().name().toLowerCase(java.util.Locale.ROOT) + "pool2d";
    }
}

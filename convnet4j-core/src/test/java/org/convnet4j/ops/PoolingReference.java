package org.convnet4j.ops;

import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;

/**
 * The single-threaded, one-window-at-a-time pooling that {@link Pooling} had before it was parallelised and
 * specialised; kept as the oracle that the fast version must match bit for bit.
 *
 * <p>Original documentation:
 *
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
 */
final class PoolingReference {
    private PoolingReference() {
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
        Shape ys = outputShape(x.shape(), p);
        int h = x.dim(2);
        int w = x.dim(3);
        int oh = ys.dim(2);
        int ow = ys.dim(3);
        int planes = x.dim(0) * x.dim(1);
        float[] xd = x.data();
        Tensor y = Tensor.zeros(ys);
        float[] yd = y.data();
        for (int pl = 0; pl < planes; pl++) {
            int xBase = pl * h * w;
            int yBase = pl * oh * ow;
            for (int r = 0; r < oh; r++) {
                int r0 = r * p.strideH() - p.padding().top();
                int rs = Math.max(r0, 0);
                int re = Math.min(r0 + p.kh(), h);
                for (int q = 0; q < ow; q++) {
                    int c0 = q * p.strideW() - p.padding().left();
                    int cs = Math.max(c0, 0);
                    int ce = Math.min(c0 + p.kw(), w);
                    yd[yBase + r * ow + q] = (float) window(xd, xBase, w, rs, re, cs, ce, p);
                }
            }
        }
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
        int h = x.dim(2);
        int w = x.dim(3);
        int oh = ys.dim(2);
        int ow = ys.dim(3);
        int planes = x.dim(0) * x.dim(1);
        float[] xd = x.data();
        float[] yd = y.data();
        float[] gd = dy.data();
        Tensor dx = Tensor.zeros(x.shape());
        float[] dxd = dx.data();
        for (int pl = 0; pl < planes; pl++) {
            int xBase = pl * h * w;
            int yBase = pl * oh * ow;
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
        return dx;
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

    private static String name(PoolParams p) {
        return p.type().name().toLowerCase(java.util.Locale.ROOT) + "pool2d";
    }
}

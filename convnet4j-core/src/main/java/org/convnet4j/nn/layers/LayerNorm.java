package org.convnet4j.nn.layers;

import java.util.List;
import java.util.Map;
import org.convnet4j.nn.GradMode;
import org.convnet4j.nn.Parameter;
import org.convnet4j.nn.UnaryLayer;
import org.convnet4j.nn.init.Initializer;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.tensor.kernels.KernelProvider;
import org.convnet4j.tensor.kernels.Kernels;

/**
 * Layer normalisation over the last {@code axes} per-sample axes (Ba et al. 2016; ONNX LayerNormalization,
 * ConvNeXt's channels-last norm): each group of values is shifted to mean 0 and scaled to variance 1 (biased
 * variance plus {@code eps}), then multiplied by the learnable {@code gamma} and shifted by {@code beta}, both
 * of the normalised shape.
 */
public final class LayerNorm extends UnaryLayer {
    private final int axes;
    private final double eps;
    private Parameter gamma;
    private Parameter beta;
    private Shape normShape;
    private Tensor xhat;
    private float[] rstd;

    /**
     * Row passes on the kernels ({@code Kernels.sumWide}, {@code sumSquaredDeviations}, {@code layerNormRow},
     * {@code layerNormBackwardRow}) instead of the scalar double loops. {@code -Dconvnet4j.layernorm.vector=true} or
     * {@code false} decides; without it they are on only in a JVM whose {@code -XX:PerMethodTrapLimit} is at least
     * {@value #SAFE_TRAP_LIMIT} (the {@code convnet4j} launcher passes 10000). Why (docs/ONNX.md, ConvNeXt): with
     * HotSpot's default limit of 100, C2 stops emitting class-check traps in a compilation once the class-check trap
     * counts of the methods it inlines add up to 100; the Vector API's {@code VectorOperators.opKind} carries a few
     * such traps once any vector code has run before C2 compiled it, and the GEMM micro-kernel inlines it 48 times,
     * so a micro-kernel compiled after that point boxes its later vectors (Dense 1.3-1.7x slower). Vector rows made
     * that later compilation the usual case; the higher limit removes the cause.
     */
    static volatile boolean vectorRows = vectorRowsByDefault(System.getProperty("convnet4j.layernorm.vector"),
            perMethodTrapLimit());

    /** The trap limit from which the vector rows are on by default. */
    static final long SAFE_TRAP_LIMIT = 1000;

    /** The property's value if given, else whether the JVM's trap limit is at least {@link #SAFE_TRAP_LIMIT}. */
    static boolean vectorRowsByDefault(String property, long trapLimit) {
        return property != null ? Boolean.parseBoolean(property) : trapLimit >= SAFE_TRAP_LIMIT;
    }

    /** This JVM's {@code -XX:PerMethodTrapLimit}, or -1 where it cannot be read (not HotSpot). */
    static long perMethodTrapLimit() {
        try {
            return Long.parseLong(java.lang.management.ManagementFactory.getPlatformMXBean(
                    com.sun.management.HotSpotDiagnosticMXBean.class).getVMOption("PerMethodTrapLimit").getValue());
        } catch (RuntimeException | LinkageError e) {
            return -1;
        }
    }

    public LayerNorm(int axes, double eps) {
        if (axes < 1 || !(eps > 0)) {
            throw new IllegalArgumentException("LayerNorm: need axes >= 1 and eps > 0, got " + axes + ", " + eps);
        }
        this.axes = axes;
        this.eps = eps;
    }

    public Parameter gamma() {
        return gamma;
    }

    public Parameter beta() {
        return beta;
    }

    public int normalizedAxes() {
        return axes;
    }

    public double eps() {
        return eps;
    }

    @Override
    protected boolean isBuilt() {
        return gamma != null;
    }

    @Override
    protected Shape outputShapeOf(Shape input) {
        if (input.rank() < axes) {
            throw new IllegalArgumentException(describe() + ": normalises the last " + axes + " axes of " + input);
        }
        int[] d = new int[axes];
        for (int i = 0; i < axes; i++) {
            d[i] = input.dim(input.rank() - axes + i);
        }
        Shape s = Shape.of(d);
        if (gamma == null) {
            normShape = s;
            gamma = Parameter.learnable("gamma", s, Initializer.ONES, s.size(), s.size());
            beta = Parameter.learnable("beta", s, Initializer.ZEROS, s.size(), s.size());
            setTrainable(isTrainable());
        } else if (!normShape.equals(s)) {
            throw new IllegalArgumentException(describe() + ": built for " + normShape + ", given " + input);
        }
        return input;
    }

    @Override
    public Tensor forward(Tensor x, boolean training) {
        outputShapeOf(x.shape().dropFirst());
        int d = normShape.size();
        int rows = x.size() / d;
        float[] xd = x.data();
        float[] g = gamma.value().data();
        float[] b = beta.value().data();
        Tensor y = Tensor.zeros(x.shape());
        Tensor xh = Tensor.zeros(x.shape());
        float[] yd = y.data();
        float[] hd = xh.data();
        float[] rs = new float[rows];
        if (vectorRows) {
            Kernels k = KernelProvider.get();
            for (int r = 0; r < rows; r++) {
                int o = r * d;
                // two-pass statistics as batch norm's (float blocks of at most Kernels.WIDE_BLOCK added in double),
                // then the row's normalise-scale-shift pass: all three vectorised by the kernels
                float m = (float) (k.sumWide(d, xd, o) / d);
                double sq = k.sumSquaredDeviations(d, xd, o, m);
                float inv = (float) (1 / Math.sqrt(sq / d + eps));
                rs[r] = inv;
                k.layerNormRow(d, xd, o, m, inv, g, b, hd, o, yd, o);
            }
        } else {
            for (int r = 0; r < rows; r++) {
                int o = r * d;
                double sum = 0;
                for (int i = 0; i < d; i++) {
                    sum += xd[o + i];
                }
                double mean = sum / d;
                double sq = 0;
                for (int i = 0; i < d; i++) {
                    double c = xd[o + i] - mean;
                    sq += c * c;
                }
                float inv = (float) (1 / Math.sqrt(sq / d + eps));
                float m = (float) mean;
                rs[r] = inv;
                for (int i = 0; i < d; i++) {
                    float h = (xd[o + i] - m) * inv;
                    hd[o + i] = h;
                    yd[o + i] = h * g[i] + b[i];
                }
            }
        }
        xhat = GradMode.keep(xh);
        rstd = GradMode.keep(rs);
        return y;
    }

    @Override
    public Tensor backward(Tensor dy) {
        Tensor xh = fromForward(xhat);
        int d = normShape.size();
        int rows = xh.size() / d;
        float[] h = xh.data();
        float[] gy = dy.data();
        float[] g = gamma.value().data();
        float[] dg = gamma.grad().data();
        float[] db = beta.grad().data();
        Tensor dx = Tensor.zeros(xh.shape());
        float[] dxd = dx.data();
        if (vectorRows) {
            Kernels k = KernelProvider.get();
            for (int r = 0; r < rows; r++) {
                k.layerNormBackwardRow(d, gy, r * d, g, h, r * d, rstd[r], dg, db, dxd, r * d);
            }
            return dx;
        }
        for (int r = 0; r < rows; r++) {
            int o = r * d;
            double s1 = 0;
            double s2 = 0;
            for (int i = 0; i < d; i++) {
                float gh = gy[o + i] * g[i];
                s1 += gh;
                s2 += gh * h[o + i];
                dg[i] += gy[o + i] * h[o + i];
                db[i] += gy[o + i];
            }
            float m1 = (float) (s1 / d);
            float m2 = (float) (s2 / d);
            float inv = rstd[r];
            for (int i = 0; i < d; i++) {
                dxd[o + i] = inv * (gy[o + i] * g[i] - m1 - h[o + i] * m2);
            }
        }
        return dx;
    }

    @Override
    protected long macsOf(Shape input) {
        return 4L * input.size();
    }

    @Override
    public List<Parameter> parameters() {
        return gamma == null ? List.of() : List.of(gamma, beta);
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = super.config();
        c.put("axes", axes);
        c.put("eps", eps);
        return c;
    }
}

package org.convnet4j.nn.layers;

import java.util.Locale;
import java.util.Map;
import org.convnet4j.nn.GradMode;
import org.convnet4j.nn.StepBuffers;
import org.convnet4j.nn.UnaryLayer;
import org.convnet4j.ops.ConvEpilogue;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.tensor.kernels.KernelProvider;

/**
 * One element-wise function {@code y = f(x)} with its derivative: the unary ONNX operators (Exp, Sqrt, Erf,
 * HardSwish, Elu, ...) and the activations of MobileNetV3, ConvNeXt and EfficientNet, in one layer so that a
 * new function is one enum constant. Two optional constants ({@code alpha}, {@code beta}) carry a function's
 * parameters (Elu's alpha, HardSigmoid's slope and offset, Pow's exponent).
 */
public final class Elementwise extends UnaryLayer implements FusableActivation {

    /** The functions; {@code f} and {@code df} (dy/dx at x, with y = f(x) given) in double. */
    public enum Fn {
        EXP, LOG, SQRT, ABS, NEG, RECIPROCAL, FLOOR, CEIL, ERF, GELU, GELU_TANH, HARD_SIGMOID, HARD_SWISH, MISH,
        SOFTPLUS, ELU, SELU, CELU, POW, SIN, COS, SIGN, IDENTITY, SILU,
        /** Round half to even (ONNX Round). */
        ROUND;

        double f(double x, double a, double b) {
            return switch (this) {
                case EXP -> Math.exp(x);
                case LOG -> Math.log(x);
                case SQRT -> Math.sqrt(x);
                case ABS -> Math.abs(x);
                case NEG -> -x;
                case RECIPROCAL -> 1 / x;
                case FLOOR -> Math.floor(x);
                case CEIL -> Math.ceil(x);
                case ERF -> erf(x);
                case GELU -> 0.5 * x * (1 + erf(x / Math.sqrt(2)));
                case GELU_TANH -> 0.5 * x * (1 + Math.tanh(GELU_K * (x + 0.044715 * x * x * x)));
                case HARD_SIGMOID -> Math.max(0, Math.min(1, a * x + b));
                case HARD_SWISH -> x * Math.max(0, Math.min(1, x / 6 + 0.5));
                case MISH -> x * Math.tanh(softplus(x));
                case SOFTPLUS -> softplus(x);
                case ELU -> x > 0 ? x : a * Math.expm1(x);
                case SELU -> x > 0 ? b * x : b * a * Math.expm1(x);
                case CELU -> Math.max(0, x) + Math.min(0, a * Math.expm1(x / a));
                case POW -> Math.pow(x, a);
                case SIN -> Math.sin(x);
                case COS -> Math.cos(x);
                case SIGN -> Math.signum(x);
                case IDENTITY -> x;
                case SILU -> x * sigmoid(x);
                case ROUND -> Math.rint(x);
            };
        }

        double df(double x, double y, double a, double b) {
            return switch (this) {
                case EXP -> y;
                case LOG -> 1 / x;
                case SQRT -> 0.5 / y;
                case ABS -> Math.signum(x);
                case NEG -> -1;
                case RECIPROCAL -> -y * y;
                case FLOOR, CEIL, SIGN, ROUND -> 0; // piecewise constant
                case ERF -> 2 / Math.sqrt(Math.PI) * Math.exp(-x * x);
                case GELU -> 0.5 * (1 + erf(x / Math.sqrt(2))) + x * Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
                case GELU_TANH -> {
                    double u = GELU_K * (x + 0.044715 * x * x * x);
                    double t = Math.tanh(u);
                    yield 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * GELU_K * (1 + 3 * 0.044715 * x * x);
                }
                case HARD_SIGMOID -> a * x + b > 0 && a * x + b < 1 ? a : 0;
                case HARD_SWISH -> x < -3 ? 0 : x > 3 ? 1 : x / 3 + 0.5;
                case MISH -> {
                    double t = Math.tanh(softplus(x));
                    yield t + x * (1 - t * t) * sigmoid(x);
                }
                case SOFTPLUS -> sigmoid(x);
                case ELU -> x > 0 ? 1 : a * Math.exp(x);
                case SELU -> x > 0 ? b : b * a * Math.exp(x);
                case CELU -> x > 0 ? 1 : Math.exp(x / a);
                case POW -> a == 0 ? 0 : a * Math.pow(x, a - 1);
                case SIN -> Math.cos(x);
                case COS -> -Math.sin(x);
                case IDENTITY -> 1;
                case SILU -> {
                    double sg = sigmoid(x);
                    yield sg + x * sg * (1 - sg);
                }
            };
        }

        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Fn parse(String text) {
            for (Fn f : values()) {
                if (f.id().equalsIgnoreCase(text)) {
                    return f;
                }
            }
            throw new IllegalArgumentException("element-wise function '" + text + "' is not known");
        }
    }

    private static final double GELU_K = Math.sqrt(2 / Math.PI);

    private final Fn fn;
    private final double alpha;
    private final double beta;
    private Tensor x;
    private Tensor y;
    // the output and the input gradient: reused between training steps and taken from the inference buffers in
    // Model.predict, instead of a fresh zeroed array per call (ConvNeXt's GELU outputs are 4x its widest activation)
    private final StepBuffers.Slots buffers = new StepBuffers.Slots(2);

    public Elementwise(Fn fn) {
        this(fn, defaultAlpha(fn), defaultBeta(fn));
    }

    public Elementwise(Fn fn, double alpha, double beta) {
        if (fn == null) {
            throw new IllegalArgumentException("Elementwise: fn must not be null");
        }
        if (fn == Fn.CELU && alpha == 0) {
            throw new IllegalArgumentException("Elementwise celu: alpha must not be 0");
        }
        this.fn = fn;
        this.alpha = alpha;
        this.beta = beta;
    }

    /** ONNX's defaults: HardSigmoid alpha 0.2, beta 0.5; Elu/Celu alpha 1; Selu alpha 1.67326, gamma 1.0507. */
    private static double defaultAlpha(Fn fn) {
        return switch (fn) {
            case HARD_SIGMOID -> 0.2;
            case SELU -> 1.6732632423543772;
            case POW -> 1;
            default -> 1;
        };
    }

    private static double defaultBeta(Fn fn) {
        return switch (fn) {
            case HARD_SIGMOID -> 0.5;
            case SELU -> 1.0507009873554805;
            default -> 0;
        };
    }

    public Fn fn() {
        return fn;
    }

    public double alpha() {
        return alpha;
    }

    public double beta() {
        return beta;
    }

    @Override
    public String defaultName() {
        return fn.id();
    }

    @Override
    protected Shape outputShapeOf(Shape input) {
        return input;
    }

    /**
     * SiLU in double with {@code Math.exp}, rounded once (the exact path), instead of the kernels' vectorised
     * single-precision {@code Kernels.silu} (a few units in the last place away, 5-10x faster):
     * {@code -Dconvnet4j.silu.exact=true}, for accuracy checks and A/B runs.
     */
    static volatile boolean exactSilu = Boolean.getBoolean("convnet4j.silu.exact");

    /**
     * GELU in double with the table erf, rounded once (the exact path), instead of the kernels' single-precision
     * {@code Kernels.gelu} (about 1e-6 relative, several times faster): {@code -Dconvnet4j.gelu.exact=true}, for
     * accuracy checks and A/B runs.
     */
    static volatile boolean exactGelu = Boolean.getBoolean("convnet4j.gelu.exact");

    /** Values per parallel task: large activations use the kernels' threads, small ones stay on this thread. */
    private static final int CHUNK = 1 << 15;

    @Override
    public Tensor forward(Tensor input, boolean training) {
        Tensor out = buffers.overwritten(0, input.shape()); // apply writes every element
        float[] xd = input.data();
        float[] yd = out.data();
        int tasks = (xd.length + CHUNK - 1) / CHUNK;
        if (tasks > 1) {
            KernelProvider.get().parallelFor(tasks, t -> apply(xd, yd, t * CHUNK, Math.min(xd.length, (t + 1) * CHUNK)));
        } else {
            apply(xd, yd, 0, xd.length);
        }
        x = GradMode.keep(input);
        y = GradMode.keep(out);
        return out;
    }

    /** The function {@link #forward} computes, in place on a run of values. */
    @Override
    public ConvEpilogue.Activation epilogueActivation() {
        return (k, y, off, len) -> apply(y, y, off, off + len);
    }

    private void apply(float[] xd, float[] yd, int from, int to) {
        switch (fn) {
            // the hot ones (MobileNetV3, EfficientNet) without the double round trip
            case SILU -> {
                if (exactSilu) {
                    for (int i = from; i < to; i++) {
                        float v = xd[i];
                        yd[i] = (float) (v / (1.0 + Math.exp(-v)));
                    }
                } else {
                    KernelProvider.get().silu(to - from, xd, from, yd, from);
                }
            }
            case GELU -> { // ConvNeXt's (and the fused exported chain's) activation
                if (exactGelu) {
                    for (int i = from; i < to; i++) {
                        yd[i] = (float) fn.f(xd[i], alpha, beta);
                    }
                } else {
                    KernelProvider.get().gelu(to - from, xd, from, yd, from);
                }
            }
            case HARD_SWISH -> {
                for (int i = from; i < to; i++) {
                    float v = xd[i];
                    yd[i] = v * Math.max(0f, Math.min(1f, v / 6f + 0.5f));
                }
            }
            case HARD_SIGMOID -> {
                float a = (float) alpha;
                float b = (float) beta;
                for (int i = from; i < to; i++) {
                    yd[i] = Math.max(0f, Math.min(1f, a * xd[i] + b));
                }
            }
            default -> {
                for (int i = from; i < to; i++) {
                    yd[i] = (float) fn.f(xd[i], alpha, beta);
                }
            }
        }
    }

    @Override
    public Tensor backward(Tensor dy) {
        Tensor in = fromForward(x);
        Tensor dx = buffers.gradientOverwritten(1, in.shape()); // every element written below
        float[] xd = in.data();
        float[] yd = y.data();
        float[] g = dy.data();
        float[] d = dx.data();
        for (int i = 0; i < xd.length; i++) {
            d[i] = (float) (g[i] * fn.df(xd[i], yd[i], alpha, beta));
        }
        return dx;
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = super.config();
        c.put("fn", fn.id());
        c.put("alpha", alpha);
        c.put("beta", beta);
        return c;
    }

    static double sigmoid(double x) {
        return 1 / (1 + Math.exp(-x));
    }

    static double softplus(double x) {
        return x > 20 ? x : Math.log1p(Math.exp(x));
    }

    /** Grid points per unit of the erf table (|x| < 6) and Taylor coefficients kept per point. */
    private static final int ERF_STEPS = 64;
    private static final int ERF_TERMS = 8;
    private static final double[] ERF_TABLE = erfTable();

    /**
     * Per grid point x0 = i / 64 of [0, 6]: erf(x0) and erf's Taylor coefficients erf^(k)(x0) / k!, k = 1..7, with
     * erf^(k)(x) = 2 / sqrt(pi) (-1)^(k-1) H_(k-1)(x) e^(-x^2) (physicists' Hermite polynomials,
     * H_(n+1) = 2 x H_n - 2 n H_(n-1)).
     */
    private static double[] erfTable() {
        int points = 6 * ERF_STEPS + 1;
        double[] t = new double[points * ERF_TERMS];
        for (int i = 0; i < points; i++) {
            double x0 = i / (double) ERF_STEPS;
            t[i * ERF_TERMS] = erfSeries(x0);
            double g = 2 / Math.sqrt(Math.PI) * Math.exp(-x0 * x0);
            double hPrev = 0;
            double h = 1; // H_0
            double factorial = 1;
            for (int k = 1; k < ERF_TERMS; k++) {
                factorial *= k;
                t[i * ERF_TERMS + k] = ((k - 1) % 2 == 0 ? 1 : -1) * h * g / factorial;
                double next = 2 * x0 * h - 2 * (k - 1) * hPrev;
                hPrev = h;
                h = next;
            }
        }
        return t;
    }

    /**
     * The error function: below |x| = 6 a degree-7 Taylor polynomial about the nearest of the table's points
     * ({@link #erfSeries} there; {@code |x - x0| <= 1/128}, so the remainder is below 1e-18), +-1 beyond. Within
     * about 1e-13 of the series (whose own cancellation near |x| = 3 costs that much), at a few multiply-adds per
     * value instead of up to 40 series terms (ConvNeXt's GELU evaluates it for every activation).
     */
    public static double erf(double x) {
        double ax = Math.abs(x);
        if (!(ax < 6)) {
            return Double.isNaN(x) ? x : Math.signum(x);
        }
        int i = (int) (ax * ERF_STEPS + 0.5);
        double h = ax - i / (double) ERF_STEPS;
        int b = i * ERF_TERMS;
        double s = ERF_TABLE[b + ERF_TERMS - 1];
        for (int k = ERF_TERMS - 2; k >= 0; k--) {
            s = s * h + ERF_TABLE[b + k];
        }
        return Math.copySign(s, x); // erf is odd; -0 stays -0
    }

    /**
     * The error function to double precision: its Maclaurin series below |x| = 3 (at most ~40 terms, the
     * cancellation costs a few digits of 1e-16) and a continued fraction for erfc above it.
     */
    static double erfSeries(double x) {
        double ax = Math.abs(x);
        if (ax > 6) {
            return Math.signum(x);
        }
        if (ax < 3) {
            double term = x;
            double sum = x;
            double x2 = x * x;
            for (int n = 1; n < 120; n++) {
                term *= -x2 / n;
                double add = term / (2 * n + 1);
                sum += add;
                if (Math.abs(add) < 1e-17 * Math.abs(sum)) {
                    break;
                }
            }
            return 2 / Math.sqrt(Math.PI) * sum;
        }
        // erfc(x) = exp(-x^2)/sqrt(pi) * 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + ...))))), evaluated bottom up
        double f = ax;
        for (int k = 60; k >= 1; k--) {
            f = ax + (k / 2.0) / f;
        }
        double erfc = Math.exp(-ax * ax) / Math.sqrt(Math.PI) / f;
        return Math.signum(x) * (1 - erfc);
    }
}

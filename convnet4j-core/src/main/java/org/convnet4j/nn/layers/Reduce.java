package org.convnet4j.nn.layers;

import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import org.convnet4j.nn.GradMode;
import org.convnet4j.nn.UnaryLayer;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;

/**
 * Reduces per-sample axes with mean, sum, max, min, L1, L2, sum of squares or log-sum-exp (ONNX Reduce*; the
 * mean over H and W ends MnasNet and ShuffleNet, the mean over channels is half of a decomposed LayerNorm).
 * With {@code keepDims} the reduced axes stay as size 1.
 */
public final class Reduce extends UnaryLayer {

    public enum Op {
        MEAN, SUM, MAX, MIN, L1, L2, SUM_SQUARE, LOG_SUM_EXP;

        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Op parse(String text) {
            for (Op o : values()) {
                if (o.id().equalsIgnoreCase(text)) {
                    return o;
                }
            }
            throw new IllegalArgumentException("reduce op '" + text + "' is not known");
        }
    }

    private final Op op;
    private final int[] axes;
    private final boolean keepDims;
    private Tensor x;
    private Tensor y;
    private int[] map;
    private int[] arg;

    /** {@code axes} are per-sample axes (0 is the first axis after the batch). */
    public Reduce(Op op, int[] axes, boolean keepDims) {
        if (axes.length == 0) {
            throw new IllegalArgumentException("Reduce: no axes");
        }
        this.op = op;
        this.axes = axes.clone();
        Arrays.sort(this.axes);
        this.keepDims = keepDims;
    }

    public Op op() {
        return op;
    }

    public int[] axes() {
        return axes.clone();
    }

    public boolean keepDims() {
        return keepDims;
    }

    private boolean reduced(int axis) {
        return Arrays.binarySearch(axes, axis) >= 0;
    }

    private Shape kept(Shape input) {
        int[] d = input.dims().clone();
        for (int a : axes) {
            if (a < 0 || a >= d.length) {
                throw new IllegalArgumentException(describe() + ": axis " + a + " of per-sample input " + input);
            }
            d[a] = 1;
        }
        return Shape.of(d);
    }

    @Override
    protected Shape outputShapeOf(Shape input) {
        Shape k = kept(input);
        if (keepDims) {
            return k;
        }
        int[] d = new int[input.rank() - axes.length];
        for (int j = 0, i = 0; j < input.rank(); j++) {
            if (!reduced(j)) {
                d[i++] = input.dim(j);
            }
        }
        return d.length == 0 ? Shape.of(1) : Shape.of(d);
    }

    @Override
    public Tensor forward(Tensor input, boolean training) {
        Shape sample = input.shape().dropFirst();
        Shape outSample = outputShapeOf(sample);
        int n = input.dim(0);
        int[] full = input.shape().dims();
        int[] keptFull = kept(sample).prepend(n).dims();
        int[] m = Broadcasting.indexMap(keptFull, full);
        int outSize = n * outSample.size();
        int count = sample.size() / (outSample.size() == 0 ? 1 : kept(sample).size());
        double[] acc = new double[outSize];
        float[] xd = input.data();
        int[] am = null;
        switch (op) {
            case MAX, MIN -> {
                am = new int[outSize];
                Arrays.fill(am, -1);
                boolean max = op == Op.MAX;
                for (int k = 0; k < xd.length; k++) {
                    int o = m[k];
                    if (am[o] < 0 || (max ? xd[k] > xd[am[o]] : xd[k] < xd[am[o]])) {
                        am[o] = k;
                    }
                }
                for (int o = 0; o < outSize; o++) {
                    acc[o] = xd[am[o]];
                }
            }
            case LOG_SUM_EXP -> {
                double[] mx = new double[outSize];
                Arrays.fill(mx, Double.NEGATIVE_INFINITY);
                for (int k = 0; k < xd.length; k++) {
                    mx[m[k]] = Math.max(mx[m[k]], xd[k]);
                }
                for (int k = 0; k < xd.length; k++) {
                    acc[m[k]] += Math.exp(xd[k] - mx[m[k]]);
                }
                for (int o = 0; o < outSize; o++) {
                    acc[o] = mx[o] + Math.log(acc[o]);
                }
            }
            default -> {
                for (int k = 0; k < xd.length; k++) {
                    double v = xd[k];
                    acc[m[k]] += switch (op) {
                        case L1 -> Math.abs(v);
                        case L2, SUM_SQUARE -> v * v;
                        default -> v;
                    };
                }
                for (int o = 0; o < outSize; o++) {
                    if (op == Op.MEAN) {
                        acc[o] /= count;
                    } else if (op == Op.L2) {
                        acc[o] = Math.sqrt(acc[o]);
                    }
                }
            }
        }
        Tensor out = Tensor.zeros(outSample.prepend(n));
        float[] yd = out.data();
        for (int o = 0; o < outSize; o++) {
            yd[o] = (float) acc[o];
        }
        x = GradMode.keep(input);
        y = GradMode.keep(out);
        map = m;
        arg = am;
        return out;
    }

    @Override
    public Tensor backward(Tensor dy) {
        Tensor in = fromForward(x);
        Tensor dx = Tensor.zeros(in.shape());
        float[] g = dy.data();
        float[] xd = in.data();
        float[] yd = y.data();
        float[] d = dx.data();
        int count = xd.length / g.length;
        if (arg != null) {
            for (int o = 0; o < g.length; o++) {
                d[arg[o]] += g[o];
            }
            return dx;
        }
        for (int k = 0; k < xd.length; k++) {
            int o = map[k];
            d[k] = switch (op) {
                case MEAN -> g[o] / count;
                case SUM -> g[o];
                case L1 -> g[o] * Math.signum(xd[k]);
                case L2 -> yd[o] == 0 ? 0f : g[o] * xd[k] / yd[o];
                case SUM_SQUARE -> 2 * g[o] * xd[k];
                default -> (float) (g[o] * Math.exp(xd[k] - yd[o]));
            };
        }
        return dx;
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = super.config();
        c.put("op", op.id());
        IndexMapLayer.put(c, "axes", axes);
        c.put("keep_dims", keepDims);
        return c;
    }
}

package org.convnet4j.nn.layers;

import java.util.List;
import java.util.Map;
import java.util.Random;
import org.convnet4j.nn.Parameter;
import org.convnet4j.nn.UnaryLayer;
import org.convnet4j.nn.init.Initializer;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;

/**
 * LeNet-5's output layer of Euclidean radial basis function units (LeCun et al. 1998, section II.B, eq. 7):
 * unit i computes the squared distance of its input to its parameter vector,
 * {@code y_i = sum_j (x_j - w_ij)^2}, a penalty that is low when the input matches class i. This layer outputs
 * the <em>negated</em> penalties {@code -y_i} so that, like other classifier heads here, the largest output is
 * the predicted class and the outputs can be fed to softmax cross-entropy as logits; softmax cross-entropy of
 * {@code -y} is the paper's discriminative criterion (eq. 9) without its constant "rubbish class" term
 * {@code e^-j}.
 *
 * <p>The paper fixes the parameter vectors to +-1 codes (stylised 7x12 bitmaps of the digits, hence 84
 * inputs) and notes that codes drawn at random with equal probabilities for -1 and +1 would do; the bitmaps are
 * meaningless for other classes (Fashion-MNIST), so this layer draws the codes at random from {@code seed}.
 * By default they are a buffer (saved with the model, never trained, not counted as parameters), which is the
 * paper's choice; {@link #learnCentres(boolean)} makes them a learnable parameter instead. The input must lie
 * in a range where +-1 is reachable, e.g. after {@link ScaledTanh}, whose f(+-1) = +-1.
 */
public final class RbfOutput extends UnaryLayer {
    private static final long DEFAULT_SEED = 1998;

    private final int units;
    private long seed = DEFAULT_SEED;
    private boolean learnCentres;
    private int in = -1;
    private Parameter centres;
    private Tensor x;

    public RbfOutput(int units) {
        if (units < 1) {
            throw new IllegalArgumentException("RbfOutput: units must be >= 1, got " + units);
        }
        this.units = units;
    }

    /** Seed of the random +-1 codes (before the layer is built). */
    public RbfOutput seed(long s) {
        requireUnbuilt("seed");
        seed = s;
        return this;
    }

    /** Whether the centres are learned (a parameter) or fixed (a buffer, the default and the paper's). */
    public RbfOutput learnCentres(boolean on) {
        requireUnbuilt("learnCentres");
        learnCentres = on;
        return this;
    }

    public int units() {
        return units;
    }

    /** The centres [units, in]: a buffer unless {@link #learnCentres(boolean)} (null until built). */
    public Parameter centres() {
        return centres;
    }

    @Override
    protected Shape outputShapeOf(Shape input) {
        if (input.rank() != 1) {
            throw new IllegalArgumentException(describe() + ": expects a flat input [features], got " + input);
        }
        if (in == -1) {
            in = input.dim(0);
            Shape shape = Shape.of(units, in);
            if (learnCentres) {
                // a model seed re-draws learnable codes; they stay +-1 either way
                centres = Parameter.learnable("centres", shape, Initializer.named("random_signs",
                        (t, fanIn, fanOut, r) -> fillSigns(t, r)), in, units);
            } else {
                Tensor codes = Tensor.zeros(shape);
                fillSigns(codes, new Random(seed));
                centres = Parameter.buffer("centres", codes);
            }
            setTrainable(isTrainable());
        } else if (in != input.dim(0)) {
            throw new IllegalArgumentException(describe() + ": built for " + in + " input features, given " + input.dim(0));
        }
        return Shape.of(units);
    }

    private static void fillSigns(Tensor t, Random r) {
        float[] d = t.data();
        for (int i = 0; i < d.length; i++) {
            d[i] = r.nextBoolean() ? 1f : -1f;
        }
    }

    @Override
    public Tensor forward(Tensor input, boolean training) {
        if (in == -1) {
            throw new IllegalStateException(describe() + ": not built yet; add it to a model (or call outputShape) first");
        }
        requireSample(input, Shape.of(in));
        x = input;
        int n = input.dim(0);
        Tensor y = Tensor.zeros(n, units);
        float[] xd = input.data();
        float[] w = centres.value().data();
        float[] yd = y.data();
        for (int s = 0; s < n; s++) {
            for (int i = 0; i < units; i++) {
                double d2 = 0;
                for (int j = 0; j < in; j++) {
                    double diff = xd[s * in + j] - w[i * in + j];
                    d2 += diff * diff;
                }
                yd[s * units + i] = (float) -d2;
            }
        }
        return y;
    }

    /** With out_i = -sum_j (x_j - w_ij)^2: d out_i / d x_j = -2 (x_j - w_ij), d out_i / d w_ij = 2 (x_j - w_ij). */
    @Override
    public Tensor backward(Tensor dy) {
        if (x == null) {
            throw new IllegalStateException(describe() + ": backward before forward");
        }
        int n = x.dim(0);
        Tensor.requireSameShape(describe() + " backward", Tensor.zeros(n, units), dy);
        Tensor dx = Tensor.zeros(n, in);
        float[] xd = x.data();
        float[] w = centres.value().data();
        float[] g = dy.data();
        float[] dxd = dx.data();
        float[] dw = centres.isLearnable() ? centres.grad().data() : null;
        for (int s = 0; s < n; s++) {
            for (int i = 0; i < units; i++) {
                float gi = 2f * g[s * units + i];
                for (int j = 0; j < in; j++) {
                    float diff = xd[s * in + j] - w[i * in + j];
                    dxd[s * in + j] -= gi * diff;
                    if (dw != null) {
                        dw[i * in + j] += gi * diff;
                    }
                }
            }
        }
        return dx;
    }

    @Override
    protected long macsOf(Shape input) {
        return (long) input.size() * units;
    }

    @Override
    public List<Parameter> parameters() {
        return centres == null ? List.of() : List.of(centres);
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = super.config();
        c.put("units", units);
        c.put("seed", seed);
        c.put("learn_centres", learnCentres);
        return c;
    }

    @Override
    protected boolean isBuilt() {
        return in != -1;
    }
}

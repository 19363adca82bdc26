package org.convnet4j.nn.layers;

import java.util.Map;
import java.util.Random;
import org.convnet4j.nn.UnaryLayer;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;

/**
 * Inverted dropout: in training each value is kept with probability {@code 1 - rate} and scaled by
 * {@code 1/(1 - rate)}, so inference is the identity and needs no rescaling.
 *
 * <p>Randomness: every layer draws its masks from its own {@link Random}, seeded with {@link #seed(long)}
 * (default: a fixed constant, so runs repeat). Re-seeding restarts the mask
 * sequence, which makes a training run reproducible.
 *
 * <p>Test hook: {@link #freezeMask(boolean) freezeMask(true)} makes every training forward pass reuse the
 * last drawn mask (one is drawn if there is none yet, or if the input shape changed). Finite-difference
 * gradient checks run the forward pass many times and need the same mask each time; training code should
 * never freeze the mask.
 */
public final class Dropout extends UnaryLayer {
    private final double rate;
    private long seed;
    private Random random;
    private boolean maskFrozen;
    private float[] mask;     // 0 or 1/(1-rate) per element, of the last training pass
    private boolean lastWasIdentity = true;
    private Shape maskShape;

    public Dropout(double rate) {
        if (!(rate >= 0 && rate < 1)) {
            throw new IllegalArgumentException("Dropout: rate must be in [0, 1), got " + rate);
        }
        this.rate = rate;
        seed(0x5EEDL);
    }

    public double rate() {
        return rate;
    }

    /** Restarts the mask sequence from {@code value}. */
    public Dropout seed(long value) {
        this.seed = value;
        this.random = new Random(value);
        return this;
    }

    public long seed() {
        return seed;
    }

    /** Test hook (see the class comment): reuse the last mask for every training forward pass. */
    public Dropout freezeMask(boolean frozen) {
        this.maskFrozen = frozen;
        return this;
    }

    /** The mask of the last training pass (0 or the keep-scale 1/(1-rate) per element), or null if none. */
    public float[] lastMask() {
        return mask == null ? null : mask.clone();
    }

    @Override
    protected Shape outputShapeOf(Shape input) {
        return input;
    }

    @Override
    public Tensor forward(Tensor x, boolean training) {
        if (!training || rate == 0) {
            lastWasIdentity = true;
            return x;
        }
        lastWasIdentity = false;
        if (!maskFrozen || mask == null || !x.shape().equals(maskShape)) {
            float scale = (float) (1.0 / (1.0 - rate));
            mask = new float[x.size()];
            for (int i = 0; i < mask.length; i++) {
                mask[i] = random.nextDouble() >= rate ? scale : 0f;
            }
            maskShape = x.shape();
        }
        Tensor y = Tensor.zeros(x.shape());
        float[] a = x.data();
        float[] b = y.data();
        for (int i = 0; i < a.length; i++) {
            b[i] = a[i] * mask[i];
        }
        return y;
    }

    @Override
    public Tensor backward(Tensor dy) {
        if (lastWasIdentity) {
            return dy; // identity pass: the gradient flows through unchanged
        }
        Tensor dx = Tensor.zeros(dy.shape());
        float[] g = dy.data();
        float[] d = dx.data();
        for (int i = 0; i < g.length; i++) {
            d[i] = g[i] * mask[i];
        }
        return dx;
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = super.config();
        c.put("rate", rate);
        c.put("seed", seed);
        return c;
    }
}

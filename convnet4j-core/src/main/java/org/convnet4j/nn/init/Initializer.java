package org.convnet4j.nn.init;

import java.util.Random;
import org.convnet4j.tensor.Tensor;

/**
 * Fills a parameter tensor with starting values. {@code fanIn} is the number of inputs feeding one output
 * unit (in-channels x kernel area for a convolution), {@code fanOut} the number of outputs one input feeds.
 * The same random source gives the same values, so a seed fixes a model's initial state.
 */
@FunctionalInterface
public interface Initializer {
    void fill(Tensor t, int fanIn, int fanOut, Random random);

    /** The name used in saved architectures and on the command line. */
    default String id() {
        return "custom";
    }

    /** He et al. 2015 normal: N(0, 2/fanIn) — for ReLU networks. */
    Initializer HE_NORMAL = named("he_normal", (t, in, out, r) -> normal(t, Math.sqrt(2.0 / in), r));
    /** He uniform: U(-sqrt(6/fanIn), sqrt(6/fanIn)). */
    Initializer HE_UNIFORM = named("he_uniform", (t, in, out, r) -> uniform(t, Math.sqrt(6.0 / in), r));
    /** Glorot and Bengio 2010 uniform: U(-sqrt(6/(fanIn+fanOut)), +...). Keras' default. */
    Initializer GLOROT_UNIFORM = named("glorot_uniform", (t, in, out, r) -> uniform(t, Math.sqrt(6.0 / (in + out)), r));
    /** Glorot normal: N(0, 2/(fanIn+fanOut)). */
    Initializer GLOROT_NORMAL = named("glorot_normal", (t, in, out, r) -> normal(t, Math.sqrt(2.0 / (in + out)), r));
    /** LeCun normal: N(0, 1/fanIn) — for sigmoid/tanh/SELU networks. */
    Initializer LECUN_NORMAL = named("lecun_normal", (t, in, out, r) -> normal(t, Math.sqrt(1.0 / in), r));
    /** LeCun uniform: U(-sqrt(3/fanIn), +...). */
    Initializer LECUN_UNIFORM = named("lecun_uniform", (t, in, out, r) -> uniform(t, Math.sqrt(3.0 / in), r));
    Initializer ZEROS = named("zeros", (t, in, out, r) -> t.fill(0f));
    Initializer ONES = named("ones", (t, in, out, r) -> t.fill(1f));

    /** Looks an initializer up by {@link #id()}. */
    static Initializer byId(String id) {
        for (Initializer i : new Initializer[] {HE_NORMAL, HE_UNIFORM, GLOROT_UNIFORM, GLOROT_NORMAL, LECUN_NORMAL,
                LECUN_UNIFORM, ZEROS, ONES}) {
            if (i.id().equals(id)) {
                return i;
            }
        }
        throw new IllegalArgumentException("unknown initializer '" + id + "'; known: he_normal, he_uniform, "
                + "glorot_uniform, glorot_normal, lecun_normal, lecun_uniform, zeros, ones");
    }

    static Initializer named(String id, Initializer body) {
        return new Initializer() {
            @Override
            public void fill(Tensor t, int fanIn, int fanOut, Random random) {
                body.fill(t, fanIn, fanOut, random);
            }

            @Override
            public String id() {
                return id;
            }

            @Override
            public String toString() {
                return id;
            }
        };
    }

    private static void normal(Tensor t, double std, Random r) {
        float[] d = t.data();
        for (int i = 0; i < d.length; i++) {
            d[i] = (float) (r.nextGaussian() * std);
        }
    }

    private static void uniform(Tensor t, double limit, Random r) {
        float[] d = t.data();
        for (int i = 0; i < d.length; i++) {
            d[i] = (float) ((r.nextDouble() * 2 - 1) * limit);
        }
    }
}

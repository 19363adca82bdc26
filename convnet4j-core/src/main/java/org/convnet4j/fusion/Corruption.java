package org.convnet4j.fusion;

import java.util.List;
import java.util.Random;
import org.convnet4j.data.Dataset;
import org.convnet4j.tensor.Shape;

/**
 * A test-time corruption of one input, to measure how a fusion model copes when a sensor is noisy or gone.
 * Deterministic: the noise of sample i is drawn from a source seeded by (seed, i), so every model sees the
 * same corrupted samples.
 */
public interface Corruption {
    /** Changes sample {@code index} in place (values[off .. off+size)). */
    void corrupt(int index, float[] values, int off, int size);

    /** A short label for tables, e.g. "noise 0.5". */
    String label();

    /** Additive Gaussian noise of standard deviation {@code std}. */
    static Corruption gaussianNoise(double std, long seed) {
        if (!(std >= 0)) {
            throw new IllegalArgumentException("Corruption: noise std must be >= 0, got " + std);
        }
        return new Corruption() {
            @Override
            public void corrupt(int index, float[] v, int off, int size) {
                Random r = new Random(seed * 0x9E3779B97F4A7C15L + index);
                for (int i = 0; i < size; i++) {
                    v[off + i] += (float) (std * r.nextGaussian());
                }
            }

            @Override
            public String label() {
                return "noise " + std;
            }
        };
    }

    /** A corruption of the input named {@code input}; {@link #label()} reads "INPUT LABEL". */
    record Named(String input, Corruption corruption) {
        /** "INPUT noise 0.5", "INPUT missing (zeros)". */
        public String label() {
            return input + " " + corruption.label();
        }
    }

    /**
     * Parses {@code noise:STD} (Gaussian noise, seed 7) or {@code zeros}; anything else is an
     * IllegalArgumentException.
     */
    static Corruption parse(String s) {
        if (s.equalsIgnoreCase("zeros")) {
            return zeros();
        }
        if (s.toLowerCase(java.util.Locale.ROOT).startsWith("noise:")) {
            try {
                return gaussianNoise(Double.parseDouble(s.substring(6)), 7);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'" + s + "': the noise level must be a number");
            }
        }
        throw new IllegalArgumentException("'" + s + "' is not noise:STD or zeros");
    }

    /** Parses {@code NAME=noise:STD} or {@code NAME=zeros}. */
    static Named parseNamed(String s) {
        int eq = s.indexOf('=');
        if (eq <= 0) {
            throw new IllegalArgumentException("give NAME=noise:STD or NAME=zeros, got '" + s + "'");
        }
        return new Named(s.substring(0, eq), parse(s.substring(eq + 1)));
    }

    /** The input is missing: all zeros. */
    static Corruption zeros() {
        return new Corruption() {
            @Override
            public void corrupt(int index, float[] v, int off, int size) {
                java.util.Arrays.fill(v, off, off + size, 0f);
            }

            @Override
            public String label() {
                return "missing (zeros)";
            }
        };
    }

    /** {@code base} with this corruption applied to every sample it gives. */
    default Dataset apply(Dataset base) {
        Corruption self = this;
        return new Dataset() {
            @Override
            public int size() {
                return base.size();
            }

            @Override
            public Shape sampleShape() {
                return base.sampleShape();
            }

            @Override
            public int numClasses() {
                return base.numClasses();
            }

            @Override
            public List<String> classNames() {
                return base.classNames();
            }

            @Override
            public void copySample(int index, float[] dest, int destOff) {
                copySample(index, dest, destOff, null);
            }

            @Override
            public void copySample(int index, float[] dest, int destOff, Random random) {
                base.copySample(index, dest, destOff, random);
                self.corrupt(index, dest, destOff, base.sampleShape().size());
            }

            @Override
            public int label(int index) {
                return base.label(index);
            }
        };
    }
}

package org.convnet4j.transfer;

import java.util.Locale;
import org.convnet4j.data.Dataset;
import org.convnet4j.data.Datasets;
import org.convnet4j.fusion.LogisticRegression;
import org.convnet4j.nn.Sequential;
import org.convnet4j.tensor.RowOps;

/**
 * A linear probe of how well a base model's features suit a target: a logistic regression is trained on the base's
 * penultimate features of a small labelled sample of the target and tested on held-out samples; the same probe on
 * the raw pixels is the yardstick. Features that separate the target's classes at least about as well as pixels do
 * were learnt on similar data; features far worse than pixels threw away what the target needs.
 *
 * <p>Both inputs are standardised per column (with the probe's training statistics) so that one L2 strength and
 * iteration budget suit both, and the probe's split is stratification-free but seeded.
 */
public final class LinearProbe {
    /** Samples used at most (two thirds train the probe, one third tests it). */
    public static final int DEFAULT_SAMPLES = 600;
    /** Features count as similar if their probe is at most this much less accurate than the pixel probe. */
    public static final double MARGIN = 0.05;

    private static final double L2 = 1e-3;
    private static final int ITERATIONS = 200;

    /** The two probe accuracies on the same held-out samples. */
    public record Result(double featureAccuracy, double pixelAccuracy, int trainSamples, int testSamples, String layer) {
        /** featureAccuracy - pixelAccuracy: about 0 or above for similar data, clearly negative for dissimilar. */
        public double gain() {
            return featureAccuracy - pixelAccuracy;
        }

        public boolean similar() {
            return gain() >= -MARGIN;
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "linear probe on '%s' features %.3f vs raw pixels %.3f (%d train, %d test)",
                    layer, featureAccuracy, pixelAccuracy, trainSamples, testSamples);
        }
    }

    private LinearProbe() {
    }

    /** Probes {@code layer} of {@code base} on at most {@code samples} images of {@code target}. */
    public static Result measure(Sequential base, String layer, Dataset target, int samples, long seed) {
        if (target.numClasses() < 2) {
            throw new IllegalArgumentException("linear probe: the target needs at least 2 classes, got "
                    + target.classNames());
        }
        Dataset sample = Datasets.shuffle(target, seed);
        if (samples > 0 && samples < sample.size()) {
            sample = Datasets.subset(sample, samples);
        }
        if (sample.size() < 6) {
            throw new IllegalArgumentException("linear probe: " + sample.size() + " samples are too few (need 6)");
        }
        Datasets.Split split = Datasets.split(sample, 1 / 3.0, seed + 1);
        Features trainF = FeatureExtractor.extract(Transfer.cutAt(base, layer), split.train(), 256,
                FeatureExtractor.Progress.NONE);
        Features testF = FeatureExtractor.extract(Transfer.cutAt(base, layer), split.validation(), 256,
                FeatureExtractor.Progress.NONE);
        double feat = probe(rows(trainF), trainF.labels(), rows(testF), testF.labels(), target.numClasses());
        double pix = probe(pixels(split.train()), labels(split.train()), pixels(split.validation()),
                labels(split.validation()), target.numClasses());
        return new Result(feat, pix, split.train().size(), split.validation().size(), layer);
    }

    /** Test accuracy of a logistic regression trained on standardised {@code x}. */
    static double probe(double[][] x, int[] y, double[][] tx, int[] ty, int classes) {
        int d = x[0].length;
        double[] mean = new double[d];
        double[] sd = new double[d];
        for (double[] r : x) {
            for (int j = 0; j < d; j++) {
                mean[j] += r[j];
            }
        }
        for (int j = 0; j < d; j++) {
            mean[j] /= x.length;
        }
        for (double[] r : x) {
            for (int j = 0; j < d; j++) {
                sd[j] += (r[j] - mean[j]) * (r[j] - mean[j]);
            }
        }
        for (int j = 0; j < d; j++) {
            sd[j] = Math.sqrt(sd[j] / x.length);
            sd[j] = sd[j] < 1e-8 ? 1 : sd[j]; // constant columns (dead units, border pixels) stay 0
        }
        standardise(x, mean, sd);
        standardise(tx, mean, sd);
        LogisticRegression lr = LogisticRegression.fit(x, y, classes, L2, ITERATIONS);
        int right = 0;
        for (int i = 0; i < tx.length; i++) {
            double[] p = lr.probabilities(tx[i]);
            right += RowOps.argmax(p) == ty[i] ? 1 : 0;
        }
        return right / (double) tx.length;
    }

    private static void standardise(double[][] x, double[] mean, double[] sd) {
        for (double[] r : x) {
            for (int j = 0; j < r.length; j++) {
                r[j] = (r[j] - mean[j]) / sd[j];
            }
        }
    }

    private static double[][] rows(Features f) {
        double[][] out = new double[f.size()][f.dim()];
        for (int i = 0; i < f.size(); i++) {
            for (int j = 0; j < f.dim(); j++) {
                out[i][j] = f.values()[i * f.dim() + j];
            }
        }
        return out;
    }

    private static double[][] pixels(Dataset d) {
        int size = d.sampleShape().size();
        float[] buf = new float[size];
        double[][] out = new double[d.size()][size];
        for (int i = 0; i < d.size(); i++) {
            d.copySample(i, buf, 0);
            for (int j = 0; j < size; j++) {
                out[i][j] = buf[j];
            }
        }
        return out;
    }

    private static int[] labels(Dataset d) {
        int[] y = new int[d.size()];
        for (int i = 0; i < y.length; i++) {
            y[i] = d.label(i);
        }
        return y;
    }
}

package org.convnet4j.transfer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.convnet4j.data.ArrayDataset;
import org.convnet4j.data.Dataset;
import org.convnet4j.nn.Sequential;
import org.convnet4j.nn.layers.Dense;
import org.convnet4j.nn.layers.Flatten;
import org.convnet4j.tensor.Shape;
import org.junit.jupiter.api.Test;

class TransferAdvisorTest {
    private static final int DIM = 16;
    /** The source: every pixel mean 0, variance 1 (as if measured on many pictures). */
    private static final FeatureStatistics SOURCE = new FeatureStatistics(FeatureStatistics.INPUT, 100000,
            new double[DIM], filled(1.0));

    private static double[] filled(double v) {
        double[] a = new double[DIM];
        java.util.Arrays.fill(a, v);
        return a;
    }

    /** n pictures whose pixels are N(mu, 1): the true shift is |mu| (means move by mu, spreads stay). */
    private static Dataset target(int n, double mu, long seed) {
        Random r = new Random(seed);
        float[] x = new float[n * DIM];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (mu + r.nextGaussian());
        }
        return ArrayDataset.ofFloats(x, Shape.of(1, 4, 4), new int[n], List.of("a"));
    }

    private static Sequential base() {
        Sequential s = new Sequential(Shape.of(1, 4, 4), new Flatten().named("flatten"), new Dense(2).named("fc"));
        s.initialize(1);
        return s;
    }

    @Test
    void verdictsFollowTheIntervalAndAreStableAcrossSampleSizes() {
        TransferAdvisor.Assessment near = TransferAdvisor.assess(base(), SOURCE, target(800, 0.5, 1), 3);
        assertEquals(TransferAdvisor.Similarity.SIMILAR, near.verdict(), near.toString());
        TransferAdvisor.Assessment far = TransferAdvisor.assess(base(), SOURCE, target(800, 1.5, 2), 3);
        assertEquals(TransferAdvisor.Similarity.DISSIMILAR, far.verdict(), far.toString());
        assertTrue(far.low() <= far.shift() && far.shift() <= far.high(), far.toString());
        // at the threshold with few pictures: the interval straddles it
        TransferAdvisor.Assessment edge = TransferAdvisor.assess(base(), SOURCE, target(12, 1.0, 4), 3);
        assertEquals(TransferAdvisor.Similarity.UNCERTAIN, edge.verdict(), edge.toString());
        // the bias correction: 15 pictures of the same data estimate about the same shift as 800
        double small = TransferAdvisor.assess(base(), SOURCE, target(15, 0.5, 5), 3).shift();
        assertEquals(near.shift(), small, 0.2);
        assertEquals(0.5, near.shift(), 0.08);
        assertTrue(edge.toString().startsWith("pixel shift"), edge.toString());
    }

    @Test
    void uncertainUsesThePointEstimatesRowAndSaysToTry() {
        TransferAdvisor.Assessment edge = new TransferAdvisor.Assessment(FeatureStatistics.INPUT, 0.97, 0.9, 1.05, 50,
                TransferAdvisor.Similarity.UNCERTAIN);
        TransferAdvisor.Recommendation r = TransferAdvisor.measured(300, edge);
        assertEquals(TransferAdvisor.Similarity.UNCERTAIN, r.similarity());
        assertEquals(TransferCase.FINE_TUNE_LAST, r.transferCase()); // medium, similar by the point estimate
        assertTrue(r.reasons().stream().anyMatch(s -> s.contains("--try")), r.reasons().toString());
    }

    @Test
    void theBestMeasuredCaseWinsAndTiesGoToTheCheaper() {
        java.util.Map<String, Double> m = new java.util.LinkedHashMap<>();
        m.put("1", 0.9);
        m.put("1-early", 0.85);
        m.put("2", 0.9);
        m.put("3", 0.93);
        assertEquals("3", TransferAdvisor.best(m));
        m.put("3", 0.9);
        assertEquals("1", TransferAdvisor.best(m));
    }
}

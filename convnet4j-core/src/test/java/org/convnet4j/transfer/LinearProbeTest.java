package org.convnet4j.transfer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.convnet4j.data.ArrayDataset;
import org.convnet4j.nn.Sequential;
import org.convnet4j.nn.layers.Dense;
import org.convnet4j.nn.layers.Flatten;
import org.convnet4j.nn.layers.ReLU;
import org.convnet4j.tensor.Shape;
import org.junit.jupiter.api.Test;

class LinearProbeTest {
    /** Two classes told apart by pixel 0 only (above or below 0); the other 15 pixels are noise. */
    static ArrayDataset twoClasses(int n, long seed) {
        Random r = new Random(seed);
        float[] x = new float[n * 16];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = i % 2;
            for (int j = 0; j < 16; j++) {
                x[i * 16 + j] = (float) r.nextGaussian();
            }
            x[i * 16] = (y[i] == 1 ? 2f : -2f) + 0.3f * (float) r.nextGaussian();
        }
        return ArrayDataset.ofFloats(x, Shape.of(1, 4, 4), y, List.of("neg", "pos"));
    }

    /** flatten -> dense(4) -> relu -> dense(2), with the first dense set by hand. */
    static Sequential base(boolean seesPixel0) {
        Sequential s = new Sequential(Shape.of(1, 4, 4), new Flatten().named("flat"), new Dense(4).named("fc1"),
                new ReLU().named("act"), new Dense(2).named("head"));
        s.initialize(1);
        float[] w = ((Dense) s.layer("fc1")).kernel().value().data(); // [4, 16]
        java.util.Arrays.fill(w, 0f);
        // unit 0 = relu(pixel0), unit 1 = relu(-pixel0): together they keep the sign; or copy noise pixels
        int from = seesPixel0 ? 0 : 5;
        w[from] = 1f;
        w[16 + from] = -1f;
        w[2 * 16 + 7] = 1f;
        w[3 * 16 + 9] = 1f;
        java.util.Arrays.fill(((Dense) s.layer("fc1")).bias().value().data(), 0f);
        return s;
    }

    @Test
    void featuresThatKeepTheSignalMatchPixelsAndFeaturesThatLoseItDoNot() {
        ArrayDataset data = twoClasses(300, 3);
        LinearProbe.Result good = LinearProbe.measure(base(true), "act", data, 300, 5);
        LinearProbe.Result bad = LinearProbe.measure(base(false), "act", data, 300, 5);
        assertEquals(200, good.trainSamples());
        assertEquals(100, good.testSamples());
        // the pixel probe is the same for both bases (same samples, same split)
        assertEquals(good.pixelAccuracy(), bad.pixelAccuracy());
        assertTrue(good.pixelAccuracy() > 0.95, good.toString());
        assertTrue(good.featureAccuracy() > 0.95 && good.similar(), good.toString());
        assertTrue(bad.featureAccuracy() < 0.7 && !bad.similar(), bad.toString()); // features without pixel 0: chance
    }

    @Test
    void theProbeDecidesTheAdvisorsSimilarity() {
        LinearProbe.Result lose = new LinearProbe.Result(0.70, 0.90, 200, 100, "act4");
        LinearProbe.Result keep = new LinearProbe.Result(0.88, 0.90, 200, 100, "act4");
        // a small shift says similar, the probe overrules it
        TransferAdvisor.Recommendation r = TransferAdvisor.measured(50, 0.5, lose);
        assertEquals(TransferAdvisor.Similarity.DISSIMILAR, r.similarity());
        assertTrue(r.earlyCut());
        assertEquals(0.70, r.figures().get("probe_feature_accuracy"));
        assertEquals(0.5, r.figures().get("feature_shift"));
        assertEquals(TransferAdvisor.Similarity.SIMILAR, TransferAdvisor.measured(50, 3.0, keep).similarity());
        // without statistics (NaN shift) the probe alone
        assertEquals(TransferAdvisor.Similarity.SIMILAR, TransferAdvisor.measured(50, Double.NaN, keep).similarity());
        assertTrue(!TransferAdvisor.measured(50, Double.NaN, keep).figures().containsKey("feature_shift"));
    }
}

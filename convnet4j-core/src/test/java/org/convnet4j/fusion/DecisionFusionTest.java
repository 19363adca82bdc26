package org.convnet4j.fusion;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.convnet4j.nn.layers.DecisionFusion;
import org.convnet4j.nn.layers.DecisionFusion.Mode;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** The late-fusion combiners on hand-made probabilities, checked against sums worked out by hand. */
class DecisionFusionTest {
    // two members, three classes, one sample
    private static final double[] P1 = {0.6, 0.3, 0.1};
    private static final double[] P2 = {0.1, 0.5, 0.4};

    /** Logits whose softmax is exactly p: log p. */
    private static Tensor logits(double[]... rows) {
        double[][] l = new double[rows.length][];
        for (int i = 0; i < rows.length; i++) {
            l[i] = new double[rows[i].length];
            for (int c = 0; c < rows[i].length; c++) {
                l[i][c] = Math.log(rows[i][c]);
            }
        }
        return Tensor.fromRows(l);
    }

    private static double[] fused(DecisionFusion f, double[][] members) {
        List<Tensor> in = new java.util.ArrayList<>();
        for (double[] m : members) {
            in.add(logits(m));
        }
        Tensor out = f.forward(in, false);
        double[] p = new double[out.dim(1)];
        for (int c = 0; c < p.length; c++) {
            p[c] = Math.exp(out.get(0, c));
        }
        return p;
    }

    private static DecisionFusion built(Mode mode, int members) {
        DecisionFusion f = new DecisionFusion(mode);
        f.outputShape(java.util.Collections.nCopies(members, Shape.of(3)));
        return f;
    }

    @Test
    void meanMaxProductAndVoteByHand() {
        double[][] m = {P1, P2};
        assertArrayEquals(new double[] {0.35, 0.4, 0.25}, fused(built(Mode.MEAN, 2), m), 1e-6);
        // max: (0.6, 0.5, 0.4) / 1.5
        assertArrayEquals(new double[] {0.4, 1 / 3.0, 0.4 / 1.5}, fused(built(Mode.MAX, 2), m), 1e-6);
        // product: sqrt(p1 p2) normalised: sqrt(.06), sqrt(.15), sqrt(.04)
        double a = Math.sqrt(0.06);
        double b = Math.sqrt(0.15);
        double c = Math.sqrt(0.04);
        double s = a + b + c;
        assertArrayEquals(new double[] {a / s, b / s, c / s}, fused(built(Mode.PRODUCT, 2), m), 1e-6);
        // vote of three members: class 0, class 1, class 1 -> class 1 wins even though the mean prefers class 0
        double[] p3 = {0.34, 0.36, 0.30};
        double[] q1 = {0.98, 0.01, 0.01};
        double[] vote = fused(built(Mode.VOTE, 3), new double[][] {q1, P2, p3});
        double[] mean = fused(built(Mode.MEAN, 3), new double[][] {q1, P2, p3});
        assertEquals(1, argmax(vote));
        assertEquals(0, argmax(mean));
        assertEquals(2 / 3.0, vote[1], 1e-3);
        // a tie in votes (one each for classes 0 and 1) goes to the higher mean probability: class 1 (0.4 > 0.35)
        assertEquals(1, argmax(fused(built(Mode.VOTE, 2), m)));
    }

    @Test
    void weightedUsesItsWeightsAndRefusesBadOnes() {
        DecisionFusion f = built(Mode.WEIGHTED, 2);
        assertArrayEquals(new double[] {0.35, 0.4, 0.25}, fused(f, new double[][] {P1, P2}), 1e-6); // starts as mean
        f.setWeights(new float[] {0.8f, 0.2f});
        assertArrayEquals(new double[] {0.5, 0.34, 0.16}, fused(f, new double[][] {P1, P2}), 1e-6);
        assertThrows(IllegalArgumentException.class, () -> f.setWeights(new float[] {-1f, 2f}));
        assertThrows(IllegalArgumentException.class, () -> f.setWeights(new float[] {0f, 0f}));
        assertThrows(IllegalArgumentException.class, () -> f.setWeights(new float[] {1f}));
        assertThrows(IllegalStateException.class, () -> f.backwardAll(Tensor.zeros(1, 3)));
    }

    @Test
    void weightSearchTrustsTheReliableMember() {
        // member 0 is right on 90% of the samples, member 1 (confident) on 50%: its confident mistakes would
        // outvote member 0 in a plain mean, so the fitted weight of member 0 must be larger
        int n = 200;
        double[][][] probs = new double[2][n][3];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = i % 3;
            int wrong = (labels[i] + 1) % 3;
            probs[0][i] = onehotish(i % 10 == 0 ? wrong : labels[i], 0.6);
            probs[1][i] = onehotish(i % 2 == 0 ? wrong : labels[i], 0.95);
        }
        double[] meanScore = WeightSearch.score(probs, labels, new double[] {0.5, 0.5});
        double[] w = WeightSearch.fit(probs, labels);
        double[] fitted = WeightSearch.score(probs, labels, w);
        assertEquals(1.0, w[0] + w[1], 1e-9);
        assertTrue(w[0] > w[1], java.util.Arrays.toString(w));
        assertEquals(0.9, fitted[0], 1e-9);
        assertTrue(meanScore[0] < 0.9, "the plain mean should suffer: " + meanScore[0]);
    }

    @Test
    void stackingLearnsAMemberThatIsConsistentlyOff() {
        // member 1 always says "label + 1": useless for a mean, perfect for a meta-classifier
        int n = 150;
        double[][][] probs = new double[2][n][3];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = i % 3;
            probs[0][i] = new double[] {1 / 3.0, 1 / 3.0, 1 / 3.0};
            probs[1][i] = onehotish((labels[i] + 1) % 3, 0.8);
        }
        LogisticRegression lr = LogisticRegression.fit(LateFusion.stackFeatures(probs), labels, 3, 1e-3, 500);
        DecisionFusion f = built(Mode.STACK, 2);
        float[] w = new float[3 * 6];
        for (int c = 0; c < 3; c++) {
            for (int j = 0; j < 6; j++) {
                w[c * 6 + j] = (float) lr.weights()[c][j];
            }
        }
        float[] bias = new float[3];
        for (int c = 0; c < 3; c++) {
            bias[c] = (float) lr.bias()[c];
        }
        f.setMetaClassifier(Tensor.wrap(w, 3, 6), Tensor.wrap(bias, 3));
        for (int i = 0; i < 3; i++) {
            double[] p = fused(f, new double[][] {probs[0][i], probs[1][i]});
            assertEquals(labels[i], argmax(p), "sample " + i);
            assertEquals(argmax(lr.probabilities(LateFusion.stackFeatures(probs)[i])), argmax(p));
        }
        assertEquals(0, argmax(fused(built(Mode.MEAN, 2), new double[][] {probs[0][2], probs[1][2]}))); // mean: wrong
    }

    @Test
    void logisticRegressionGradientMatchesFiniteDifferences() {
        double[][] x = {{0.2, 0.9}, {0.7, 0.1}, {0.5, 0.5}, {0.9, 0.3}};
        int[] y = {0, 1, 2, 1};
        double[][] w = {{0.3, -0.2}, {0.1, 0.4}, {-0.5, 0.2}};
        double[] b = {0.1, 0.0, -0.1};
        double[][] gw = new double[3][2];
        double[] gb = new double[3];
        LogisticRegression.lossAndGradient(x, y, w, b, 0.01, gw, gb);
        double h = 1e-6;
        for (int c = 0; c < 3; c++) {
            for (int j = 0; j < 2; j++) {
                double saved = w[c][j];
                w[c][j] = saved + h;
                double plus = LogisticRegression.lossAndGradient(x, y, w, b, 0.01, new double[3][2], new double[3]);
                w[c][j] = saved - h;
                double minus = LogisticRegression.lossAndGradient(x, y, w, b, 0.01, new double[3][2], new double[3]);
                w[c][j] = saved;
                assertEquals((plus - minus) / (2 * h), gw[c][j], 1e-7);
            }
        }
    }

    private static double[] onehotish(int c, double p) {
        double[] v = new double[3];
        java.util.Arrays.fill(v, (1 - p) / 2);
        v[c] = p;
        return v;
    }

    private static int argmax(double[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }
}

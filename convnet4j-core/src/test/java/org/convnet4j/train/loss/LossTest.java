package org.convnet4j.train.loss;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Random;
import java.util.function.Function;
import org.convnet4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

class LossTest {

    /** Central finite differences of a loss value with respect to each output element, in double steps. */
    private static void assertGradientMatchesFiniteDifferences(Function<Tensor, Loss.LossValue> loss, Tensor out,
                                                               double tolerance) {
        Tensor analytic = loss.apply(out).gradient();
        float[] o = out.data();
        for (int i = 0; i < o.length; i++) {
            float keep = o[i];
            float h = 1e-2f;
            o[i] = keep + h;
            double plus = loss.apply(out).value();
            o[i] = keep - h;
            double minus = loss.apply(out).value();
            o[i] = keep;
            double numeric = (plus - minus) / (2 * h);
            assertEquals(numeric, analytic.data()[i], tolerance, "element " + i);
        }
    }

    @Test
    void crossEntropyOfUniformLogitsIsLogK() {
        for (int k : new int[] {2, 10, 1000}) {
            Tensor logits = Tensor.full(org.convnet4j.tensor.Shape.of(3, k), 4.25f);
            double v = new SoftmaxCrossEntropy().compute(logits, new int[] {0, k - 1, k / 2}).value();
            assertEquals(Math.log(k), v, 1e-9, "K=" + k);
        }
    }

    @Test
    void crossEntropyMatchesHandComputation() {
        // sample 0: logits (1, 2, 3), label 2; sample 1: logits (0, 0, 5), label 0
        Tensor logits = Tensor.fromRows(new double[][] {{1, 2, 3}, {0, 0, 5}});
        Loss.LossValue r = new SoftmaxCrossEntropy().compute(logits, new int[] {2, 0});
        double l0 = -3 + Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3));
        double l1 = -0 + Math.log(2 + Math.exp(5));
        assertEquals((l0 + l1) / 2, r.value(), 1e-9);
        double softmax00 = Math.exp(1) / (Math.exp(1) + Math.exp(2) + Math.exp(3));
        assertEquals(softmax00 / 2, r.gradient().get(0, 0), 1e-7);
        assertEquals((1 / (2 + Math.exp(5)) - 1) / 2, r.gradient().get(1, 0), 1e-7);
    }

    @Test
    void labelSmoothingMixesOneHotWithUniform() {
        Tensor logits = Tensor.fromRows(new double[][] {{0.5, -1, 2, 0}});
        double eps = 0.2;
        double lse = Math.log(Math.exp(0.5) + Math.exp(-1) + Math.exp(2) + 1);
        double[] z = {0.5, -1, 2, 0};
        double expected = 0;
        for (int j = 0; j < 4; j++) {
            double t = eps / 4 + (j == 2 ? 1 - eps : 0);
            expected -= t * (z[j] - lse);
        }
        assertEquals(expected, new SoftmaxCrossEntropy(eps).compute(logits, new int[] {2}).value(), 1e-7);
        assertThrows(IllegalArgumentException.class, () -> new SoftmaxCrossEntropy(1.0));
    }

    @Test
    void gradientsMatchFiniteDifferences() {
        Random r = new Random(3);
        Tensor logits = Tensor.randn(r, 2f, 4, 5);
        int[] labels = {0, 4, 2, 2};
        assertGradientMatchesFiniteDifferences(o -> new SoftmaxCrossEntropy().compute(o, labels), logits, 1e-4);
        assertGradientMatchesFiniteDifferences(o -> new SoftmaxCrossEntropy(0.1).compute(o, labels), logits, 1e-4);
        Tensor binary = Tensor.fromRows(new double[][] {{0.3, 1, 0, 1}, {0, 0, 1, 0.5}});
        assertGradientMatchesFiniteDifferences(o -> BinaryCrossEntropy.fromLogits().compute(o, binary),
                Tensor.randn(r, 2f, 2, 4), 1e-4);
        Tensor probabilities = Tensor.uniform(r, 0.1f, 0.9f, 2, 4);
        // smaller step for probabilities: the log curves strongly near the ends
        assertGradientMatchesFiniteDifferences(o -> BinaryCrossEntropy.fromProbabilities().compute(o, binary),
                probabilities, 2e-3);
        assertGradientMatchesFiniteDifferences(o -> new MeanSquaredError().compute(o, binary),
                Tensor.randn(r, 1f, 2, 4), 1e-4);
    }

    @Test
    void extremeLogitsGiveFiniteValuesAndGradients() {
        Tensor logits = Tensor.fromRows(new double[][] {{1000, -1000, 0}, {-1000, -1000, 1000}});
        Loss.LossValue right = new SoftmaxCrossEntropy().compute(logits, new int[] {0, 2});
        assertEquals(0, right.value(), 1e-12);
        Loss.LossValue wrong = new SoftmaxCrossEntropy().compute(logits, new int[] {1, 0});
        // -log softmax = lse - z_y = 1000 - (-1000) = 2000 for both samples
        assertEquals(2000, wrong.value(), 1e-9);
        for (float g : wrong.gradient().data()) {
            assertTrue(Float.isFinite(g));
        }
        Tensor z = Tensor.fromRows(new double[][] {{1000, -1000}});
        Loss.LossValue b = BinaryCrossEntropy.fromLogits().compute(z, Tensor.fromRows(new double[][] {{0, 1}}));
        assertEquals(1000, b.value(), 1e-9); // mean of (1000, 1000)
        assertEquals(0.5f, b.gradient().get(0, 0), 1e-7);
        assertEquals(-0.5f, b.gradient().get(0, 1), 1e-7);
    }

    @Test
    void binaryCrossEntropyMatchesDefinitionAndClampsProbabilities() {
        double z = 0.7;
        double p = 1 / (1 + Math.exp(-z));
        double expected = -(0.25 * Math.log(p) + 0.75 * Math.log(1 - p));
        Tensor target = Tensor.of(new float[] {0.25f}, 1, 1);
        assertEquals(expected, BinaryCrossEntropy.fromLogits().compute(Tensor.of(new float[] {0.7f}, 1, 1), target)
                .value(), 1e-6);
        assertEquals(expected, BinaryCrossEntropy.fromProbabilities().compute(Tensor.of(new float[] {(float) p}, 1, 1),
                target).value(), 1e-6);
        // p = 0 with target 1: PyTorch's BCELoss clamps log(0) to -100
        Loss.LossValue clamped = BinaryCrossEntropy.fromProbabilities().compute(Tensor.of(new float[] {0f, 1f}, 2),
                Tensor.of(new float[] {1f, 1f}, 2));
        assertEquals(50, clamped.value(), 1e-9);
        assertTrue(Float.isFinite(clamped.gradient().data()[0]));
        assertThrows(IllegalArgumentException.class, () -> BinaryCrossEntropy.fromProbabilities()
                .compute(Tensor.of(new float[] {1.5f}, 1), Tensor.of(new float[] {1f}, 1)));
        // labels on a single-output model are the 0/1 targets
        assertEquals(BinaryCrossEntropy.fromLogits().compute(Tensor.of(new float[] {0.7f, -2f}, 2, 1),
                        Tensor.of(new float[] {1f, 0f}, 2, 1)).value(),
                BinaryCrossEntropy.fromLogits().compute(Tensor.of(new float[] {0.7f, -2f}, 2, 1), new int[] {1, 0}).value());
    }

    @Test
    void meanSquaredErrorAveragesOverAllElements() {
        Loss.LossValue r = new MeanSquaredError().compute(Tensor.fromRows(new double[][] {{1, 2}, {3, 4}}),
                Tensor.fromRows(new double[][] {{0, 2}, {5, 4}}));
        assertEquals((1 + 0 + 4 + 0) / 4.0, r.value(), 1e-12);
        assertEquals(2 * -2 / 4.0, r.gradient().get(1, 0), 1e-7);
        // labels become one-hot targets
        assertEquals((1 + 1) / 4.0, new MeanSquaredError().compute(Tensor.fromRows(new double[][] {{0, 0}, {0, 0}}),
                new int[] {1, 0}).value(), 1e-12);
    }

    @Test
    void badLabelsAndShapesAreNamed() {
        Tensor logits = Tensor.zeros(2, 3);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new SoftmaxCrossEntropy().compute(logits, new int[] {0, 3}));
        assertTrue(e.getMessage().contains("SoftmaxCrossEntropy") && e.getMessage().contains("label 3"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new SoftmaxCrossEntropy().compute(logits, new int[] {0}));
        assertThrows(IllegalArgumentException.class, () -> new MeanSquaredError().compute(logits, Tensor.zeros(3, 2)));
    }
}

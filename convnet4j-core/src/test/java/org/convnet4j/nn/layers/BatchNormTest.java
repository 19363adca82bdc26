package org.convnet4j.nn.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.convnet4j.nn.Sequential;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** Batch norm against numbers worked out by hand (eps 1e-5, momentum 0.1 unless set). */
class BatchNormTest {
    private static final float TOL = 1e-5f;

    /** Batch of 4 with two features: feature 0 = {1, 2, 3, 6}, feature 1 = {0, 0, 2, 2}. */
    private static Tensor batch() {
        return Tensor.fromRows(new double[][] {{1, 0}, {2, 0}, {3, 2}, {6, 2}});
    }

    private static BatchNorm1d built() {
        BatchNorm1d bn = new BatchNorm1d();
        new Sequential(Shape.of(2), bn);
        bn.gamma().value().data()[0] = 2f;
        bn.beta().value().data()[0] = 0.5f;
        return bn;
    }

    @Test
    void trainingUsesBatchStatisticsAndUpdatesRunningOnes() {
        BatchNorm1d bn = built();
        Tensor y = bn.forward(batch(), true);
        // feature 0: mean 3, biased variance (4+1+0+9)/4 = 3.5; y = 2 (x-3)/sqrt(3.5+eps) + 0.5
        double s0 = Math.sqrt(3.5 + 1e-5);
        assertEquals(2 * (1 - 3) / s0 + 0.5, y.get(0, 0), TOL);
        assertEquals(2 * (6 - 3) / s0 + 0.5, y.get(3, 0), TOL);
        // feature 1: mean 1, variance 1, gamma 1, beta 0
        assertEquals(-1 / Math.sqrt(1 + 1e-5), y.get(1, 1), TOL);
        // running = 0.9 * old + 0.1 * batch, with the unbiased variance (14/3 and 4/3)
        assertArrayEquals(new float[] {0.3f, 0.1f}, bn.runningMean().value().data(), TOL);
        assertArrayEquals(new float[] {(float) (0.9 + 0.1 * 14 / 3.0), (float) (0.9 + 0.1 * 4 / 3.0)},
                bn.runningVar().value().data(), TOL);
    }

    @Test
    void inferenceUsesRunningStatisticsAndLeavesThem() {
        BatchNorm1d bn = built();
        bn.forward(batch(), true);
        float[] rm = bn.runningMean().value().data().clone();
        float[] rv = bn.runningVar().value().data().clone();
        Tensor y = bn.forward(batch(), false);
        assertEquals(2 * (1 - rm[0]) / Math.sqrt(rv[0] + 1e-5) + 0.5, y.get(0, 0), TOL);
        assertEquals((2 - rm[1]) / Math.sqrt(rv[1] + 1e-5), y.get(2, 1), TOL);
        assertArrayEquals(rm, bn.runningMean().value().data());
        assertArrayEquals(rv, bn.runningVar().value().data());
    }

    @Test
    void frozenLayerUsesRunningStatisticsEvenWhenTraining() {
        BatchNorm1d bn = built();
        bn.runningMean().value().data()[0] = 2f;
        bn.runningVar().value().data()[0] = 4f;
        bn.setTrainable(false);
        assertTrue(bn.gamma().isFrozen() && bn.beta().isFrozen());
        Tensor y = bn.forward(batch(), true);
        assertEquals(2 * (6 - 2) / Math.sqrt(4 + 1e-5) + 0.5, y.get(3, 0), TOL);
        assertArrayEquals(new float[] {2f, 0f}, bn.runningMean().value().data());
        assertArrayEquals(new float[] {4f, 1f}, bn.runningVar().value().data());
        // and its backward is that of the affine map: dx = gamma / sqrt(var + eps) * dy
        Tensor dx = bn.backward(Tensor.fromRows(new double[][] {{1, 1}, {1, 1}, {1, 1}, {1, 1}}));
        assertEquals(2 / Math.sqrt(4 + 1e-5), dx.get(0, 0), TOL);
    }

    @Test
    void frozenBeforeBuildingStillFreezesParameters() {
        BatchNorm2d bn = new BatchNorm2d();
        bn.setTrainable(false);
        new Sequential(Shape.of(2, 2, 2), bn);
        assertTrue(bn.gamma().isFrozen() && bn.beta().isFrozen());
    }

    @Test
    void imageStatisticsPoolBatchAndPositions() {
        BatchNorm2d bn = new BatchNorm2d().momentum(0.5);
        new Sequential(Shape.of(1, 2, 2), bn);
        // one channel, values 1..8 over 2 samples x 4 positions: mean 4.5, biased var 5.25, unbiased 6
        Tensor x = Tensor.of(new float[] {1, 2, 3, 4, 5, 6, 7, 8}, 2, 1, 2, 2);
        Tensor y = bn.forward(x, true);
        assertEquals((8 - 4.5) / Math.sqrt(5.25 + 1e-5), y.get(1, 0, 1, 1), TOL);
        assertEquals(0.5 * 4.5, bn.runningMean().value().data()[0], TOL);
        assertEquals(0.5 + 0.5 * 6, bn.runningVar().value().data()[0], TOL);
    }

    @Test
    void trainingOnASingleValuePerChannelFailsClearly() {
        BatchNorm1d bn = built();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> bn.forward(Tensor.fromRows(new double[][] {{1, 2}}), true));
        assertTrue(e.getMessage().contains("more than one value per channel"), e.getMessage());
        assertEquals(2, bn.forward(Tensor.fromRows(new double[][] {{1, 2}}), false).size()); // inference is fine
    }
}

package org.convnet4j.nn.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.List;
import java.util.Random;
import org.convnet4j.nn.Sequential;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * A training batch normalised inside the statistics' per-channel task ({@code BatchNorm.fusedTraining}) gives the
 * bits of the second pass over planes: output, running statistics and the backward pass (which reads x-hat), with
 * x-hat kept apart and written over the input (the memory plan's in-place forward), on a tensor large enough for the
 * kernels' threads and on one below the threshold.
 */
class BatchNormFusedTrainingTest {

    @Test
    void fusedNormalisationGivesTheTwoPassBits() {
        // [3, 5, 40, 41] = 24,600 values (below the threads' threshold), [6, 16, 27, 29] = 75,168 (above)
        for (int[] shape : new int[][] {{3, 5, 40, 41}, {6, 16, 27, 29}}) {
            for (boolean inPlace : new boolean[] {false, true}) {
                float[][] fused = run(true, shape, inPlace);
                float[][] twoPass = run(false, shape, inPlace);
                for (int k = 0; k < fused.length; k++) {
                    assertArrayEquals(twoPass[k], fused[k], "shape " + java.util.Arrays.toString(shape)
                            + (inPlace ? " in place" : "") + ", result " + k);
                }
                // the data are not trivial: the output is not the input
                assertNotEquals(fused[0][1], fused[4][1]);
            }
        }
    }

    /** {output, running mean, running variance, input gradient, input} after two training steps. */
    private static float[][] run(boolean fusedSwitch, int[] shape, boolean inPlace) {
        boolean was = BatchNorm.fusedTraining;
        BatchNorm.fusedTraining = fusedSwitch;
        try {
            int n = shape[0];
            BatchNorm2d bn = new BatchNorm2d();
            new Sequential(Shape.of(shape[1], shape[2], shape[3]), bn);
            Random random = new Random(3);
            for (int ch = 0; ch < shape[1]; ch++) {
                bn.gamma().value().data()[ch] = 0.5f + random.nextFloat();
                bn.beta().value().data()[ch] = random.nextFloat() - 0.5f;
            }
            bn.gamma().changed();
            bn.beta().changed();
            Tensor y = null;
            Tensor dx = null;
            Tensor x0 = null;
            for (int step = 0; step < 2; step++) {
                // a mean away from zero per channel, as after a convolution
                Tensor x = Tensor.randn(random, 2f, n, shape[1], shape[2], shape[3]);
                for (int i = 0; i < x.size(); i++) {
                    x.data()[i] += (i / (shape[2] * shape[3])) % shape[1];
                }
                x0 = x.copy();
                y = inPlace ? bn.forwardInPlace(List.of(x), 0, true) : bn.forward(x, true);
                dx = bn.backward(Tensor.randn(random, 1f, x.shape().dims()));
            }
            return new float[][] {y.data().clone(), bn.runningMean().value().data().clone(),
                bn.runningVar().value().data().clone(), dx.data().clone(), x0.data(), bn.gamma().grad().data().clone()};
        } finally {
            BatchNorm.fusedTraining = was;
        }
    }
}

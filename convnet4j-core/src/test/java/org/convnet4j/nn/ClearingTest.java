package org.convnet4j.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.Arrays;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.tensor.kernels.KernelProvider;
import org.convnet4j.tensor.kernels.ParallelChunks;
import org.junit.jupiter.api.Test;

/**
 * An input gradient of zeros from the step's gradient pool ({@link StepBuffers.Slots#gradientZeros}) is cleared in
 * chunks on the kernels' threads ({@link Clearing}): every value is zero when the pool hands back an array it gave
 * out before (left full of values), with the switch on (one parallel call) and off (none), chunks ending inside the
 * array.
 */
class ClearingTest {
    private static final Shape SHAPE = Shape.of(2, 3 * ParallelChunks.VALUES / 2 + 7); // 3 chunks and 14 values

    @Test
    void reusedGradientArraysAreClearedEverywhere() {
        for (boolean parallel : new boolean[] {true, false}) {
            boolean was = Clearing.parallel;
            Clearing.parallel = parallel;
            try {
                StepBuffers.Slots slots = new StepBuffers.Slots(1);
                float[][] seen = new float[1][];
                StepBuffers.step(StepBuffers.MemoryPlan.ON, () -> {
                    Tensor t = slots.gradientZeros(0, SHAPE);
                    Arrays.fill(t.data(), 5f);
                    seen[0] = t.data();
                });
                long[] handOffs = new long[1];
                float[][] again = new float[1][];
                StepBuffers.step(StepBuffers.MemoryPlan.ON, () -> {
                    long h0 = KernelProvider.handOffs();
                    Tensor t = slots.gradientZeros(0, SHAPE);
                    handOffs[0] = KernelProvider.handOffs() - h0;
                    again[0] = t.data();
                });
                assertSame(seen[0], again[0], "the pool handed the same array back (the test's premise)");
                assertArrayEquals(new float[SHAPE.size()], again[0], "parallel " + parallel);
                if (KernelProvider.get().threads() > 1) {
                    assertEquals(parallel ? 1 : 0, handOffs[0], "parallel " + parallel);
                }
            } finally {
                Clearing.parallel = was;
            }
        }
    }
}

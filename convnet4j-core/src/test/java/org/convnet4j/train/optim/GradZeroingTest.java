package org.convnet4j.train.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.convnet4j.nn.Parameter;
import org.convnet4j.nn.init.Initializer;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.kernels.KernelProvider;
import org.convnet4j.tensor.kernels.ParallelChunks;
import org.junit.jupiter.api.Test;

/**
 * {@link Optimizer#zeroGrad()} clears every gradient as one run cut into chunks on the kernels' threads
 * ({@link GradZeroing}): every value of every gradient (chunks that end inside a gradient, gradients smaller than a
 * chunk, one value long, frozen ones) is zero afterwards, with the switch on and off, and a gradient nothing made stays
 * unmade.
 */
class GradZeroingTest {
    private static final int C = ParallelChunks.VALUES;
    private static final int[] SIZES = {3 * C + 17, 5, 1, C - 1, 2 * C + 1, 40_000, 7};

    @Test
    void everyValueOfEveryGradientIsCleared() {
        for (boolean parallel : new boolean[] {true, false}) {
            boolean was = GradZeroing.parallel;
            GradZeroing.parallel = parallel;
            try {
                Map<String, Parameter> params = new LinkedHashMap<>();
                for (int i = 0; i < SIZES.length; i++) {
                    Parameter p = Parameter.learnable("p" + i, Shape.of(SIZES[i]), Initializer.ZEROS, 1, 1);
                    float[] g = p.grad().data();
                    for (int j = 0; j < g.length; j++) {
                        g[j] = 1f + j % 7; // no zero anywhere
                    }
                    p.setFrozen(i == 4);
                    params.put("p" + i, p);
                }
                Parameter unused = Parameter.learnable("unused", Shape.of(C), Initializer.ZEROS, 1, 1);
                params.put("unused", unused);
                Sgd sgd = new Sgd(List.of(ParamGroup.of("g", params)), 0.1);
                long h0 = KernelProvider.handOffs();
                sgd.zeroGrad();
                long handOffs = KernelProvider.handOffs() - h0;
                for (int i = 0; i < SIZES.length; i++) {
                    assertArrayEquals(new float[SIZES[i]], params.get("p" + i).grad().data(),
                            "gradient " + i + " (" + SIZES[i] + " values), parallel " + parallel);
                }
                assertNull(unused.gradIfPresent(), "a gradient nothing made is not made by clearing");
                if (KernelProvider.get().threads() > 1) {
                    assertEquals(parallel ? 1 : 0, handOffs, "one parallel call for all gradients");
                }
            } finally {
                GradZeroing.parallel = was;
            }
        }
    }

    @Test
    void fewValuesStayOnTheCallingThread() {
        Parameter p = Parameter.learnable("small", Shape.of(C), Initializer.ZEROS, 1, 1);
        p.grad().fill(3f);
        Sgd sgd = new Sgd(List.of(ParamGroup.of("g", Map.of("small", p))), 0.1);
        long h0 = KernelProvider.handOffs();
        sgd.zeroGrad();
        assertEquals(0, KernelProvider.handOffs() - h0);
        assertArrayEquals(new float[C], p.grad().data());
        assertTrue(p.gradIfPresent() != null);
    }
}

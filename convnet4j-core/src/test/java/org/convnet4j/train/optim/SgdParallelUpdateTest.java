package org.convnet4j.train.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Random;
import org.convnet4j.nn.Parameter;
import org.convnet4j.nn.init.Initializer;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.tensor.kernels.KernelProvider;
import org.junit.jupiter.api.Test;

/**
 * With the step parameter by parameter ({@code AbstractOptimizer.fusedStep} off), a large parameter's SGD update runs
 * in chunks on the kernels' threads ({@code Sgd.parallelUpdate}): three momentum steps (the first fills the buffer)
 * give the bits of one kernel call over the whole parameter, for a parameter whose length is not a multiple of the
 * chunk, with and without Nesterov and weight decay.
 */
class SgdParallelUpdateTest {

    @Test
    void chunkedUpdateGivesTheOneThreadBits() {
        int n = 3 * Sgd.UPDATE_CHUNK + 1234;
        for (boolean nesterov : new boolean[] {false, true}) {
            float[][] results = new float[2][];
            long handOffs = 0;
            for (int variant = 0; variant < 2; variant++) {
                boolean threaded = variant == 1;
                boolean switchBefore = Sgd.parallelUpdate;
                boolean fusedBefore = AbstractOptimizer.fusedStep;
                Sgd.parallelUpdate = threaded; // off: one kernel call over the whole parameter
                AbstractOptimizer.fusedStep = false; // the parameter-by-parameter path this switch belongs to
                try {
                    Random random = new Random(7);
                    Parameter p = Parameter.learnable("w", Shape.of(n), Initializer.ZEROS, 1, 1);
                    p.load(Tensor.randn(random, 1f, n));
                    Sgd sgd = new Sgd(List.of(ParamGroup.of("g", Map.of("w", p))), 0.05).momentum(0.9)
                            .nesterov(nesterov).weightDecay(0.01);
                    long h0 = KernelProvider.handOffs();
                    for (int step = 0; step < 3; step++) {
                        float[] g = Tensor.randn(random, 1f, n).data();
                        System.arraycopy(g, 0, p.grad().data(), 0, n);
                        sgd.step();
                    }
                    if (threaded) {
                        handOffs = KernelProvider.handOffs() - h0;
                    }
                    results[variant] = p.value().data().clone();
                } finally {
                    Sgd.parallelUpdate = switchBefore;
                    AbstractOptimizer.fusedStep = fusedBefore;
                }
            }
            assertArrayEquals(results[0], results[1], "nesterov " + nesterov);
            if (KernelProvider.get().threads() > 1) {
                assertTrue(handOffs >= 3, "the threaded steps handed chunks to the pool: " + handOffs);
            }
        }
    }
}

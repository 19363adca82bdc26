package org.convnet4j.train.optim;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.convnet4j.nn.Parameter;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.tensor.kernels.KernelProvider;
import org.convnet4j.tensor.kernels.ParallelChunks;

/**
 * {@link Optimizer#zeroGrad()}'s clearing: all gradients as one run of values cut into fixed chunks that the kernels'
 * threads share (one parallel call for the whole model, not one per parameter). ResNet-50's 25.6 M gradient values
 * (102 MB) took 13 ms of every W6 training step on the calling thread alone while the second thread waited (span
 * accounting, docs/PERFORMANCE.md twenty-second pass). Zeros are zeros on any split: the same bits ({@link ParallelChunks}).
 */
final class GradZeroing {
    /**
     * Switch for A/B runs ({@code FlagAB}): {@code false} clears every gradient on the calling thread
     * ({@code -Dconvnet4j.optim.parallelZeroGrad=false}). Models with fewer than two chunks of gradient values (LeNet-5)
     * are cleared on the calling thread either way.
     */
    static volatile boolean parallel = !"false".equals(System.getProperty("convnet4j.optim.parallelZeroGrad"));

    private GradZeroing() {
    }

    static void zero(Iterable<Parameter> params) {
        List<float[]> arrays = new ArrayList<>();
        for (Parameter p : params) {
            Tensor g = p.gradIfPresent();
            if (g != null) {
                arrays.add(g.data()); // all of it, as Parameter.zeroGrad clears
            }
        }
        int[] lengths = new int[arrays.size()];
        for (int i = 0; i < lengths.length; i++) {
            lengths[i] = arrays.get(i).length;
        }
        // zeros are zeros on any split: no alignment needed
        ParallelChunks.runOverParts(KernelProvider.get(), lengths, 1, parallel,
                (i, from, to) -> Arrays.fill(arrays.get(i), from, to, 0f));
    }
}

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
        // start[i]: where gradient i begins in the run of all values
        long[] start = new long[arrays.size() + 1];
        for (int i = 0; i < arrays.size(); i++) {
            start[i + 1] = start[i] + arrays.get(i).length;
        }
        ParallelChunks.run(KernelProvider.get(), start[arrays.size()], parallel, (from, to) -> {
            int i = Arrays.binarySearch(start, from);
            i = i >= 0 ? i : -i - 2; // the gradient holding value 'from'
            while (from < to) {
                while (start[i + 1] <= from) {
                    i++; // skip empty gradients
                }
                long stop = Math.min(to, start[i + 1]);
                Arrays.fill(arrays.get(i), (int) (from - start[i]), (int) (stop - start[i]), 0f);
                from = stop;
            }
        });
    }
}

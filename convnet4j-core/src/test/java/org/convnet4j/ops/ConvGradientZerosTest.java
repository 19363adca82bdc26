package org.convnet4j.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.Arrays;
import java.util.Random;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.tensor.kernels.KernelProvider;
import org.convnet4j.tensor.kernels.Kernels;
import org.convnet4j.tensor.kernels.ParallelChunks;
import org.junit.jupiter.api.Test;

/**
 * An input gradient buffer that a convolution's data gradient adds into (col2im of a strided 3x3 layer) is cleared
 * first, in chunks on the kernels' threads when long ({@link FastConvolution#parallelZeros}): the gradient written
 * into a buffer left full of NaN has the bits of one written into fresh zeros, with the switch on (one more parallel
 * call than off) and off.
 */
class ConvGradientZerosTest {
    @Test
    void aReusedBufferGivesTheFreshBuffersBits() {
        Kernels k = KernelProvider.get();
        Random random = new Random(29);
        // 2 x 64 x 24 x 24 = 73,728 values: two chunks and a part (the last chunk ends inside the buffer); outputs 12
        // wide, under StridedInputGradient's 14: col2im (wider strided layers go by phases, which write every element)
        Tensor x = Tensor.randn(random, 1f, 2, 64, 24, 24);
        Tensor w = Tensor.randn(random, 1f, 8, 64, 3, 3);
        ConvParams p = ConvParams.of(2, 1);
        Tensor y = FastConvolution.forward(x, w, null, p, k);
        Tensor dy = Tensor.randn(random, 1f, y.shape().dims());
        Tensor fresh = FastConvolution.backwardInput(dy, w, x.shape(), p, k);
        assertEquals(false, StridedInputGradient.applies(ConvDims.of(x.shape(), w.shape(), y.shape(), p)),
                "the test's premise: col2im");
        assertEquals(true, x.shape().size() > 2 * ParallelChunks.VALUES, "the test's premise: at least two chunks");
        boolean before = FastConvolution.parallelZeros;
        try {
            long[] calls = new long[2];
            for (boolean parallel : new boolean[] {false, true}) {
                FastConvolution.parallelZeros = parallel;
                Tensor into = Tensor.zeros(x.shape());
                Arrays.fill(into.data(), Float.NaN);
                long h0 = KernelProvider.handOffs();
                Tensor dx = FastConvolution.backwardInput(dy, w, x.shape(), p, k, into);
                calls[parallel ? 1 : 0] = KernelProvider.handOffs() - h0;
                assertSame(into, dx, "written into the buffer given");
                assertArrayEquals(fresh.data(), dx.data(), "parallel zeros " + parallel);
            }
            if (k.threads() > 1) {
                assertEquals(calls[0] + 1, calls[1], "the clearing is one parallel call");
            }
        } finally {
            FastConvolution.parallelZeros = before;
        }
    }
}

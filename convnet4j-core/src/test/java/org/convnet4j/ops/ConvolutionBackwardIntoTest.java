package org.convnet4j.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.Random;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * The input gradient of a convolution goes into the caller's buffer on every path (the reference loops, depthwise,
 * materialised padding, direct, GEMM tiles), with the bits of a new tensor: the memory plan's pooled gradients
 * (Conv2d) count on getting that buffer back as the result, else it stays taken for the rest of the step.
 */
class ConvolutionBackwardIntoTest {

    @Test
    void backwardInputFillsAndReturnsTheGivenBuffer() {
        ConvParams[] params = {
            ConvParams.of(1, 1),                                   // 3x3, zero padding
            ConvParams.of(1, 0),                                   // no padding
            ConvParams.of(2, 1).withPadMode(PadMode.REFLECT),      // padding materialised
            ConvParams.of(1, 1).withGroups(4),                     // depthwise, padded
            ConvParams.of(1, 0).withGroups(4),                     // depthwise, no padding
        };
        Random r = new Random(5);
        for (ConvParams p : params) {
            Tensor x = Tensor.randn(r, 1f, 2, 4, 7, 7);
            Tensor w = Tensor.randn(r, 1f, 4, 4 / p.groups(), 3, 3);
            Shape ys = Convolution.outputShape(x.shape(), w.shape(), p);
            Tensor dy = Tensor.randn(r, 1f, ys.dims());
            String what = p.toString();

            Tensor fresh = Convolution.backwardInput(dy, w, x.shape(), p);
            Tensor into = Tensor.zeros(x.shape());
            assertSame(into, Convolution.backwardInput(dy, w, x.shape(), p, into), what);
            assertArrayEquals(fresh.data(), into.data(), what);

            Tensor reference = ConvolutionReference.backwardInput(dy, w, x.shape(), p);
            Tensor referenceInto = Tensor.zeros(x.shape());
            assertSame(referenceInto, ConvolutionReference.backwardInput(dy, w, x.shape(), p, referenceInto), what);
            assertArrayEquals(reference.data(), referenceInto.data(), what);
        }
    }
}

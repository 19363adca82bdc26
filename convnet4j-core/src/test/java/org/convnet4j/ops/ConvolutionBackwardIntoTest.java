package org.convnet4j.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.Random;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * The input gradient of a convolution goes into the caller's buffer on every path (the reference loops, depthwise,
 * materialised padding, direct, GEMM tiles, pointwise), with the bits of a new tensor: the memory plan's pooled
 * gradients (Conv2d) count on getting that buffer back as the result, else it stays taken for the rest of the step.
 * The buffer may hold anything (Conv2d reuses last step's without clearing it): the paths that add into it clear it
 * first. The same for the forward pass's output buffer.
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
            ConvParams.of(1, 0),                                   // 1x1 below: pointwise, GEMMs write every element
            ConvParams.of(2, 0),                                   // 1x1 stride 2: col2im
        };
        Random r = new Random(5);
        for (int i = 0; i < params.length; i++) {
            ConvParams p = params[i];
            int k = i < 5 ? 3 : 1;
            Tensor x = Tensor.randn(r, 1f, 2, 4, 7, 7);
            Tensor w = Tensor.randn(r, 1f, 4, 4 / p.groups(), k, k);
            Shape ys = Convolution.outputShape(x.shape(), w.shape(), p);
            Tensor dy = Tensor.randn(r, 1f, ys.dims());
            String what = p + " " + k + "x" + k;

            Tensor fresh = Convolution.backwardInput(dy, w, x.shape(), p);
            Tensor into = garbage(x.shape());
            assertSame(into, Convolution.backwardInput(dy, w, x.shape(), p, into), what);
            assertArrayEquals(fresh.data(), into.data(), what);

            Tensor reference = ConvolutionReference.backwardInput(dy, w, x.shape(), p);
            Tensor referenceInto = garbage(x.shape());
            assertSame(referenceInto, ConvolutionReference.backwardInput(dy, w, x.shape(), p, referenceInto), what);
            assertArrayEquals(reference.data(), referenceInto.data(), what);

            Tensor bias = Tensor.randn(r, 1f, 4);
            for (Tensor b : new Tensor[] {null, bias}) {
                Tensor y = Convolution.forward(x, w, b, p);
                Tensor yInto = garbage(ys);
                Tensor got = Convolution.forward(x, w, b, p, null, yInto);
                assertArrayEquals(y.data(), got.data(), what + " forward, bias " + (b != null));
                assertSame(yInto, got, what + " forward");
                // the scalar kernels' path (the reference loops) uses the given buffer too
                Tensor ref = ConvolutionReference.forward(x, w, b, p);
                Tensor refInto = garbage(ys);
                assertSame(refInto, ConvolutionReference.forward(x, w, b, p, refInto), what + " reference forward");
                assertArrayEquals(ref.data(), refInto.data(), what + " reference forward, bias " + (b != null));
            }
        }
    }

    /** The forward pass's reference loops for depthwise convolutions (the vectorised path switched off) as well. */
    @Test
    void forwardOverwritesAGivenBufferOnTheDepthwiseReferencePath() {
        DepthwiseConvolution.enabled = false;
        try {
            backwardInputFillsAndReturnsTheGivenBuffer();
        } finally {
            DepthwiseConvolution.enabled = true;
        }
    }

    /** A buffer as last step left it: NaN everywhere, so any element a path forgets to write shows. */
    private static Tensor garbage(Shape shape) {
        Tensor t = Tensor.zeros(shape);
        java.util.Arrays.fill(t.data(), Float.NaN);
        return t;
    }
}

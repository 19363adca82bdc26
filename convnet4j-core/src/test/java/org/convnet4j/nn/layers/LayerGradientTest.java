package org.convnet4j.nn.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.convnet4j.nn.Graph;
import org.convnet4j.nn.GradientCheck;
import org.convnet4j.nn.Layer;
import org.convnet4j.nn.Sequential;
import org.convnet4j.ops.PadMode;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * Finite-difference checks of every layer's backward pass (input gradients and accumulated parameter
 * gradients) with {@link GradientCheck}'s default eps 1e-2, atol 2e-3, rtol 2e-2 unless a test says otherwise.
 * Inputs are tiny so the whole class runs in well under a second or two.
 */
class LayerGradientTest {
    private static final int POSITIONS = 40; // values checked per tensor (all of them when the tensor is smaller)

    static Tensor randn(long seed, int... dims) {
        return Tensor.randn(new Random(seed), 1f, dims);
    }

    /**
     * Distinct values 0.05 apart in random order, centred on 0: every window maximum beats the runner-up by
     * at least 0.05 > 2 eps, so the finite difference never changes which element wins.
     */
    static Tensor noTies(long seed, int... dims) {
        Tensor t = Tensor.zeros(dims);
        int n = t.size();
        int[] perm = new int[n];
        for (int i = 0; i < n; i++) {
            perm[i] = i;
        }
        Random r = new Random(seed);
        for (int i = n - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int tmp = perm[i];
            perm[i] = perm[j];
            perm[j] = tmp;
        }
        for (int i = 0; i < n; i++) {
            t.data()[i] = (perm[i] - n / 2f) * 0.05f;
        }
        return t;
    }

    /** Builds a single layer for the per-sample shape of {@code x} and checks it. */
    static void check(Layer layer, Tensor x, boolean training) {
        layer.outputShape(List.of(x.shape().dropFirst()));
        GradientCheck.Result r = GradientCheck.check(layer, List.of(x), (training ? GradientCheck.Options.training(POSITIONS, 11) : GradientCheck.Options.inference(POSITIONS, 11)));
        assertTrue(r.passed(), layer + ": " + r);
        assertTrue(r.checked() > 0);
    }

    @Test
    void convTransposeStridedPaddedGrouped() {
        check(new ConvTranspose2d(4, 3).stride(2).padding(new org.convnet4j.ops.Padding(1, 0, 0, 1))
                .outputPadding(1, 0).groups(2), randn(21, 2, 2, 3, 4), true);
    }

    @Test
    void convTransposeDilated() {
        check(new ConvTranspose2d(2, 2).dilation(2, 1), randn(22, 2, 3, 3, 3), true);
    }

    @Test
    void convPlain() {
        check(new Conv2d(3, 3), randn(1, 2, 2, 5, 5), true);
    }

    @Test
    void convZeroPaddingStride() {
        check(new Conv2d(3, 3).padding(1).stride(2), randn(2, 2, 2, 5, 6), true);
    }

    @Test
    void convReplicatePadding() {
        check(new Conv2d(2, 3).padding(2, 1).padMode(PadMode.REPLICATE), randn(3, 2, 2, 4, 4), true);
    }

    @Test
    void convReflectPadding() {
        check(new Conv2d(2, 3).padding("1,2,2,1").padMode(PadMode.REFLECT), randn(4, 2, 2, 4, 5), true);
    }

    @Test
    void convSamePaddingDilation() {
        Conv2d c = new Conv2d(2, 3).padding("same").dilation(2);
        Tensor x = randn(5, 2, 2, 6, 6);
        check(c, x, true);
        assertEquals(Shape.of(2, 6, 6), c.outputShape(Shape.of(2, 6, 6)));
    }

    @Test
    void convGroupsNonSquareKernelNoBias() {
        Conv2d c = new Conv2d(4, 2, 3).groups(2).useBias(false).stride(1, 2);
        check(c, randn(6, 2, 4, 5, 6), true);
        assertEquals(List.of("kernel"), c.parameters().stream().map(p -> p.name()).toList());
        assertEquals(Shape.of(4, 2, 2, 3), c.kernel().shape());
    }

    @Test
    void convDepthwise() {
        check(new Conv2d(3, 3).groups(3).padding(1), randn(7, 2, 3, 4, 4), true);
    }

    @Test
    void maxPoolOverlappingAndPadded() {
        check(new MaxPool2d(3).stride(2).padding(1), noTies(8, 2, 2, 5, 5), true);
        check(new MaxPool2d(2), noTies(9, 2, 2, 4, 6), true);
    }

    @Test
    void avgPoolWithAndWithoutCountIncludePad() {
        check(new AvgPool2d(3).stride(2).padding(1).countIncludePad(true), randn(10, 2, 2, 5, 5), true);
        check(new AvgPool2d(3).stride(2).padding(1), randn(10, 2, 2, 5, 5), true);
        check(new AvgPool2d(2, 3).stride(1), randn(11, 2, 2, 4, 5), true);
    }

    @Test
    void lpPool() {
        // |x|^p is smooth away from 0 for p = 2, 3; inputs are kept away from 0 so no window is all-zero
        Tensor x = randn(12, 2, 2, 4, 4);
        for (int i = 0; i < x.size(); i++) {
            x.data()[i] += Math.signum(x.data()[i]) * 0.2f;
        }
        check(new LpPool2d(2, 2), x, true);
        check(new LpPool2d(3, 3).stride(1).padding(1), x, true);
    }

    @Test
    void globalPools() {
        check(new GlobalAvgPool2d(), randn(13, 2, 3, 3, 4), true);
        check(new GlobalMaxPool2d(), noTies(14, 2, 3, 3, 4), true);
    }

    @Test
    void activations() {
        Tensor x = randn(15, 3, 7);
        for (int i = 0; i < x.size(); i++) {
            if (Math.abs(x.data()[i]) < 0.05f) {
                x.data()[i] = 0.3f; // keep away from LeakyReLU's kink
            }
        }
        check(new LeakyReLU(0.1), x, true);
        check(new Sigmoid(), x, true);
        check(new Tanh(), x, true);
        check(new Softmax(), x, true);
        check(new Softmax(), randn(16, 2, 2, 3, 4), true); // softmax over the last axis of an image
    }

    @Test
    void dropoutWithFrozenMask() {
        Dropout d = new Dropout(0.5).seed(3).freezeMask(true);
        check(d, randn(17, 4, 10), true);
        float[] mask = d.lastMask();
        int dropped = 0;
        for (float m : mask) {
            assertTrue(m == 0f || m == 2f, "mask values are 0 or 1/(1-rate)");
            dropped += m == 0f ? 1 : 0;
        }
        assertTrue(dropped > 5 && dropped < 35, "about half dropped, got " + dropped);
        check(new Dropout(0.5), randn(18, 4, 10), false); // inference: identity
    }

    @Test
    void batchNormTrainingAndInference() {
        BatchNorm2d bn = new BatchNorm2d();
        check(bn, randn(19, 3, 2, 3, 3), true);
        // give the running statistics non-trivial values before checking the inference (affine) path
        bn.runningMean().value().data()[0] = 0.5f;
        bn.runningVar().value().data()[1] = 2.5f;
        bn.gamma().value().data()[1] = 1.5f;
        check(bn, randn(20, 3, 2, 3, 3), false);
        check(new BatchNorm1d(), randn(21, 4, 5), true);
    }

    @Test
    void lrnWithAStrongCrossChannelTerm() {
        // alpha = 1 (instead of AlexNet's 1e-4) so the cross-channel part of the gradient is not negligible
        check(new LRN(3, 1.0, 0.75, 2.0), randn(22, 2, 5, 2, 3), true);
        check(new LRN(4, 0.5, 0.75, 1.0), randn(23, 3, 6), true); // even size: asymmetric window
    }

    @Test
    void zeroPad() {
        check(new ZeroPad2d(1, 2, 0, 3), randn(24, 2, 2, 3, 3), true);
    }

    @Test
    void residualBlockInTrainingMode() {
        Graph block = Graph.builder("res")
                .input("x", Shape.of(3, 4, 4))
                .add("conv1", new Conv2d(3, 3).padding(1), "x")
                .add("bn1", new BatchNorm2d(), "conv1")
                .add("relu1", new ReLU(), "bn1")
                .add("conv2", new Conv2d(3, 3).padding(1), "relu1")
                .add("bn2", new BatchNorm2d(), "conv2")
                .add("sum", new Add(), "bn2", "x")
                .add("relu2", new ReLU(), "sum")
                .build();
        // eps 1e-3 instead of 1e-2 (tolerances unchanged): one kernel weight of conv1 moves all 48 values of
        // its channel, and bn1 scales the move by 1/std, so with eps 1e-2 a few of relu1's inputs cross 0 and
        // the central difference straddles the kink (seen: 3.85 analytic vs 4.52 numeric; with tanh in place
        // of relu1, or with eps 1e-3, the same weights agree). The rounding noise grows to ~1e-3, within atol.
        GradientCheck.Result r = GradientCheck.check(block, List.of(randn(25, 3, 3, 4, 4)),
                GradientCheck.Options.training(30, 5).withTolerances(1e-3, GradientCheck.ATOL, GradientCheck.RTOL));
        assertTrue(r.passed(), r.toString());
    }

    @Test
    void inceptionModule() {
        Graph inc = Graph.builder("inception")
                .input("x", Shape.of(4, 5, 5))
                .add("b1", new Conv2d(2, 1), "x")
                .add("b2_reduce", new Conv2d(2, 1), "x")
                .add("b2", new Conv2d(3, 3).padding(1), "b2_reduce")
                .add("b3_reduce", new Conv2d(1, 1), "x")
                .add("b3", new Conv2d(2, 5).padding(2), "b3_reduce")
                .add("b4_pool", new MaxPool2d(3).stride(1).padding(1), "x")
                .add("b4", new Conv2d(2, 1), "b4_pool")
                .add("cat", new Concat(), "b1", "b2", "b3", "b4")
                .build();
        assertEquals(Shape.of(9, 5, 5), inc.outputShape());
        GradientCheck.Result r = GradientCheck.check(inc, List.of(noTies(26, 2, 4, 5, 5)), GradientCheck.Options.training(30, 6));
        assertTrue(r.passed(), r.toString());
    }

    @Test
    void smallConvNetInSequential() {
        Sequential net = new Sequential(Shape.of(1, 6, 6),
                new Conv2d(2, 3).padding(1), new Tanh(), new AvgPool2d(2), new Flatten(), new Dense(3), new Softmax());
        GradientCheck.Result r = GradientCheck.check(net, List.of(randn(27, 2, 1, 6, 6)), GradientCheck.Options.training(30, 7));
        assertTrue(r.passed(), r.toString());
    }
}

package org.convnet4j.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * The worked examples of the lecture, reproduced number for number. Every expected value below is the
 * lecture's (or the brief's, checked by hand), never an output of this code.
 */
class LectureExamplesTest {

    /** The 6x6 step image: three rows of 0 above three rows of 255. */
    static Tensor stepImage() {
        double[][] r = new double[6][6];
        for (int y = 3; y < 6; y++) {
            java.util.Arrays.fill(r[y], 255);
        }
        return Tensor.fromRows(r).reshape(1, 1, 6, 6);
    }

    static Tensor sobelHorizontal() {
        return Tensor.fromRows(new double[][] {{1, 2, 1}, {0, 0, 0}, {-1, -2, -1}}).reshape(1, 1, 3, 3);
    }

    static float[] rowsOf(double[][] rows) {
        return Tensor.fromRows(rows).data();
    }

    @Test
    void sobelOnStepImageGivesTheLectureResult() {
        Tensor r = Convolution.forward(stepImage(), sobelHorizontal(), null, ConvParams.defaults());
        assertEquals(Shape.of(1, 1, 4, 4), r.shape());
        assertArrayEquals(rowsOf(new double[][] {
            {0, 0, 0, 0}, {-1020, -1020, -1020, -1020}, {-1020, -1020, -1020, -1020}, {0, 0, 0, 0}}), r.data());
    }

    @Test
    void lectureFormulaNMinusKPlusOne() {
        // "K x K on N x N gives N-K+1": 3x3 on 6x6 -> 4.
        assertEquals(4, ConvGeometry.outputSize("conv", 6, 3, 1, 1, 0, 0));
    }

    @Test
    void zeroPaddingTheResultByOneGivesAZeroBorder() {
        Tensor r = Convolution.forward(stepImage(), sobelHorizontal(), null, ConvParams.defaults());
        Tensor p = Convolution.pad(r, Padding.of(1), PadMode.ZERO);
        assertEquals(Shape.of(1, 1, 6, 6), p.shape()); // "padding m results in n+2m"
        assertArrayEquals(rowsOf(new double[][] {
            {0, 0, 0, 0, 0, 0},
            {0, 0, 0, 0, 0, 0},
            {0, -1020, -1020, -1020, -1020, 0},
            {0, -1020, -1020, -1020, -1020, 0},
            {0, 0, 0, 0, 0, 0},
            {0, 0, 0, 0, 0, 0}}), p.data());
    }

    @Test
    void sameValuePaddingExtendsTheEdgeValuesOutward() {
        // The lecture's padding pictures show the result without its sign (1020); use |R| to match them.
        Tensor r = Convolution.forward(stepImage(), sobelHorizontal(), null, ConvParams.defaults());
        float[] d = r.data();
        for (int i = 0; i < d.length; i++) {
            d[i] = Math.abs(d[i]);
        }
        Tensor zero = Convolution.pad(r, Padding.of(1), PadMode.ZERO);
        assertArrayEquals(rowsOf(new double[][] {
            {0, 0, 0, 0, 0, 0},
            {0, 0, 0, 0, 0, 0},
            {0, 1020, 1020, 1020, 1020, 0},
            {0, 1020, 1020, 1020, 1020, 0},
            {0, 0, 0, 0, 0, 0},
            {0, 0, 0, 0, 0, 0}}), zero.data());
        Tensor same = Convolution.pad(r, Padding.of(1), PadMode.REPLICATE);
        assertArrayEquals(rowsOf(new double[][] {
            {0, 0, 0, 0, 0, 0},
            {0, 0, 0, 0, 0, 0},
            {1020, 1020, 1020, 1020, 1020, 1020},
            {1020, 1020, 1020, 1020, 1020, 1020},
            {0, 0, 0, 0, 0, 0},
            {0, 0, 0, 0, 0, 0}}), same.data());
    }

    @Test
    void strideTwoOnSixBySixGivesTwoBySix() {
        assertEquals(2, ConvGeometry.outputSize("conv", 6, 3, 2, 1, 0, 0)); // floor((6-3)/2)+1
        Tensor r = Convolution.forward(stepImage(), sobelHorizontal(), null, ConvParams.of(2, 0));
        assertEquals(Shape.of(1, 1, 2, 2), r.shape());
        // Windows start at rows 0 and 2: rows 0..2 are all 0; rows 2..4 are 0, 255, 255 -> -(255+510+255).
        assertArrayEquals(new float[] {0, 0, -1020, -1020}, r.data());
    }

    // ---- convolution in an RGB image --------------------------------------------------------------

    static final double[][] RED = {
        {156, 155, 156, 158, 158}, {153, 154, 157, 159, 159}, {149, 151, 155, 158, 159},
        {146, 146, 149, 153, 158}, {145, 143, 143, 148, 158}};
    static final double[][] GREEN = {
        {167, 166, 167, 169, 169}, {164, 165, 168, 170, 170}, {160, 162, 166, 169, 170},
        {156, 156, 159, 163, 168}, {155, 153, 153, 158, 168}};
    static final double[][] BLUE = {
        {163, 162, 163, 165, 165}, {160, 161, 164, 166, 166}, {156, 158, 162, 165, 166},
        {155, 155, 158, 162, 167}, {154, 152, 152, 157, 167}};
    static final double[][][] KERNELS = {
        {{-1, -1, 1}, {0, 1, -1}, {0, 1, 1}},
        {{1, 0, 0}, {1, -1, -1}, {1, 0, -1}},
        {{0, 1, 1}, {0, 1, 0}, {1, -1, 1}}};
    /** The lecture pads one zero row above and one zero column to the left only. */
    static final ConvParams TOP_LEFT = ConvParams.of(1, new Padding(1, 0, 1, 0));

    static Tensor stack(double[][]... planes) {
        int h = planes[0].length;
        int w = planes[0][0].length;
        Tensor t = Tensor.zeros(1, planes.length, h, w);
        for (int c = 0; c < planes.length; c++) {
            System.arraycopy(Tensor.fromRows(planes[c]).data(), 0, t.data(), c * h * w, h * w);
        }
        return t;
    }

    @Test
    void rgbConvolutionWithBiasGivesTheLectureOutput() {
        Tensor x = stack(RED, GREEN, BLUE);
        Tensor w = stack(KERNELS[0], KERNELS[1], KERNELS[2]); // [1, 3, 3, 3]: one filter over three channels
        Tensor y = Convolution.forward(x, w, Tensor.of(new float[] {1}, 1), TOP_LEFT);
        assertEquals(Shape.of(1, 1, 4, 4), y.shape());
        assertArrayEquals(new float[] {-25, 466, 466, 475}, java.util.Arrays.copyOfRange(y.data(), 0, 4));
        assertArrayEquals(new float[] {295, 787, 798, 812}, java.util.Arrays.copyOfRange(y.data(), 4, 8));
    }

    @Test
    void rgbPerChannelSumsMatchTheLecture() {
        double[][][] channels = {RED, GREEN, BLUE};
        float[] at00 = new float[3];
        float[] at12 = new float[3];
        for (int c = 0; c < 3; c++) {
            Tensor y = Convolution.forward(stack(channels[c]), stack(KERNELS[c]), null, TOP_LEFT);
            at00[c] = y.get(0, 0, 0, 0);
            at12[c] = y.get(0, 0, 1, 2);
        }
        assertArrayEquals(new float[] {308, -498, 164}, at00);
        assertArrayEquals(new float[] {158, -14, 653}, at12);
        assertEquals(798, at12[0] + at12[1] + at12[2] + 1); // "+ 1 = 798"
        // The same three planes from one depthwise (groups = 3) convolution.
        Tensor dw = Convolution.forward(stack(RED, GREEN, BLUE),
                stack(KERNELS[0], KERNELS[1], KERNELS[2]).reshape(3, 1, 3, 3), null, TOP_LEFT.withGroups(3));
        for (int c = 0; c < 3; c++) {
            assertEquals(at00[c], dw.get(0, c, 0, 0));
            assertEquals(at12[c], dw.get(0, c, 1, 2));
        }
    }

    // ---- Inception 1x1 bottleneck cost ------------------------------------------------------------

    @Test
    void inceptionCostArithmetic() {
        Shape in = Shape.of(1, 192, 28, 28);
        Padding same5 = PaddingSpec.same().resolve(28, 28, 5, 5, 1, 1, 1, 1);
        Shape out = Convolution.outputShape(in, Shape.of(32, 192, 5, 5), ConvParams.of(1, same5));
        assertEquals(Shape.of(1, 32, 28, 28), out);
        long direct = ConvGeometry.convMacs(32, 28, 28, 192, 5, 5);
        assertEquals(120_422_400L, direct);
        long bottleneck = ConvGeometry.convMacs(16, 28, 28, 192, 1, 1) + ConvGeometry.convMacs(32, 28, 28, 16, 5, 5);
        assertEquals(12_443_648L, bottleneck);
        // With groups the per-group input channels count: 192 channels in 4 groups -> 48 each.
        assertEquals(direct / 4, ConvGeometry.convMacs(32, 28, 28, 192 / 4, 5, 5));
    }
}

package org.convnet4j.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

class GeometryAndPaddingTest {

    static void assertMessage(Throwable t, String... parts) {
        for (String p : parts) {
            assertTrue(t.getMessage().contains(p), () -> "message '" + t.getMessage() + "' lacks '" + p + "'");
        }
    }

    @Test
    void outputSizeFormula() {
        assertEquals(6, ConvGeometry.outputSize("c", 6, 3, 1, 1, 1, 1));
        assertEquals(3, ConvGeometry.outputSize("c", 7, 3, 2, 1, 0, 0)); // floor(4/2)+1
        assertEquals(2, ConvGeometry.outputSize("c", 8, 3, 3, 1, 0, 0)); // floor(5/3)+1
        assertEquals(3, ConvGeometry.outputSize("c", 7, 3, 1, 2, 0, 0)); // effective kernel 5
        assertEquals(1, ConvGeometry.outputSize("c", 1, 1, 1, 1, 0, 0));
        assertEquals(1, ConvGeometry.outputSize("c", 1, 3, 1, 1, 1, 1));
    }

    @Test
    void outputSizeRejectsImpossibleSettingsNamingAllNumbers() {
        assertMessage(assertThrows(IllegalArgumentException.class,
                () -> ConvGeometry.outputSize("myconv", 4, 7, 1, 1, 1, 1)),
                "myconv", "7", "larger than the padded input of size 6", "input 4", "padding 1+1");
        assertMessage(assertThrows(IllegalArgumentException.class,
                () -> ConvGeometry.outputSize("myconv", 6, 3, 1, 3, 0, 0)), "effective size 7", "dilation 3");
        assertMessage(assertThrows(IllegalArgumentException.class,
                () -> ConvGeometry.outputSize("myconv", 6, 3, 0, 1, 0, 0)), "myconv", "stride must be >= 1");
        assertMessage(assertThrows(IllegalArgumentException.class,
                () -> ConvGeometry.outputSize("myconv", 6, 3, 1, 0, 0, 0)), "dilation must be >= 1");
        assertMessage(assertThrows(IllegalArgumentException.class,
                () -> ConvGeometry.outputSize("myconv", 6, 0, 1, 1, 0, 0)), "kernel size must be >= 1");
    }

    @Test
    void paddingFactoriesAndValidation() {
        assertEquals(new Padding(0, 0, 0, 0), Padding.valid());
        assertEquals(new Padding(2, 2, 2, 2), Padding.of(2));
        assertEquals(new Padding(1, 1, 3, 3), Padding.of(1, 3));
        assertEquals("top=1,bottom=2,left=3,right=4", new Padding(1, 2, 3, 4).toString());
        assertMessage(assertThrows(IllegalArgumentException.class, () -> new Padding(0, -1, 0, 0)), "bottom=-1");
    }

    @Test
    void paddingSpecParse() {
        assertEquals(PaddingSpec.valid(), PaddingSpec.parse("valid"));
        assertEquals(PaddingSpec.same(), PaddingSpec.parse(" SAME "));
        assertEquals(PaddingSpec.explicit(Padding.of(2)), PaddingSpec.parse("2"));
        assertEquals(PaddingSpec.explicit(new Padding(1, 0, 1, 0)), PaddingSpec.parse("1,0,1,0"));
        assertEquals("1,0,1,0", PaddingSpec.parse("1, 0, 1, 0").toString());
        assertMessage(assertThrows(IllegalArgumentException.class, () -> PaddingSpec.parse("1,2")), "'1,2'", "T,B,L,R");
        assertMessage(assertThrows(IllegalArgumentException.class, () -> PaddingSpec.parse("abc")), "'abc'");
        assertMessage(assertThrows(IllegalArgumentException.class, () -> PaddingSpec.parse("-1")), "negative");
    }

    @Test
    void sameKeepsSizeAtStrideOneAndGivesCeilAtStrideTwo() {
        assertEquals(Padding.of(1), PaddingSpec.same().resolve(6, 6, 3, 3, 1, 1, 1, 1));
        assertEquals(Padding.of(2), PaddingSpec.same().resolve(6, 6, 5, 5, 1, 1, 1, 1));
        assertEquals(Padding.of(2, 1), PaddingSpec.same().resolve(6, 6, 3, 3, 1, 1, 2, 1)); // dilated: eff. 5
        assertEquals(new Padding(1, 1, 0, 0), PaddingSpec.same().resolve(7, 4, 3, 1, 1, 1, 1, 1));
        // Stride 2, 7x7, 3x3: out = 4, total = 3*2 + 3 - 7 = 2.
        Padding p = PaddingSpec.same().resolve(7, 7, 3, 3, 2, 2, 1, 1);
        assertEquals(Padding.of(1), p);
        assertEquals(4, ConvGeometry.outputSize("c", 7, 3, 2, 1, p.top(), p.bottom())); // ceil(7/2)
        // When the kernel is no bigger than the stride nothing is padded: 1x1 stride 2.
        assertEquals(Padding.valid(), PaddingSpec.same().resolve(8, 8, 1, 1, 2, 2, 1, 1));
        assertEquals(Padding.valid(), PaddingSpec.valid().resolve(8, 8, 3, 3, 1, 1, 1, 1));
    }

    @Test
    void sameWithAnEvenKernelFails() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PaddingSpec.same().resolve(8, 8, 4, 4, 1, 1, 1, 1));
        assertMessage(e, "padding 'same' cannot centre a 4x4 kernel", "total padding 3 is odd", "explicit padding",
                "1,2,1,2");
    }

    @Test
    void reflectPaddingOfARowDoesNotRepeatTheEdge() {
        Tensor row = Tensor.of(new float[] {1, 2, 3}, 1, 3);
        assertArrayEquals(new float[] {3, 2, 1, 2, 3, 2}, Pad.pad(row, new Padding(0, 0, 2, 1), PadMode.REFLECT).data());
        assertArrayEquals(new float[] {1, 1, 1, 2, 3, 3}, Pad.pad(row, new Padding(0, 0, 2, 1), PadMode.REPLICATE).data());
        assertArrayEquals(new float[] {0, 0, 1, 2, 3, 0}, Pad.pad(row, new Padding(0, 0, 2, 1), PadMode.ZERO).data());
    }

    @Test
    void padBackwardSendsCopiedGradientToItsSource() {
        Tensor row = Tensor.of(new float[] {1, 2, 3}, 1, 3);
        Padding p = new Padding(0, 0, 2, 1);
        Tensor g = Tensor.of(new float[] {10, 20, 30, 40, 50, 60}, 1, 6);
        // reflect: padded = x2 x1 x0 x1 x2 x1 -> dx0 = 30, dx1 = 20+40+60, dx2 = 10+50
        assertArrayEquals(new float[] {30, 120, 60}, Pad.padBackward(g, row.shape(), p, PadMode.REFLECT).data());
        // replicate: padded = x0 x0 x0 x1 x2 x2
        assertArrayEquals(new float[] {60, 40, 110}, Pad.padBackward(g, row.shape(), p, PadMode.REPLICATE).data());
        assertArrayEquals(new float[] {30, 40, 50}, Pad.padBackward(g, row.shape(), p, PadMode.ZERO).data());
        assertMessage(assertThrows(IllegalArgumentException.class,
                () -> Pad.padBackward(Tensor.zeros(1, 5), row.shape(), p, PadMode.ZERO)), "[1, 5]", "[1, 6]");
    }

    @Test
    void reflectPaddingTooLargeFails() {
        Tensor x = Tensor.zeros(1, 1, 3, 5);
        assertMessage(assertThrows(IllegalArgumentException.class, () -> Pad.pad(x, Padding.of(3), PadMode.REFLECT)),
                "reflect padding 3+3 along the height", "< input size 3");
        Tensor w = Tensor.zeros(1, 1, 3, 3);
        ConvParams p = ConvParams.of(1, 3).withPadMode(PadMode.REFLECT);
        assertMessage(assertThrows(IllegalArgumentException.class, () -> Convolution.forward(x, w, null, p)),
                "reflect padding");
        // One-pixel image: no reflection possible at all, replicate works.
        Tensor one = Tensor.of(new float[] {5}, 1, 1, 1, 1);
        assertThrows(IllegalArgumentException.class, () -> Pad.pad(one, Padding.of(1), PadMode.REFLECT));
        assertArrayEquals(new float[] {5, 5, 5, 5, 5, 5, 5, 5, 5},
                Pad.pad(one, Padding.of(1), PadMode.REPLICATE).data());
    }

    @Test
    void padModeParse() {
        assertEquals(PadMode.ZERO, PadMode.parse("zero"));
        assertEquals(PadMode.REPLICATE, PadMode.parse("Replicate"));
        assertEquals(PadMode.REFLECT, PadMode.parse("reflect"));
        assertMessage(assertThrows(IllegalArgumentException.class, () -> PadMode.parse("wrap")), "'wrap'");
    }

    @Test
    void padWorksOnAnyLeadingDimensions() {
        Tensor x = Tensor.uniform(new java.util.Random(1), -1, 1, 2, 3, 4, 5);
        Tensor p = Pad.pad(x, new Padding(1, 2, 3, 0), PadMode.REFLECT);
        assertEquals(Shape.of(2, 3, 7, 8), p.shape());
        for (int n = 0; n < 2; n++) {
            for (int c = 0; c < 3; c++) {
                for (int i = 0; i < 4; i++) {
                    for (int j = 0; j < 5; j++) {
                        assertEquals(x.get(n, c, i, j), p.get(n, c, i + 1, j + 3));
                    }
                }
                assertEquals(x.get(n, c, 1, 3), p.get(n, c, 0, 0)); // reflected corner (-1, -3) -> (1, 3)
            }
        }
    }
}

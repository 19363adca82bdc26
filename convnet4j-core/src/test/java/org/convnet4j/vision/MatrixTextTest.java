package org.convnet4j.vision;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.convnet4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** The CLI's matrix printing, moved to the library (issue 14: the CLI only parses options and prints). */
class MatrixTextTest {

    @Test
    void columnsAreRightAlignedWholeNumbersAsTheyAreOthersWithFourDecimals() {
        Tensor m = Tensor.of(new float[] {1, -20, 0.5f, 300}, 2, 2);
        assertEquals("  " + "     1     -20\n" + "  " + "0.5000     300\n", MatrixText.format(m, "  "));
        // the last two axes of a [1, 1, 2, 2] tensor
        assertEquals("1  2\n3  4\n", MatrixText.format(Tensor.of(new float[] {1, 2, 3, 4}, 1, 1, 2, 2), ""));
    }

    @Test
    void rangeAndNumbersAreShort() {
        assertEquals("-3..0.1250", MatrixText.range(Tensor.of(new float[] {0, -3, 0.125f}, 1, 3)));
        assertEquals("1000000", MatrixText.num(1e6));
        assertEquals("1.000e+09", MatrixText.num(1e9));
        assertEquals("0.3333", MatrixText.num(1.0 / 3));
    }

    @Test
    void aPicturesSizeAndKind() {
        assertEquals("28x32 grey", MatrixText.size(Tensor.zeros(1, 28, 32)));
        assertEquals("4x5 RGB", MatrixText.size(Tensor.zeros(3, 4, 5)));
    }
}

package org.convnet4j.tensor;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

class TensorTest {
    @Test
    void indexingIsRowMajor() {
        Tensor t = Tensor.zeros(2, 3, 4, 5);
        t.set(7f, 1, 2, 3, 4);
        assertEquals(7f, t.data()[((1 * 3 + 2) * 4 + 3) * 5 + 4]);
        assertEquals(7f, t.get(1, 2, 3, 4));
    }

    @Test
    void badIndexNamesOperationAndShape() {
        Tensor t = Tensor.zeros(2, 3);
        IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, () -> t.get(2, 0));
        assertTrue(e.getMessage().contains("get") && e.getMessage().contains("[2, 3]"), e.getMessage());
        IllegalArgumentException r = assertThrows(IllegalArgumentException.class, () -> t.get(1));
        assertTrue(r.getMessage().contains("rank 2"), r.getMessage());
    }

    @Test
    void reshapeChecksSize() {
        Tensor t = Tensor.zeros(2, 6);
        assertEquals(Shape.of(3, 4), t.reshape(3, 4).shape());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.reshape(5, 2));
        assertTrue(e.getMessage().contains("[2, 6]") && e.getMessage().contains("[5, 2]"), e.getMessage());
    }

    @Test
    void shapeParsesCompactForm() {
        assertEquals(Shape.of(3, 224, 224), Shape.parse("3x224x224"));
        assertEquals("3x224x224", Shape.of(3, 224, 224).toCompactString());
        assertThrows(IllegalArgumentException.class, () -> Shape.parse("3xfoo"));
        assertThrows(IllegalArgumentException.class, () -> Shape.of(3, 0));
    }

    @Test
    void pictureShapesAreRefusedInTheWordsOfWhatWasTyped() {
        assertEquals(Shape.of(1, 28, 28), Shape.parsePicture(" 1x28x28 "));
        assertEquals(Shape.of(3, 32, 32), Shape.parsePicture("3,32,32"));
        // a 0 reaches parsePicture's own words (before: Shape's "shape [0, 28, 28]: every dimension must be >= 1")
        assertEquals("'0x28x28' is not CxHxW with positive whole numbers, e.g. 1x28x28",
                assertThrows(IllegalArgumentException.class, () -> Shape.parsePicture("0x28x28")).getMessage());
        assertEquals("'28x28' is not CxHxW, e.g. 1x28x28",
                assertThrows(IllegalArgumentException.class, () -> Shape.parsePicture("28x28")).getMessage());
        assertEquals("shape '1xax28': 'a' is not a whole number",
                assertThrows(IllegalArgumentException.class, () -> Shape.parsePicture("1xax28")).getMessage());
        assertEquals("pictures have 1 (grey) or 3 (RGB) channels, not 2",
                assertThrows(IllegalArgumentException.class, () -> Shape.parseGreyOrRgbPicture("2x8x8")).getMessage());
    }

    @Test
    void transposedTurnsAMatrixAround() {
        Tensor m = Tensor.zeros(2, 3);
        for (int i = 0; i < 6; i++) {
            m.data()[i] = i + 1; // [[1, 2, 3], [4, 5, 6]]
        }
        Tensor t = m.transposed();
        assertEquals(Shape.of(3, 2), t.shape());
        assertArrayEquals(new float[] {1, 4, 2, 5, 3, 6}, t.data());
        assertEquals(1f, m.data()[0], "a copy: the original is unchanged");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(2, 3, 4).transposed());
        assertTrue(e.getMessage().contains("not a matrix"), e.getMessage());
    }
}

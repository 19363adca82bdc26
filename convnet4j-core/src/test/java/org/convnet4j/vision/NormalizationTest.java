package org.convnet4j.vision;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.convnet4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

class NormalizationTest {

    @Test
    void lectureNormalisation() {
        Tensor r = Tensor.fromRows(new double[][] {
            {0, 0, 0, 0}, {-1020, -1020, -1020, -1020}, {-1020, -1020, -1020, -1020}, {0, 0, 0, 0}});
        Tensor n = Normalization.minMax(r);
        assertArrayEquals(Tensor.fromRows(new double[][] {
            {255, 255, 255, 255}, {0, 0, 0, 0}, {0, 0, 0, 0}, {255, 255, 255, 255}}).data(), n.data());
        assertEquals(0f, r.get(0, 0)); // input untouched
        assertEquals(-1020f, r.get(1, 0));
    }

    @Test
    void absMinMaxMakesStrongEdgesOfEitherSignBright() {
        Tensor t = Tensor.of(new float[] {-1020, 0, 510, 1020}, 1, 4);
        assertArrayEquals(new float[] {255, 0, 127.5f, 255}, Normalization.absMinMax(t).data());
        assertArrayEquals(new float[] {0, 127.5f, 191.25f, 255}, Normalization.minMax(t).data());
    }

    @Test
    void constantInputBecomesZeros() {
        assertArrayEquals(new float[4], Normalization.minMax(Tensor.full(org.convnet4j.tensor.Shape.of(2, 2), 7f)).data());
    }

    @Test
    void perChannelByDefaultOrWholeTensor() {
        Tensor t = Tensor.of(new float[] {0, 10, 0, 100}, 2, 1, 2); // two channels, 1x2 each
        assertArrayEquals(new float[] {0, 255, 0, 255}, Normalization.minMax(t).data());
        assertArrayEquals(new float[] {0, 25.5f, 0, 255}, Normalization.minMax(t, Normalization.Range.WHOLE_TENSOR).data());
        assertArrayEquals(new float[] {0, 255, 0, 255}, Normalization.apply(t, Normalization.Mode.MINMAX).data());
        assertArrayEquals(t.data(), Normalization.apply(t, Normalization.Mode.NONE).data());
        assertEquals(Normalization.Mode.ABS, Normalization.Mode.parse("abs"));
        assertThrows(IllegalArgumentException.class, () -> Normalization.Mode.parse("log"));
    }
}

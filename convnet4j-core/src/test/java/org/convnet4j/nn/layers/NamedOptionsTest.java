package org.convnet4j.nn.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.Random;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** The named forms of the layers that took positional booleans build what the deprecated forms built. */
class NamedOptionsTest {
    @Test
    @SuppressWarnings("deprecation")
    void argMax() {
        assertEquals(new ArgMax(1, false, true).config(), new ArgMax(1, ArgMax.Dims.DROP, ArgMax.Ties.LAST).config());
        assertEquals(new ArgMax(0, true, false).config(), new ArgMax(0).config());
        ArgMax last = new ArgMax(0, ArgMax.Dims.DROP, ArgMax.Ties.LAST);
        ArgMax first = new ArgMax(0, ArgMax.Dims.DROP, ArgMax.Ties.FIRST);
        Tensor x = Tensor.of(new float[] {3, 1, 3, 2}, 1, 4, 1);
        assertEquals(Shape.of(1), last.outputShape(Shape.of(4, 1)));
        assertEquals(2f, last.forward(x, false).data()[0]);
        assertEquals(0f, first.forward(x, false).data()[0]);
        assertEquals(Shape.of(1, 1), new ArgMax(0).outputShape(Shape.of(4, 1)));
    }

    @Test
    @SuppressWarnings("deprecation")
    void constantArithmetic() {
        Tensor v = Tensor.of(new float[] {2, 3}, 2, 1);
        ConstantArithmetic named = new ConstantArithmetic(ArithmeticOp.SUB, v, ConstantArithmetic.Order.CONSTANT_FIRST,
                ConstantArithmetic.Kind.LEARNABLE);
        ConstantArithmetic old = new ConstantArithmetic(ArithmeticOp.SUB, v, true, true);
        assertEquals(old.config(), named.config());
        assertEquals(old.learnable(), named.learnable());
        assertEquals(new ConstantArithmetic(ArithmeticOp.SUB, v, false).config(), new ConstantArithmetic(ArithmeticOp.SUB, v).config());
        Tensor x = Tensor.randn(new Random(1), 1f, 2, 2, 1);
        named.outputShape(Shape.of(2, 1));
        old.outputShape(Shape.of(2, 1));
        assertEquals(0f, old.forward(x, false).maxAbsDiff(named.forward(x, false)));
        assertNotEquals(new ConstantArithmetic(ArithmeticOp.SUB, v).config(), named.config());
    }

    @Test
    @SuppressWarnings("deprecation")
    void dilatedPools() {
        int[] k = {2, 2};
        int[] s = {2, 2};
        int[] d = {1, 1};
        int[] p = {0, 0, 0, 0};
        assertEquals(new DilatedAvgPool2d(k, s, d, p, true, true).config(), new DilatedAvgPool2d(k, s, d, p,
                PoolRounding.CEIL, DilatedAvgPool2d.Divisor.IMAGE_AND_PADDING).config());
        assertEquals(new DilatedMaxPool2d(k, s, d, p, true).config(), new DilatedMaxPool2d(k, s, d, p, PoolRounding.CEIL)
                .config());
        assertEquals(Shape.of(1, 3, 3), new DilatedMaxPool2d(k, s, d, p, PoolRounding.CEIL).outputShape(Shape.of(1, 5, 5)));
        assertEquals(Shape.of(1, 2, 2), new DilatedMaxPool2d(k, s, d, p, PoolRounding.FLOOR).outputShape(Shape.of(1, 5, 5)));
    }
}

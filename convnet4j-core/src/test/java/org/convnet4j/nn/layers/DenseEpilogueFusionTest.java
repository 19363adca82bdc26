package org.convnet4j.nn.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Random;
import org.convnet4j.nn.Graph;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * In inference without gradients a {@link Dense} absorbs the bias Add of an exported Linear layer
 * ({@link ConstantArithmetic} with a one-row constant) and the activation after it, and computes more than
 * {@link Dense#ROW_BLOCK} rows in row blocks with its kept packed weights: ConvNeXt's channels-last MLP (MatMul, Add,
 * GELU, MatMul, Add, layer scale) and a whole-sample Dense with its own bias and a ReLU give the bits of running the
 * layers one by one, at 800 rows (five blocks) and 100 rows (one), with the switches on and off.
 */
class DenseEpilogueFusionTest {

    private static Tensor row(Random r, int n) {
        return Tensor.randn(r, 0.5f, 1, 1, n);
    }

    private static Graph mlp(int side) {
        Random r = new Random(4);
        Graph g = Graph.builder("mlp").input("x", Shape.of(side, side, 24))
                .add("fc1", Dense.withoutBias(40).over(Dense.Over.LAST_AXIS), "x")
                .add("b1", new ConstantArithmetic(ArithmeticOp.ADD, row(r, 40), ConstantArithmetic.Order.CONSTANT_FIRST,
                        ConstantArithmetic.Kind.LEARNABLE), "fc1")
                .add("gelu", new Elementwise(Elementwise.Fn.GELU), "b1")
                .add("fc2", Dense.withoutBias(24).over(Dense.Over.LAST_AXIS), "gelu")
                .add("b2", new ConstantArithmetic(ArithmeticOp.SUB, row(r, 24), ConstantArithmetic.Order.CONSTANT_FIRST,
                        ConstantArithmetic.Kind.FIXED), "fc2")
                .add("scale", new ConstantArithmetic(ArithmeticOp.MUL, row(r, 24), ConstantArithmetic.Order.INPUT_FIRST,
                        ConstantArithmetic.Kind.LEARNABLE), "b2")
                .add("fc3", Dense.withoutBias(16).over(Dense.Over.LAST_AXIS), "scale")
                .add("relu", new ReLU(), "fc3") // no bias Add: the activation alone
                .add("fc4", Dense.withoutBias(8).over(Dense.Over.LAST_AXIS), "relu")
                .add("shared", new ConstantArithmetic(ArithmeticOp.ADD, row(r, 8)), "fc4")
                .add("tap", new Elementwise(Elementwise.Fn.GELU), "fc4") // fc4 has two readers: not absorbed
                .add("sum", new Add(), "shared", "tap")
                .add("flat", new Flatten(), "sum")
                .add("head", new Dense(10), "flat")
                .add("head_act", new ReLU(), "head")
                .output("head_act").build();
        g.initialize(5);
        return g;
    }

    @Test
    void fusedInferenceGivesTheBitsOfLayerByLayerInference() {
        boolean exact = Elementwise.exactGelu;
        try {
            for (int side : new int[] {20, 10}) { // 800 rows in blocks, 100 rows in one
                Graph g = mlp(side);
                Tensor x = Tensor.randn(new Random(side), 1f, 2, side, side, 24);
                for (boolean e : new boolean[] {false, true}) {
                    Elementwise.exactGelu = e;
                    Tensor layerByLayer = g.forward(x, false); // gradients tracked: nothing fused, one GEMM call
                    String what = side + " x " + side + ", exact GELU " + e;
                    assertArrayEquals(layerByLayer.data(), g.predict(x).data(), what);
                    assertArrayEquals(layerByLayer.data(), g.predict(x).data(), what + ", weights kept packed");
                    Dense.fuseEpilogue = false;
                    try {
                        assertArrayEquals(layerByLayer.data(), g.predict(x).data(), what + ", nothing absorbed");
                    } finally {
                        Dense.fuseEpilogue = true;
                    }
                    Dense.blockRows = false;
                    try {
                        assertArrayEquals(layerByLayer.data(), g.predict(x).data(), what + ", no row blocks");
                    } finally {
                        Dense.blockRows = true;
                    }
                }
            }
        } finally {
            Elementwise.exactGelu = exact;
        }
    }

    @Test
    void absorbsARowConstantThenAnActivation() {
        Dense fc = Dense.withoutBias(6).over(Dense.Over.LAST_AXIS);
        Random r = new Random(1);
        ConstantArithmetic bias = new ConstantArithmetic(ArithmeticOp.ADD, row(r, 6));
        ConstantArithmetic column = new ConstantArithmetic(ArithmeticOp.ADD, Tensor.randn(r, 1f, 1, 5, 1));
        Elementwise gelu = new Elementwise(Elementwise.Fn.GELU);
        Graph.builder("g").input("x", Shape.of(3, 5, 4)).add("fc", fc, "x").add("b", bias, "fc").add("a", gelu, "b")
                .add("c", column, "a").output("c").build();
        assertEquals(2, fc.absorbable(List.of(bias, gelu)));
        assertEquals(1, fc.absorbable(List.of(bias, column)));
        assertEquals(1, fc.absorbable(List.of(gelu, bias)));
        assertEquals(0, fc.absorbable(List.of(column, gelu))); // a constant over another axis
        assertEquals(0, fc.absorbable(List.of(new Transpose(0, 2, 1))));
        assertEquals(0, fc.absorbable(List.of(new ConstantArithmetic(ArithmeticOp.ADD, row(r, 3)))));
        Dense.fuseEpilogue = false;
        try {
            assertEquals(0, fc.absorbable(List.of(bias, gelu)));
        } finally {
            Dense.fuseEpilogue = true;
        }
    }
}

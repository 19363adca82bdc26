package org.convnet4j.io.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.convnet4j.io.onnx.OnnxModel.Attribute;
import org.convnet4j.io.onnx.OnnxModel.Node;
import org.convnet4j.io.onnx.OnnxModel.ValueInfo;
import org.junit.jupiter.api.Test;

/** The typed run-time path of {@link OnnxImporter#importProgram}, on small models built here. */
class OnnxProgramTest {

    private static Node node(String op, List<String> in, String out, Attribute... attrs) {
        Map<String, Attribute> m = new java.util.LinkedHashMap<>();
        for (Attribute a : attrs) {
            m.put(a.name(), a);
        }
        return new Node(out, op, "", in, List.of(out), m);
    }

    private static Attribute ints(String name, long... v) {
        return new Attribute(name, Attribute.INTS, 0, 0, null, null, null, v, null);
    }

    private static OnnxModel.Model model(List<Node> nodes, List<TensorData> inits, List<ValueInfo> in,
                                         List<ValueInfo> out) {
        return new OnnxModel.Model(8, Map.of("", 13L), "test", "", new OnnxModel.Graph("g", nodes, inits, in, out,
                List.of()));
    }

    private static TensorData floats(String name, float[] v, long... dims) {
        return new TensorData(name, OnnxModel.FLOAT, dims, v, null);
    }

    /**
     * A dynamic-batch model: Shape and Size of a computed tensor are graph outputs and also feed a Reshape (folded at
     * import with the symbolic batch), and a comparison of the computed tensor is an output. Run with two batch sizes,
     * the shapes follow the batch of each run.
     */
    @Test
    void shapeSizeAndComparisonFollowEachRunsBatch() {
        List<Node> nodes = List.of(
                node("Relu", List.of("x"), "y"),
                node("Shape", List.of("y"), "s"),
                node("Size", List.of("y"), "n"),
                node("Gather", List.of("s", "zero"), "b", new Attribute("axis", Attribute.INT, 0, 0, null, null, null,
                        null, null)),
                node("Unsqueeze", List.of("b", "axes"), "b1"),
                node("Concat", List.of("b1", "minus1"), "target", new Attribute("axis", Attribute.INT, 0, 0, null, null,
                        null, null, null)),
                node("Reshape", List.of("y", "target"), "flat"),
                node("Less", List.of("y", "half"), "small"));
        List<TensorData> inits = List.of(TensorData.ofLongs("zero", new long[] {0}),
                TensorData.ofLongs("axes", new long[] {0}, 1), TensorData.ofLongs("minus1", new long[] {-1}, 1),
                floats("half", new float[] {0.5f}));
        OnnxModel.Model m = model(nodes, inits, List.of(new ValueInfo("x", OnnxModel.FLOAT, new long[] {-1, 3, 4}, true)),
                List.of(new ValueInfo("s", OnnxModel.INT64, new long[] {3}, true),
                        new ValueInfo("n", OnnxModel.INT64, new long[0], true),
                        new ValueInfo("flat", OnnxModel.FLOAT, new long[] {-1, 12}, true),
                        new ValueInfo("small", OnnxModel.BOOL, new long[] {-1, 3, 4}, true)));
        OnnxProgram p = OnnxImporter.importProgram(m, "dynamic");
        assertNotNull(p.graph());
        for (int batch : new int[] {2, 5}) {
            float[] v = new float[batch * 12];
            for (int i = 0; i < v.length; i++) {
                v[i] = (i % 7) / 7f - 0.2f;
            }
            List<TensorData> out = p.run(List.of(floats("x", v, batch, 3, 4)));
            assertArrayEquals(new long[] {batch, 3, 4}, out.get(0).longs(), "Shape at batch " + batch);
            assertEquals(OnnxModel.INT64, out.get(0).dataType());
            assertArrayEquals(new long[] {batch * 12L}, out.get(1).longs(), "Size at batch " + batch);
            assertArrayEquals(new long[] {batch, 12}, out.get(2).dims());
            TensorData small = out.get(3);
            assertEquals(OnnxModel.BOOL, small.dataType());
            assertArrayEquals(new long[] {batch, 3, 4}, small.dims());
            for (int i = 0; i < v.length; i++) {
                float relu = Math.max(0, v[i]);
                assertEquals(relu, out.get(2).floats()[i], 0f);
                assertEquals(relu < 0.5f ? 1 : 0, small.longs()[i], "element " + i);
            }
        }
    }

    /** uint8 arithmetic wraps as the type does; integer division truncates; an all-typed model has no float graph. */
    @Test
    void integerArithmeticIsExactInItsType() {
        OnnxModel.Model m = model(List.of(node("Add", List.of("a", "b"), "sum"), node("Div", List.of("a", "b"), "q")),
                List.of(), List.of(new ValueInfo("a", OnnxModel.UINT8, new long[] {3}, true),
                        new ValueInfo("b", OnnxModel.UINT8, new long[] {3}, true)),
                List.of(new ValueInfo("sum", OnnxModel.UINT8, new long[] {3}, true),
                        new ValueInfo("q", OnnxModel.UINT8, new long[] {3}, true)));
        OnnxProgram p = OnnxImporter.importProgram(m, "uint8");
        assertNull(p.graph());
        TensorData a = new TensorData("a", OnnxModel.UINT8, new long[] {3}, new float[] {200, 7, 255},
                new long[] {200, 7, 255});
        TensorData b = new TensorData("b", OnnxModel.UINT8, new long[] {3}, new float[] {100, 2, 1}, new long[] {100, 2, 1});
        List<TensorData> out = p.run(List.of(a, b));
        assertArrayEquals(new long[] {44, 9, 0}, out.get(0).longs());
        assertArrayEquals(new long[] {2, 3, 255}, out.get(1).longs());
        TensorData zero = new TensorData("b", OnnxModel.UINT8, new long[] {3}, new float[] {1, 0, 1}, new long[] {1, 0, 1});
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> p.run(List.of(a, zero)));
        assertTrue(e.getMessage().contains("division by zero") && e.getMessage().contains("Div node 'q'"), e.getMessage());
    }

    /** Integers beyond 2^53 are refused rather than rounded; a float input given integers is refused. */
    @Test
    void inexactValuesAreRefused() {
        OnnxModel.Model m = model(List.of(node("Mul", List.of("a", "a"), "sq")), List.of(),
                List.of(new ValueInfo("a", OnnxModel.INT64, new long[] {1}, true)),
                List.of(new ValueInfo("sq", OnnxModel.INT64, new long[] {1}, true)));
        OnnxProgram p = OnnxImporter.importProgram(m, "int64");
        assertArrayEquals(new long[] {1L << 52}, p.run(List.of(TensorData.ofLongs("a", new long[] {1L << 26}, 1)))
                .get(0).longs());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> p.run(List.of(TensorData.ofLongs("a", new long[] {1L << 27}, 1))));
        assertTrue(e.getMessage().contains("beyond 2^53"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> p.run(List.of(floats("a", new float[] {2}, 1))));
        assertTrue(e.getMessage().contains("declared INT64"), e.getMessage());
    }

    /**
     * A typed value computed at run time feeds a float layer again in a second stage (Elu of a comparison cast to
     * float: 1 where x < 0.5, else 0); the float path (importModel) refuses it, and integer inputs, as before.
     */
    @Test
    void typedValuesFeedFloatLayersInASecondStage() {
        OnnxModel.Model m = model(List.of(node("Less", List.of("x", "half"), "c"),
                node("Cast", List.of("c"), "cf", new Attribute("to", Attribute.INT, 0, OnnxModel.FLOAT, null, null, null,
                        null, null)), node("Elu", List.of("cf"), "y")), List.of(floats("half", new float[] {0.5f})),
                List.of(new ValueInfo("x", OnnxModel.FLOAT, new long[] {1, 4}, true)),
                List.of(new ValueInfo("y", OnnxModel.FLOAT, new long[] {1, 4}, true)));
        OnnxProgram p = OnnxImporter.importProgram(m, "mixed");
        assertTrue(p.toString().contains("second stage of 1 nodes"), p.toString());
        TensorData y = p.run(List.of(floats("x", new float[] {0.2f, 0.7f, -3f, 0.5f}, 1, 4))).get(0);
        assertArrayEquals(new float[] {1, 0, 1, 0}, y.floats());
        UnsupportedOnnxException e = assertThrows(UnsupportedOnnxException.class,
                () -> OnnxImporter.importModel(m, "mixed"));
        assertTrue(e.getMessage().contains("Less"), e.getMessage());
        OnnxModel.Model ints = model(List.of(node("Relu", List.of("a"), "r")), List.of(),
                List.of(new ValueInfo("a", OnnxModel.INT32, new long[] {1, 2}, true)),
                List.of(new ValueInfo("r", OnnxModel.INT32, new long[] {1, 2}, true)));
        e = assertThrows(UnsupportedOnnxException.class, () -> OnnxImporter.importModel(ints, "ints"));
        assertTrue(e.getMessage().contains("element type INT32"), e.getMessage());
    }

    /**
     * A node the float graph refuses for working across the batch axis (a Transpose moving axis 0) runs on the typed
     * path after the float layers, for inference; importModel still refuses it, naming the node.
     */
    @Test
    void acrossTheBatchAxisRunsOnTheTypedPath() {
        OnnxModel.Model m = model(List.of(node("Relu", List.of("x"), "r"), node("Transpose", List.of("r"), "t",
                ints("perm", 1, 0))), List.of(), List.of(new ValueInfo("x", OnnxModel.FLOAT, new long[] {2, 3}, true)),
                List.of(new ValueInfo("t", OnnxModel.FLOAT, new long[] {3, 2}, true)));
        UnsupportedOnnxException e = assertThrows(UnsupportedOnnxException.class, () -> OnnxImporter.importModel(m, "t"));
        assertTrue(e.getMessage().contains("Transpose node 't'"), e.getMessage());
        OnnxProgram p = OnnxImporter.importProgram(m, "t");
        assertEquals(1, p.typedNodeCount());
        TensorData out = p.run(List.of(floats("x", new float[] {1, -2, 3, -4, 5, 6}, 2, 3))).get(0);
        assertArrayEquals(new long[] {3, 2}, out.dims());
        assertArrayEquals(new float[] {1, 0, 0, 5, 3, 6}, out.floats());
    }

    /**
     * DOUBLE values stay exact on the typed path (0.1 + 0.2 is 0.30000000000000004, which float32 cannot hold), a
     * FLOAT16 value is rounded once to FLOAT16 (2049 to 2048, ties to even), and a UINT64 above 2^53 is refused.
     */
    @Test
    void doubleExactHalfRoundedUint64Checked() {
        OnnxModel.Model m = model(List.of(node("Add", List.of("x", "c"), "y"), node("Cast", List.of("y"), "h",
                        new Attribute("to", Attribute.INT, 0, OnnxModel.FLOAT16, null, null, null, null, null)),
                        node("Max", List.of("u", "u"), "v")),
                List.of(TensorData.ofDoubles("c", new double[] {0.2, 2048.5}, 2)),
                List.of(new ValueInfo("x", OnnxModel.DOUBLE, new long[0], false),
                        new ValueInfo("u", OnnxModel.UINT64, new long[] {1}, true)),
                List.of(new ValueInfo("y", OnnxModel.DOUBLE, new long[] {2}, true),
                        new ValueInfo("h", OnnxModel.FLOAT16, new long[] {2}, true),
                        new ValueInfo("v", OnnxModel.UINT64, new long[] {1}, true)));
        OnnxProgram p = OnnxImporter.importProgram(m, "types");
        TensorData x = TensorData.ofDoubles("x", new double[] {0.1}, 1);
        List<TensorData> out = p.run(List.of(x, new TensorData("u", OnnxModel.UINT64, new long[] {1},
                new float[] {7}, new long[] {7})));
        assertEquals(OnnxModel.DOUBLE, out.get(0).dataType());
        assertEquals(0.1 + 0.2, out.get(0).value(0));
        assertEquals(2048.6, out.get(0).value(1));
        assertEquals(OnnxModel.FLOAT16, out.get(1).dataType());
        assertEquals((float) HalfFloats.roundToHalf(0.1 + 0.2), out.get(1).floats()[0]);
        assertEquals(2048f, out.get(1).floats()[1]); // 2048.6 -> 2048 (FLOAT16 spacing is 2 there)
        assertArrayEquals(new long[] {7}, out.get(2).longs());
        long big = -1L; // 2^64 - 1 as UINT64
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> p.run(List.of(x,
                new TensorData("u", OnnxModel.UINT64, new long[] {1}, new float[] {0x1p64f}, new long[] {big}))));
        assertTrue(e.getMessage().contains("18446744073709551615"), e.getMessage());
    }
}

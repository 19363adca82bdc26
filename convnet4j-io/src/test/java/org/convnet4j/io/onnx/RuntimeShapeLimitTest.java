package org.convnet4j.io.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.convnet4j.io.onnx.OnnxModel.Node;
import org.convnet4j.io.onnx.OnnxModel.ValueInfo;
import org.convnet4j.testsupport.TemporaryProperty;
import org.convnet4j.util.MemoryBudget;
import org.junit.jupiter.api.Test;

/**
 * ConstantOfShape and Expand given their shape at run time (a graph input): a shape beyond what the typed path holds
 * is refused before anything is allocated, in one line naming the model, the node, the shape and the limit. Before,
 * the refusal read "a constant of shape [65536, 65536] is too large to fold" (the importer's word, meaning nothing at
 * run time), and a shape whose product passes 2^63 ([2^23, 2^41]) wrapped round to 0 values: an empty array under a
 * shape of 2^64 elements.
 */
class RuntimeShapeLimitTest {
    private static final String NAME = "runtime_shape.onnx";

    /** x [1] (float) and shape [2] (int64) as inputs; {@code op} = ConstantOfShape(shape) or Expand(x, shape). */
    private static OnnxProgram program(String op) {
        List<String> in = op.equals("Expand") ? List.of("x", "shape") : List.of("shape");
        Node n = new Node("big", op, "", in, List.of("y"), Map.of());
        List<ValueInfo> inputs = op.equals("Expand")
                ? List.of(new ValueInfo("x", OnnxModel.FLOAT, new long[] {1}, true),
                        new ValueInfo("shape", OnnxModel.INT64, new long[] {2}, true))
                : List.of(new ValueInfo("shape", OnnxModel.INT64, new long[] {2}, true));
        OnnxModel.Model m = new OnnxModel.Model(8, Map.of("", 13L), "test", "", new OnnxModel.Graph("g", List.of(n),
                List.of(), inputs, List.of(new ValueInfo("y", OnnxModel.FLOAT, new long[] {-1, -1}, false)), List.of()));
        return OnnxImporter.importProgram(m, NAME);
    }

    private static List<TensorData> feed(String op, long... shape) {
        TensorData s = TensorData.ofLongs("shape", shape, 2);
        return op.equals("Expand") ? List.of(new TensorData("x", OnnxModel.FLOAT, new long[] {1}, new float[] {3}, null), s)
                : List.of(s);
    }

    private static String refusal(String op, long... shape) {
        OnnxProgram p = program(op);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> p.run(feed(op, shape)));
        String m = e.getMessage();
        assertFalse(m.contains("\n") || m.contains("fold"), m);
        assertTrue(m.startsWith(NAME + ": " + op + " node 'big'"), "names the model and the node: " + m);
        return m;
    }

    @Test
    void aShapeBeyondTheLimitIsRefusedNamingNodeShapeAndLimit() {
        for (String op : List.of("ConstantOfShape", "Expand")) {
            String m = refusal(op, 65536, 65536);
            assertTrue(m.contains("output shape [65536, 65536] = 4294967296 values, above the limit of 16777216 values"
                    + " (134 MB in double precision) for a tensor computed outside the float layers"), m);
            m = refusal(op, 1L << 23, 1L << 41); // 2^64: wrapped round to 0 before
            assertTrue(m.contains("output shape [8388608, 2199023255552] = more than 2^63 values, above the limit"), m);
        }
    }

    /** Within the element limit but above the memory limit: refused by the memory limit, naming the option. */
    @Test
    void aShapeAboveTheMemoryLimitIsRefusedByIt() {
        try (TemporaryProperty budget = TemporaryProperty.set(MemoryBudget.PROPERTY, "64m")) {
            String m = refusal("ConstantOfShape", 4096, 4096);
            assertTrue(m.contains("ConstantOfShape output shape [4096, 4096] in double precision needs 134 MB, above the"
                    + " limit of"), m);
            assertTrue(m.contains("--max-model-memory"), m);
        }
    }

    /**
     * An integer MatMul on the typed path counts its output before allocating it: [32768, 1] x [1, 32768] (32,768 values
     * each) asked for 2^30 doubles (8 GB: out of memory), [65536, 1] x [1, 65536] wrapped round to an empty array (an
     * index out of bounds); both are now refused naming the shape and the limit. [3, 1] x [1, 2] runs.
     */
    @Test
    void anIntegerMatMulCountsItsOutputFirst() {
        Node n = new Node("mm", "MatMul", "", List.of("a", "b"), List.of("y"), Map.of());
        OnnxModel.Model m = new OnnxModel.Model(8, Map.of("", 13L), "test", "", new OnnxModel.Graph("g", List.of(n),
                List.of(), List.of(new ValueInfo("a", OnnxModel.INT64, new long[] {-1, 1}, true),
                        new ValueInfo("b", OnnxModel.INT64, new long[] {1, -1}, true)),
                List.of(new ValueInfo("y", OnnxModel.INT64, new long[] {-1, -1}, true)), List.of()));
        OnnxProgram p = OnnxImporter.importProgram(m, NAME);
        for (int side : new int[] {32768, 65536}) {
            List<TensorData> feed = List.of(TensorData.ofLongs("a", new long[side], side, 1),
                    TensorData.ofLongs("b", new long[side], 1, side));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> p.run(feed));
            assertTrue(e.getMessage().startsWith(NAME + ": MatMul node 'mm'"), e.getMessage());
            assertTrue(e.getMessage().contains("output shape [" + side + ", " + side + "] = " + (long) side * side
                    + " values, above the limit of 16777216 values"), e.getMessage());
        }
        TensorData y = p.run(List.of(TensorData.ofLongs("a", new long[] {1, 2, 3}, 3, 1),
                TensorData.ofLongs("b", new long[] {10, 20}, 1, 2))).get(0);
        assertArrayEquals(new long[] {10, 20, 20, 40, 30, 60}, y.longs());
    }

    /**
     * Tile's repeats given at run time: [2^30] of a one-value input allocated 2^30 indices (8 GB: out of memory), [-1]
     * failed as a NegativeArraySizeException (an internal error, exit 1, in the CLI); both are one line now.
     */
    @Test
    void tileRepeatsAreCountedFirst() {
        Node n = new Node("tile", "Tile", "", List.of("x", "repeats"), List.of("y"), Map.of());
        OnnxModel.Model m = new OnnxModel.Model(8, Map.of("", 13L), "test", "", new OnnxModel.Graph("g", List.of(n),
                List.of(), List.of(new ValueInfo("x", OnnxModel.INT64, new long[] {1}, true),
                        new ValueInfo("repeats", OnnxModel.INT64, new long[] {1}, true)),
                List.of(new ValueInfo("y", OnnxModel.INT64, new long[] {-1}, true)), List.of()));
        OnnxProgram p = OnnxImporter.importProgram(m, NAME);
        TensorData x = TensorData.ofLongs("x", new long[] {7}, 1);
        String[][] cases = {{String.valueOf(1L << 30), "output shape [1073741824] = 1073741824 values, above the limit"},
            {"-1", "Tile repeats [-1]: must be >= 0"}};
        for (String[] c : cases) {
            List<TensorData> feed = List.of(x, TensorData.ofLongs("repeats", new long[] {Long.parseLong(c[0])}, 1));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> p.run(feed));
            assertTrue(e.getMessage().startsWith(NAME + ": Tile node 'tile'") && e.getMessage().contains(c[1]),
                    e.getMessage());
        }
        assertArrayEquals(new long[] {7, 7, 7}, p.run(List.of(x, TensorData.ofLongs("repeats", new long[] {3}, 1)))
                .get(0).longs());
    }

    /**
     * Pad with its pads given at run time: [0, 2^27] of a one-value input was allowed up to 2^28 values (an int[] and a
     * double[] of that size, 1.5 GB here) and refused only once made; now before, at the typed path's limit.
     */
    @Test
    void padCountsItsOutputAtTheTypedPathsLimitFirst() {
        Node n = new Node("pad", "Pad", "", List.of("x", "pads"), List.of("y"), Map.of());
        OnnxModel.Model m = new OnnxModel.Model(8, Map.of("", 13L), "test", "", new OnnxModel.Graph("g", List.of(n),
                List.of(), List.of(new ValueInfo("x", OnnxModel.INT64, new long[] {1}, true),
                        new ValueInfo("pads", OnnxModel.INT64, new long[] {2}, true)),
                List.of(new ValueInfo("y", OnnxModel.INT64, new long[] {-1}, true)), List.of()));
        OnnxProgram p = OnnxImporter.importProgram(m, NAME);
        TensorData x = TensorData.ofLongs("x", new long[] {7}, 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> p.run(List.of(x, TensorData.ofLongs("pads", new long[] {0, 1L << 27}, 2))));
        assertTrue(e.getMessage().startsWith(NAME + ": Pad node 'pad'") && e.getMessage().contains(
                "pads [0, 134217728] make more than 16777216 values, the limit for a tensor computed outside"), e.getMessage());
        assertArrayEquals(new long[] {0, 7, 0, 0}, p.run(List.of(x, TensorData.ofLongs("pads", new long[] {1, 2}, 2)))
                .get(0).longs());
    }

    /** Split's num_outputs (opset 18, the model's attribute) sized an array before any check: 2^30 asked for 8 GB. */
    @Test
    void splitNumOutputsIsCheckedBeforeItSizesAnything() {
        OnnxModel.Attribute num = new OnnxModel.Attribute("num_outputs", OnnxModel.Attribute.INT, 0, 1L << 30, null, null,
                null, null, null);
        Node n = new Node("split", "Split", "", List.of("x"), List.of("a"), Map.of("num_outputs", num));
        OnnxModel.Model m = new OnnxModel.Model(8, Map.of("", 18L), "test", "", new OnnxModel.Graph("g", List.of(n),
                List.of(), List.of(new ValueInfo("x", OnnxModel.INT64, new long[] {4}, true)),
                List.of(new ValueInfo("a", OnnxModel.INT64, new long[] {-1}, true)), List.of()));
        OnnxProgram p = OnnxImporter.importProgram(m, NAME);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> p.run(List.of(TensorData.ofLongs("x", new long[] {1, 2, 3, 4}, 4))));
        assertTrue(e.getMessage().contains("Split num_outputs 1073741824 does not fit its 1 output(s) and axis of length 4"),
                e.getMessage());
    }

    /** The control: a shape within both limits runs. */
    @Test
    void aSmallShapeRuns() {
        TensorData y = program("ConstantOfShape").run(feed("ConstantOfShape", 2, 3)).get(0);
        assertArrayEquals(new long[] {2, 3}, y.dims());
        assertEquals(6, y.floats().length);
        TensorData e = program("Expand").run(feed("Expand", 2, 3)).get(0);
        assertArrayEquals(new long[] {2, 3}, e.dims());
        assertEquals(3f, e.floats()[5]);
    }
}

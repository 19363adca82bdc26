package org.convnet4j.io.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.convnet4j.io.onnx.OnnxModel.Attribute;
import org.convnet4j.io.onnx.OnnxModel.Node;
import org.convnet4j.io.onnx.OnnxModel.ValueInfo;
import org.junit.jupiter.api.Test;

/**
 * The forms opset 18 gave old operators (Split's {@code num_outputs}, Pad's {@code axes} input, the Reduce*
 * {@code axes} input), which the installed node test data (onnx 1.12, opset 17) does not exercise: each gives exactly
 * the values of the opset-13 form of the same computation, which the node suite checks against onnx's outputs, and
 * of the definition written out here.
 */
class OnnxOpset18FormsTest {
    private static final long[] X_DIMS = {2, 7, 4};

    private static float[] input() {
        Random r = new Random(18);
        float[] x = new float[2 * 7 * 4];
        for (int k = 0; k < x.length; k++) {
            x[k] = (float) r.nextGaussian();
        }
        return x;
    }

    private static Attribute i(String name, long v) {
        return new Attribute(name, Attribute.INT, 0, v, null, null, null, null, null);
    }

    private static Attribute is(String name, long... v) {
        return new Attribute(name, Attribute.INTS, 0, 0, null, null, null, v, null);
    }

    private static Map<String, Attribute> attrs(Attribute... as) {
        Map<String, Attribute> m = new LinkedHashMap<>();
        for (Attribute a : as) {
            m.put(a.name(), a);
        }
        return m;
    }

    private static TensorData longs(String name, long... v) {
        return new TensorData(name, OnnxModel.INT64, new long[] {v.length}, null, v);
    }

    /** Runs one node on x (graph input "x") at {@code opset}; the outputs' values in order. */
    private static List<float[]> run(long opset, Node node, List<TensorData> initializers, int outputs) {
        List<ValueInfo> outs = new ArrayList<>();
        for (int k = 0; k < outputs; k++) {
            outs.add(new ValueInfo(node.outputs().get(k), OnnxModel.FLOAT, null, false));
        }
        OnnxModel.Model m = new OnnxModel.Model(8, Map.of("", opset), "t", "", new OnnxModel.Graph("g",
                List.of(node), initializers, List.of(new ValueInfo("x", OnnxModel.FLOAT, X_DIMS, true)), outs,
                List.of()));
        List<TensorData> ys = OnnxImporter.importProgram(m, "opset" + opset).run(
                List.of(new TensorData("x", OnnxModel.FLOAT, X_DIMS, input(), null)));
        List<float[]> values = new ArrayList<>();
        for (TensorData y : ys) {
            float[] v = new float[(int) y.elementCount()];
            for (int k = 0; k < v.length; k++) {
                v[k] = (float) y.value(k);
            }
            values.add(v);
        }
        return values;
    }

    @Test
    void splitNumOutputsGivesTheExplicitSplitsValues() {
        // 7 into 3: chunks of ceil(7 / 3) = 3, the last one smaller (3, 3, 1)
        List<String> outs = List.of("a", "b", "c");
        List<float[]> new18 = run(18, new Node("s", "Split", "", List.of("x"), outs,
                attrs(i("axis", 1), i("num_outputs", 3))), List.of(), 3);
        List<float[]> old13 = run(13, new Node("s", "Split", "", List.of("x", "split"), outs, attrs(i("axis", 1))),
                List.of(longs("split", 3, 3, 1)), 3);
        float[] x = input();
        int[] starts = {0, 3, 6};
        int[] sizes = {3, 3, 1};
        for (int o = 0; o < 3; o++) {
            assertArrayEquals(old13.get(o), new18.get(o), "output " + o);
            float[] want = new float[2 * sizes[o] * 4];
            int k = 0;
            for (int n = 0; n < 2; n++) {
                for (int c = starts[o]; c < starts[o] + sizes[o]; c++) {
                    for (int w = 0; w < 4; w++) {
                        want[k++] = x[(n * 7 + c) * 4 + w];
                    }
                }
            }
            assertArrayEquals(want, new18.get(o), "output " + o + " against the definition");
        }
    }

    @Test
    void padAxesGivesTheFullPadsValues() {
        // axes (1, 2): pads 1 before and 2 after axis 1, 0 before and 3 after axis 2, filled with 0.5
        TensorData value = new TensorData("v", OnnxModel.FLOAT, new long[0], new float[] {0.5f}, null);
        float[] new18 = run(18, new Node("p", "Pad", "", List.of("x", "pads", "v", "axes"), List.of("y"), attrs()),
                List.of(longs("pads", 1, 0, 2, 3), value, longs("axes", 1, 2)), 1).get(0);
        float[] old13 = run(13, new Node("p", "Pad", "", List.of("x", "pads", "v"), List.of("y"), attrs()),
                List.of(longs("pads", 0, 1, 0, 0, 2, 3), value), 1).get(0);
        assertArrayEquals(old13, new18);
        float[] x = input();
        assertEquals(2 * 10 * 7, new18.length);
        for (int n = 0; n < 2; n++) {
            for (int c = 0; c < 10; c++) {
                for (int w = 0; w < 7; w++) {
                    boolean inside = c >= 1 && c < 8 && w < 4;
                    float want = inside ? x[(n * 7 + c - 1) * 4 + w] : 0.5f;
                    assertEquals(want, new18[(n * 10 + c) * 7 + w], n + "," + c + "," + w);
                }
            }
        }
    }

    @Test
    void reduceAxesInputGivesTheAttributesValues() {
        for (String op : List.of("ReduceMean", "ReduceMax", "ReduceL2", "ReduceLogSumExp")) {
            for (long keep : new long[] {0, 1}) {
                float[] new18 = run(18, new Node("r", op, "", List.of("x", "axes"), List.of("y"),
                        attrs(i("keepdims", keep))), List.of(longs("axes", -1)), 1).get(0);
                float[] old13 = run(13, new Node("r", op, "", List.of("x"), List.of("y"),
                        attrs(i("keepdims", keep), is("axes", -1))), List.of(), 1).get(0);
                assertArrayEquals(old13, new18, op + " keepdims " + keep);
                assertEquals(2 * 7, new18.length, op);
            }
        }
        // ReduceMean over axis 1 written out
        float[] y = run(18, new Node("r", "ReduceMean", "", List.of("x", "axes"), List.of("y"),
                attrs(i("keepdims", 0))), List.of(longs("axes", 1)), 1).get(0);
        float[] x = input();
        for (int n = 0; n < 2; n++) {
            for (int w = 0; w < 4; w++) {
                double sum = 0;
                for (int c = 0; c < 7; c++) {
                    sum += x[(n * 7 + c) * 4 + w];
                }
                assertEquals(sum / 7, y[n * 4 + w], 1e-6, n + "," + w);
            }
        }
    }
}

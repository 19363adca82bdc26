package org.convnet4j.io.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.UnaryOperator;
import org.convnet4j.io.onnx.OnnxFolding.Arr;
import org.convnet4j.io.onnx.OnnxModel.Attribute;
import org.convnet4j.io.onnx.OnnxModel.Node;
import org.junit.jupiter.api.Test;

/**
 * The typed path's float32 route (FLOAT Conv, MatMul and Gemm on the engine's SGEMM, {@link OnnxFloatRoute}) against
 * its double loops (the same operators on DOUBLE values, which OnnxGradientsTest checks against finite differences),
 * on the same values: the forward pass and every input gradient.
 *
 * <p>Tolerance, per element: the operands are float32 values (exact in both routes), so the float32 result differs
 * from the double one only by float32 rounding of its sum of products. Summed in any order, with or without fused
 * multiply-adds, a sum of n products a_i b_i rounded to float32 errs by at most gamma(n) sum |a_i b_i| with
 * gamma(n) = n u / (1 - n u), u = 2^-24 (Higham, Accuracy and Stability of Numerical Algorithms, 3.1), the double
 * reference by about 2^-53 of the same. We allow gamma(n + 2) (a bias add and the final rounding on top of the
 * n products) times sum |a_i b_i|, which the double route computes exactly enough from the absolute values (the same
 * operator on |x|, |w|, |dY|). A wrong index or a lost product errs by a whole term, far above this bound (it is
 * about 1e-5 of the terms' sum for the largest n here).
 *
 * <p>ConvTranspose (since 2026-12-05 on the route too, as the adjoint of a Conv: col2im of W^T X) is checked the same
 * way. The pools (MaxPool, AveragePool, LpPool on window tables computed once per geometry) sum in double precision on
 * either type and round FLOAT results once: they are checked against a plain loop over every window written here, and
 * the FLOAT results must be exactly the DOUBLE ones rounded to float32.
 */
class OnnxFloatRouteTest {
    private static final double U = 0x1p-24;
    private final SplittableRandom rnd = new SplittableRandom(2026_12_05);

    /** Random float32 values in [-1.5, 1.5) (exact as doubles), as FLOAT. */
    private Arr random(long... dims) {
        long n = 1;
        for (long d : dims) {
            n *= d;
        }
        double[] v = new double[(int) n];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) rnd.nextDouble(-1.5, 1.5);
        }
        return new Arr(OnnxModel.FLOAT, dims, v);
    }

    private static Arr retyped(Arr a, int type, UnaryOperator<double[]> values) {
        return a == null ? null : new Arr(type, a.dims(), values.apply(a.v().clone()));
    }

    private static double[] abs(double[] v) {
        for (int i = 0; i < v.length; i++) {
            v[i] = Math.abs(v[i]);
        }
        return v;
    }

    private static Attribute i(String name, long v) {
        return new Attribute(name, Attribute.INT, 0, v, null, null, null, null, null);
    }

    private static Attribute is(String name, long... v) {
        return new Attribute(name, Attribute.INTS, 0, 0, null, null, null, v, null);
    }

    private static Attribute f(String name, float v) {
        return new Attribute(name, Attribute.FLOAT, v, 0, null, null, null, null, null);
    }

    private static Attribute s(String name, String v) {
        return new Attribute(name, Attribute.STRING, 0, 0, v.getBytes(java.nio.charset.StandardCharsets.UTF_8), null,
                null, null, null);
    }

    private static Node node(String op, int inputs, Attribute... attrs) {
        Map<String, Attribute> m = new LinkedHashMap<>();
        for (Attribute a : attrs) {
            m.put(a.name(), a);
        }
        List<String> in = new ArrayList<>();
        for (int k = 0; k < inputs; k++) {
            in.add("in" + k);
        }
        return new Node(op, op, "", in, List.of("out"), m);
    }

    /** Gemm with |alpha| and |beta|: the absolute values' sums then bound the float32 error of the original. */
    private static Node absolute(Node n) {
        Map<String, Attribute> m = new LinkedHashMap<>(n.attributes());
        for (String a : new String[] {"alpha", "beta"}) {
            if (m.containsKey(a)) {
                m.put(a, f(a, Math.abs(m.get(a).f())));
            }
        }
        return new Node(n.name(), n.opType(), n.domain(), n.inputs(), n.outputs(), m);
    }

    /**
     * Runs {@code n} forward and backward on FLOAT {@code in} (the float32 route) and on the same values as DOUBLE
     * (the double loops), and requires every output and gradient element within gamma(terms + 2) of the sum of its
     * terms' absolute values. {@code terms}: the largest number of products summed into one element of Y, and of
     * each input's gradient.
     */
    private void compare(Node n, int[] terms, Arr... in) {
        List<Arr> f32 = new ArrayList<>(List.of(in));
        List<Arr> f64 = new ArrayList<>();
        List<Arr> abs = new ArrayList<>();
        for (Arr a : in) {
            f64.add(retyped(a, OnnxModel.DOUBLE, v -> v));
            abs.add(retyped(a, OnnxModel.DOUBLE, OnnxFloatRouteTest::abs));
        }
        Arr y32 = OnnxFolding.eval(n, f32, 13);
        Arr y64 = OnnxFolding.eval(n, f64, 13);
        Arr yAbs = OnnxFolding.eval(absolute(n), abs, 13);
        assertArrayEquals(y64.dims(), y32.dims(), n.opType());
        assertEquals(OnnxModel.FLOAT, y32.type());
        assertEquals(OnnxModel.DOUBLE, y64.type());
        within(n.opType() + " Y", y32.v(), y64.v(), yAbs.v(), terms[0]);
        // the routes differ: the float32 route's products are float32 values, the double loops' are not
        if (!n.opType().equals("Gemm")) { // Gemm's alpha and beta C are applied in double precision after the product
            for (double v : y32.v()) {
                assertEquals(v, (float) v, 0, n.opType() + ": the float32 route gives float32 values");
            }
        }
        int notFloat = 0;
        for (double v : y64.v()) {
            notFloat += v != (float) v ? 1 : 0;
        }
        assertTrue(notFloat > y64.v().length / 2, n.opType() + ": the double loops keep double precision");

        double[] dy = random(y32.dims()).v();
        List<double[]> g32 = OnnxGradients.backward(n, f32, List.of(dy), 13);
        List<double[]> g64 = OnnxGradients.backward(n, f64, List.of(dy), 13);
        List<double[]> gAbs = OnnxGradients.backward(absolute(n), abs, List.of(abs(dy.clone())), 13);
        for (int j = 0; j < in.length; j++) {
            if (in[j] == null) {
                continue;
            }
            within(n.opType() + " d input " + j, g32.get(j), g64.get(j), gAbs.get(j), terms[1 + j]);
        }
    }

    private static void within(String what, double[] got, double[] want, double[] absSum, int terms) {
        assertEquals(want.length, got.length, what);
        double gamma = (terms + 2) * U / (1 - (terms + 2) * U);
        for (int k = 0; k < got.length; k++) {
            double bound = gamma * absSum[k];
            double err = Math.abs(got[k] - want[k]);
            assertTrue(err <= bound, what + "[" + k + "]: float32 " + got[k] + ", double " + want[k] + ", error " + err
                    + " above the bound " + bound);
        }
    }

    @Test
    void convolutionsOverOneToThreeSpatialAxes() {
        // 3-D: strides, pads, dilations; Y sums 2 x 8 products + B; dX over 3 filters x 8 kernel cells; dW over the
        // batch x output cells
        Node conv3 = node("Conv", 3, is("pads", 1, 0, 1, 1, 0, 1), is("strides", 2, 1, 1), is("dilations", 1, 1, 2));
        Arr y = OnnxFolding.eval(conv3, List.of(random(2, 2, 3, 4, 5), random(3, 2, 2, 2, 2), random(3)), 13);
        int cells = (int) (y.size() / (y.dims()[0] * y.dims()[1]));
        compare(conv3, new int[] {16, 24, 2 * cells, 2 * cells}, random(2, 2, 3, 4, 5), random(3, 2, 2, 2, 2),
                random(3));
        // 1-D, two groups, SAME_UPPER, no bias
        compare(node("Conv", 2, i("group", 2), s("auto_pad", "SAME_UPPER")), new int[] {6, 3, 5}, random(1, 4, 5),
                random(2, 2, 3));
        // 2-D depthwise (group = channels), stride 2
        compare(node("Conv", 3, i("group", 6), is("pads", 1, 1, 1, 1), is("strides", 2, 2)),
                new int[] {10, 9, 2 * 25, 2 * 25}, random(2, 6, 9, 9), random(6, 1, 3, 3), random(6));
    }

    /** A convolution whose columns exceed one tile ({@link OnnxFloatRoute#TILE_FLOATS}): several tiles per sample. */
    @Test
    void aConvolutionInSeveralTilesOfColumns() {
        long channels = 64;
        long side = 66; // 64 x 64 output cells of 64 x 9 column rows: 2.4 M floats
        assertTrue(channels * 9 * 64 * 64 > OnnxFloatRoute.TILE_FLOATS, "more than one tile");
        compare(node("Conv", 3), new int[] {(int) channels * 9 + 1, 3 * 9, 64 * 64, 64 * 64},
                random(1, channels, side, side), random(3, channels, 3, 3), random(3));
    }

    @Test
    void transposedConvolutionsOverOneToThreeSpatialAxes() {
        // 2-D: strides 2, pads, output_padding; Y sums up to 4 channels x 9 kernel cells; dX 3 filters x 9; dW 2 x 9
        compare(node("ConvTranspose", 3, is("strides", 2, 2), is("pads", 1, 1, 1, 1), is("output_padding", 1, 1)),
                new int[] {36, 27, 18, 2 * 36}, random(2, 4, 3, 3), random(4, 3, 3, 3), random(3));
        // 1-D, two groups, dilation 2, no bias
        compare(node("ConvTranspose", 2, i("group", 2), is("dilations", 2)), new int[] {6, 3, 5}, random(1, 4, 5),
                random(4, 1, 3));
        // 3-D with output_shape (pads derived from it), strides 2, 1, 2
        compare(node("ConvTranspose", 3, is("strides", 2, 1, 2), is("output_shape", 3, 4, 4)),
                new int[] {24, 36, 12, 48}, random(1, 2, 2, 3, 2), random(2, 3, 2, 2, 3), random(3));
        // SAME_UPPER, stride 3, a kernel wider than the stride
        compare(node("ConvTranspose", 2, s("auto_pad", "SAME_UPPER"), is("strides", 3, 3)), new int[] {2 * 4, 3 * 16,
                5 * 5}, random(1, 2, 5, 5), random(2, 3, 4, 4));
    }

    /**
     * The pooled value of every window by a plain walk over its cells ({@code op}: MaxPool, AveragePool, LpPool),
     * for up to 3 spatial axes, from the ONNX definition: window i of an axis starts at i stride - pad begin, its
     * cells step by the dilation; output size floor (or ceil) of (in + pads - span) / stride + 1, in ceil mode
     * without a last window that starts in the end pad.
     */
    private static double[] plainPool(String op, double[] x, long[] dims, long[] k, long[] st, long[] dil, long[] pads,
                                      boolean ceil, boolean includePad, double p) {
        int r = dims.length - 2;
        int[] in = {1, 1, 1};
        int[] kk = {1, 1, 1};
        int[] s = {1, 1, 1};
        int[] d = {1, 1, 1};
        int[] pb = new int[3];
        int[] pe = new int[3];
        int[] out = {1, 1, 1};
        for (int i = 0; i < r; i++) {
            int a = 3 - r + i;
            in[a] = (int) dims[2 + i];
            kk[a] = (int) k[i];
            s[a] = (int) st[i];
            d[a] = (int) dil[i];
            pb[a] = (int) pads[i];
            pe[a] = (int) pads[r + i];
            double q = (in[a] + pb[a] + pe[a] - ((kk[a] - 1) * d[a] + 1)) / (double) s[a];
            out[a] = (int) (ceil ? Math.ceil(q) : Math.floor(q)) + 1;
            if (ceil && (out[a] - 1) * s[a] >= in[a] + pb[a]) {
                out[a]--;
            }
        }
        int planes = (int) (dims[0] * dims[1]);
        double[] y = new double[planes * out[0] * out[1] * out[2]];
        int yi = 0;
        for (int pl = 0; pl < planes; pl++) {
            for (int o0 = 0; o0 < out[0]; o0++) {
                for (int o1 = 0; o1 < out[1]; o1++) {
                    for (int o2 = 0; o2 < out[2]; o2++) {
                        double acc = op.equals("MaxPool") ? Double.NEGATIVE_INFINITY : 0;
                        int inside = 0;
                        int padded = 0;
                        for (int k0 = 0; k0 < kk[0]; k0++) {
                            for (int k1 = 0; k1 < kk[1]; k1++) {
                                for (int k2 = 0; k2 < kk[2]; k2++) {
                                    int q0 = o0 * s[0] + k0 * d[0] - pb[0];
                                    int q1 = o1 * s[1] + k1 * d[1] - pb[1];
                                    int q2 = o2 * s[2] + k2 * d[2] - pb[2];
                                    if (q0 >= -pb[0] && q0 < in[0] + pe[0] && q1 >= -pb[1] && q1 < in[1] + pe[1]
                                            && q2 >= -pb[2] && q2 < in[2] + pe[2]) {
                                        padded++;
                                    }
                                    if (q0 < 0 || q0 >= in[0] || q1 < 0 || q1 >= in[1] || q2 < 0 || q2 >= in[2]) {
                                        continue;
                                    }
                                    double v = x[((pl * in[0] + q0) * in[1] + q1) * in[2] + q2];
                                    inside++;
                                    acc = op.equals("MaxPool") ? Math.max(acc, v)
                                            : op.equals("AveragePool") ? acc + v : acc + Math.pow(Math.abs(v), p);
                                }
                            }
                        }
                        y[yi++] = op.equals("MaxPool") ? acc : op.equals("AveragePool")
                                ? acc / (includePad ? padded : inside) : Math.pow(acc, 1 / p);
                    }
                }
            }
        }
        return y;
    }

    private static long[] attr(Node n, String name, int count, long fill) {
        Attribute a = n.attributes().get(name);
        if (a != null) {
            return a.ints() != null ? a.ints() : new long[] {a.i()};
        }
        long[] v = new long[count];
        java.util.Arrays.fill(v, fill);
        return v;
    }

    @Test
    void poolsOnCachedWindowTablesMatchAPlainWalkAndRoundFloatResultsOnce() {
        List<Node> pools = new ArrayList<>();
        List<long[]> shapes = new ArrayList<>();
        for (String op : new String[] {"MaxPool", "AveragePool", "LpPool"}) {
            pools.add(node(op, 1, is("kernel_shape", 2, 2, 2), is("strides", 1, 2, 1), is("pads", 0, 1, 0, 0, 1, 1)));
            shapes.add(new long[] {2, 3, 3, 4, 4});
            pools.add(node(op, 1, is("kernel_shape", 3, 2), is("strides", 2, 2), is("dilations", 2, 1),
                    is("pads", 1, 0, 1, 1), i("ceil_mode", 1), i("p", 3)));
            shapes.add(new long[] {1, 2, 9, 6});
            pools.add(node(op, 1, is("kernel_shape", 3), is("strides", 2), is("pads", 1, 1), i("ceil_mode", 1),
                    i("count_include_pad", 1), i("p", 1)));
            shapes.add(new long[] {2, 2, 8});
            pools.add(node(op, 1, is("kernel_shape", 3, 3, 3), is("strides", 2, 2, 2), is("dilations", 1, 2, 1),
                    is("pads", 1, 2, 0, 1, 2, 2), i("count_include_pad", 1)));
            shapes.add(new long[] {1, 4, 6, 7, 5});
        }
        for (int c = 0; c < pools.size(); c++) {
            Node n = pools.get(c);
            Arr x32 = random(shapes.get(c));
            Arr x64 = retyped(x32, OnnxModel.DOUBLE, v -> v);
            int r = x32.rank() - 2;
            double[] want = plainPool(n.opType(), x64.v(), x64.dims(), attr(n, "kernel_shape", r, 1),
                    attr(n, "strides", r, 1), attr(n, "dilations", r, 1), attr(n, "pads", 2 * r, 0),
                    attr(n, "ceil_mode", 1, 0)[0] != 0, attr(n, "count_include_pad", 1, 0)[0] != 0,
                    attr(n, "p", 1, 2)[0]);
            String what = n.opType() + " case " + c;
            for (int pass = 0; pass < 2; pass++) { // the second pass reads the cached table
                Arr y64 = OnnxFolding.eval(n, List.of(x64), 18);
                Arr y32 = OnnxFolding.eval(n, List.of(x32), 18);
                assertEquals(want.length, y64.v().length, what);
                for (int k = 0; k < want.length; k++) {
                    assertEquals(want[k], y64.v()[k], 1e-12 * Math.max(1, Math.abs(want[k])), what + " [" + k + "]");
                    assertEquals((float) y64.v()[k], y32.v()[k], 0, what + ": FLOAT is the DOUBLE result rounded");
                }
                assertEquals(OnnxModel.FLOAT, y32.type());
                double[] dy = random(y32.dims()).v();
                assertArrayEquals(OnnxGradients.backward(n, List.of(x64), List.of(dy), 18).get(0),
                        OnnxGradients.backward(n, List.of(x32), List.of(dy), 18).get(0), 0, what + " dX");
            }
        }
        assertTrue(OnnxFloatRoute.cachedTables() > 0);
    }

    /** A 3-D LpPool (the float layers' LpPool2d refuses it) imports with importProgram and runs on the typed path. */
    @Test
    void aThreeDimensionalLpPoolImportsOntoTheTypedPath() {
        Arr x = random(1, 2, 3, 4, 4);
        float[] xf = new float[x.v().length];
        for (int k = 0; k < xf.length; k++) {
            xf[k] = (float) x.v()[k];
        }
        Node pool = new Node("pool", "LpPool", "", List.of("x"), List.of("y"), Map.of("kernel_shape",
                is("kernel_shape", 2, 2, 2), "strides", is("strides", 1, 2, 2), "p", i("p", 3)));
        OnnxModel.Model m = new OnnxModel.Model(8, Map.of("", 18L), "lp", "", new OnnxModel.Graph("lp", List.of(pool),
                List.of(), List.of(new OnnxModel.ValueInfo("x", OnnxModel.FLOAT, new long[] {1, 2, 3, 4, 4}, true)),
                List.of(new OnnxModel.ValueInfo("y", OnnxModel.FLOAT, new long[] {1, 2, 2, 2, 2}, true)), List.of()));
        TensorData y = OnnxImporter.importProgram(m, "lp").run(List.of(new TensorData("x", OnnxModel.FLOAT,
                new long[] {1, 2, 3, 4, 4}, xf, null))).get(0);
        assertArrayEquals(new long[] {1, 2, 2, 2, 2}, y.dims());
        double[] want = plainPool("LpPool", x.v(), x.dims(), new long[] {2, 2, 2}, new long[] {1, 2, 2},
                new long[] {1, 1, 1}, new long[6], false, false, 3);
        for (int k = 0; k < want.length; k++) {
            assertEquals((float) want[k], y.value(k), 1e-6 * want[k], "element " + k);
        }
    }

    @Test
    void matrixProducts() {
        compare(node("MatMul", 2), new int[] {4, 5, 2 * 3}, random(2, 3, 4), random(4, 5)); // batch axes broadcast
        compare(node("MatMul", 2), new int[] {4, 2 * 3, 2}, random(4), random(2, 4, 3)); // 1-D promoted
        compare(node("MatMul", 2), new int[] {4, 2 * 3, 2 * 3}, random(2, 1, 3, 4), random(3, 4, 2));
        compare(node("MatMul", 2), new int[] {300, 7, 5}, random(5, 300), random(300, 7));
        compare(node("Gemm", 3, i("transA", 1), i("transB", 1), f("alpha", 0.7f), f("beta", -1.3f)),
                new int[] {4 + 1, 5, 3, 3}, random(4, 3), random(5, 4), random(5));
        compare(node("Gemm", 3), new int[] {4 + 1, 2, 3, 2}, random(3, 4), random(4, 2), random(3, 1));
    }
}

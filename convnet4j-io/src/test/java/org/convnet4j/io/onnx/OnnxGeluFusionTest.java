package org.convnet4j.io.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.convnet4j.io.onnx.OnnxModel.Attribute;
import org.convnet4j.io.onnx.OnnxModel.Node;
import org.convnet4j.io.onnx.OnnxModel.ValueInfo;
import org.convnet4j.nn.Graph;
import org.convnet4j.nn.layers.Elementwise;
import org.convnet4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * GELU as exporters write it below opset 20 (a chain of Div/Mul, Erf or Tanh, Add, Mul nodes) is imported as one
 * {@link Elementwise} layer: in every node order recognised, its forward pass and its input gradient equal those of
 * the same file imported node by node ({@link OnnxImporter#importUnfused}) within float rounding; a chain whose
 * constants are off by more than one float rounding, or whose intermediate value is read elsewhere, stays unfused;
 * the export writes the chain again and the import fuses it back.
 */
class OnnxGeluFusionTest {
    private static final long[] DIMS = {2, 3, 4, 5};
    private static final double EPS = Math.ulp(1f) / 2; // float32's unit roundoff, 2^-24

    /** PyTorch 1.13's nn.GELU() at opsets 11 to 17: Div, Erf, Add, Mul(x, .), Mul(., 0.5), constants as nodes. */
    @Test
    void torchsExactOrderIsFusedAndMatchesTheUnfusedGraph() {
        List<Node> nodes = List.of(
                constant("sqrt2", (float) Math.sqrt(2)), constant("one", 1f), constant("half", 0.5f),
                node("Div", "s", "x", "sqrt2"), node("Erf", "e", "s"), node("Add", "a", "e", "one"),
                node("Mul", "m", "x", "a"), node("Mul", "y", "m", "half"));
        assertFusedAndEqual(nodes, Elementwise.Fn.GELU);
    }

    /** x * 0.5 first and x * (1/sqrt 2) for the Div (the form written out by hand in Python). */
    @Test
    void halfFirstAndMultiplyByTheInverseRootAreFused() {
        List<Node> nodes = List.of(
                constant("half", 0.5f), constant("r", (float) (1 / Math.sqrt(2))), constant("one", 1f),
                node("Mul", "h", "x", "half"), node("Mul", "s", "r", "x"), node("Erf", "e", "s"),
                node("Add", "a", "one", "e"), node("Mul", "y", "h", "a"));
        assertFusedAndEqual(nodes, Elementwise.Fn.GELU);
    }

    /** x * ((1 + erf) * 0.5), and (x * (1 + erf)) / 2 with initializers as the constants. */
    @Test
    void gateTimesHalfAndAFinalDivisionByTwoAreFused() {
        assertFusedAndEqual(List.of(constant("sqrt2", (float) Math.sqrt(2)), constant("one", 1f),
                constant("half", 0.5f), node("Div", "s", "x", "sqrt2"), node("Erf", "e", "s"),
                node("Add", "a", "e", "one"), node("Mul", "h", "half", "a"), node("Mul", "y", "x", "h")),
                Elementwise.Fn.GELU);
        assertFusedAndEqual(List.of(node("Div", "s", "x", "sqrt2"), node("Erf", "e", "s"), node("Add", "a", "e", "one"),
                node("Mul", "m", "a", "x"), node("Div", "y", "m", "two")), Elementwise.Fn.GELU,
                scalar("sqrt2", (float) Math.sqrt(2)), scalar("one", 1), scalar("two", 2));
    }

    /** PyTorch's nn.GELU(approximate='tanh') export, and the cube written as Pow(x, 3). */
    @Test
    void theTanhApproximationIsFused() {
        List<Node> torch = List.of(
                constant("kappa", 0.044715f), constant("beta", (float) Math.sqrt(2 / Math.PI)), constant("one", 1f),
                constant("half", 0.5f), node("Mul", "xx", "x", "x"), node("Mul", "cube", "x", "xx"),
                node("Mul", "kc", "kappa", "cube"), node("Add", "sum", "x", "kc"), node("Mul", "inner", "beta", "sum"),
                node("Tanh", "t", "inner"), node("Add", "a", "one", "t"), node("Mul", "m", "x", "a"),
                node("Mul", "y", "half", "m"));
        assertFusedAndEqual(torch, Elementwise.Fn.GELU_TANH);
        List<Node> pow = List.of(
                constant("three", 3f), constant("kappa", 0.044715f), constant("beta", (float) Math.sqrt(2 / Math.PI)),
                constant("one", 1f), constant("half", 0.5f), node("Pow", "cube", "x", "three"),
                node("Mul", "kc", "cube", "kappa"), node("Add", "sum", "kc", "x"), node("Mul", "inner", "sum", "beta"),
                node("Tanh", "t", "inner"), node("Add", "a", "t", "one"), node("Mul", "h", "x", "half"),
                node("Mul", "y", "a", "h"));
        assertFusedAndEqual(pow, Elementwise.Fn.GELU_TANH);
    }

    /** A divisor one float step above float(√2) is still within one float rounding of √2, and matches. */
    @Test
    void constantsWithinOneFloatRoundingAreAccepted() {
        assertFusedAndEqual(torchOrder(Math.nextUp((float) Math.sqrt(2)), 0.5f), Elementwise.Fn.GELU);
    }

    /**
     * Near misses stay node by node: a half two float roundings off, a divisor of 1.5, a three-element constant, the
     * Erf's value read by another node, and a Tanh chain whose kappa is 0.04. Each must import (and compute) as the
     * unfused graph does.
     */
    @Test
    void nearMissesStayUnfused() {
        float offHalf = Math.nextUp(Math.nextUp(0.5f));
        assertUnfused(torchOrder((float) Math.sqrt(2), offHalf), "half two roundings off");
        assertUnfused(torchOrder(1.5f, 0.5f), "divisor 1.5");
        List<Node> shared = new ArrayList<>(torchOrder((float) Math.sqrt(2), 0.5f));
        shared.set(shared.size() - 1, node("Mul", "g", "m", "half"));
        shared.add(node("Add", "y", "g", "e")); // the Erf's value feeds the chain and this Add
        assertUnfused(shared, "erf read twice");
        List<Node> tanh = List.of(
                constant("kappa", 0.04f), constant("beta", (float) Math.sqrt(2 / Math.PI)), constant("one", 1f),
                constant("half", 0.5f), node("Mul", "xx", "x", "x"), node("Mul", "cube", "x", "xx"),
                node("Mul", "kc", "kappa", "cube"), node("Add", "sum", "x", "kc"), node("Mul", "inner", "beta", "sum"),
                node("Tanh", "t", "inner"), node("Add", "a", "one", "t"), node("Mul", "m", "x", "a"),
                node("Mul", "y", "half", "m"));
        assertUnfused(tanh, "kappa 0.04");
        OnnxModel.Model vector = model(List.of(node("Div", "s", "x", "sqrt2"), node("Erf", "e", "s"),
                node("Add", "a", "e", "one"), node("Mul", "m", "x", "a"), node("Mul", "y", "m", "half")),
                List.of(scalar("sqrt2", (float) Math.sqrt(2)), scalar("one", 1), new TensorData("half", OnnxModel.FLOAT,
                        new long[] {3, 1, 1}, new float[] {0.5f, 0.5f, 0.5f}, null)));
        Graph v = OnnxImporter.importModel(vector, "vector");
        assertEquals(0, count(v, Elementwise.Fn.GELU), "a three-element half is no GELU: " + v.nodes());
    }

    /** The export writes each GELU as the decomposed chain (opset 17 has no Gelu); the import fuses it back. */
    @Test
    void exportWritesTheChainAndTheImportFusesItBack() {
        for (Elementwise.Fn fn : List.of(Elementwise.Fn.GELU, Elementwise.Fn.GELU_TANH)) {
            Graph g = Graph.builder("g").input("x", org.convnet4j.tensor.Shape.of(3, 4, 5))
                    .add("act", new Elementwise(fn), "x").output("act").build();
            OnnxModel.Model m = OnnxExporter.toOnnx(g);
            assertTrue(m.graph().nodes().stream().noneMatch(n -> n.opType().equals("Gelu")), fn + " written as Gelu");
            assertTrue(m.graph().nodes().stream().anyMatch(n -> n.opType().equals(fn == Elementwise.Fn.GELU ? "Erf"
                    : "Tanh")), fn + ": " + m.graph().nodes());
            Graph back = OnnxImporter.importModel(m, "exported " + fn);
            assertEquals(1, count(back, fn), fn + " fused back");
            assertEquals(1, count(back, null), "nothing else computes: " + back.nodes());
            Tensor x = input(7);
            assertEquals(0, maxAbs(g.predict(x), back.predict(x)), fn + ": the same layer, the same bits");
        }
    }

    // ---- helpers --------------------------------------------------------------------------------

    private static List<Node> torchOrder(float sqrt2, float half) {
        return List.of(constant("sqrt2", sqrt2), constant("one", 1f), constant("half", half),
                node("Div", "s", "x", "sqrt2"), node("Erf", "e", "s"), node("Add", "a", "e", "one"),
                node("Mul", "m", "x", "a"), node("Mul", "y", "m", "half"));
    }

    /** The fused import has exactly one layer (fn); its forward and input gradient equal the unfused graph's. */
    private static void assertFusedAndEqual(List<Node> nodes, Elementwise.Fn fn, TensorData... inits) {
        OnnxModel.Model m = model(nodes, List.of(inits));
        Graph fused = OnnxImporter.importModel(m, "fused");
        Graph plain = OnnxImporter.importUnfused(m, "unfused");
        assertEquals(1, count(fused, fn), "one " + fn + " layer: " + fused.nodes());
        assertEquals(1, count(fused, null), "and nothing else: " + fused.nodes());
        assertTrue(count(plain, null) >= 5, "the unfused import keeps the chain: " + plain.nodes());
        Tensor x = input(11);
        Tensor yFused = fused.forward(List.of(x), true);
        Tensor yPlain = plain.forward(List.of(x), true);
        Tensor dy = input(12);
        float[] dxFused = fused.backwardAll(dy).get(0).data();
        float[] dxPlain = plain.backwardAll(dy).get(0).data();
        float[] xs = x.data();
        float[] g = dy.data();
        for (int i = 0; i < xs.length; i++) {
            // each float operation of the chain rounds once, on values no larger than |x| (forward) or
            // |dy| (1 + |x|) (gradient); the cube of the tanh form on |x|^3 (|x| <= 3 here)
            double scale = Math.abs(xs[i]) * (fn == Elementwise.Fn.GELU_TANH ? 1 + xs[i] * xs[i] : 1);
            double fwd = Math.abs(yFused.data()[i] - yPlain.data()[i]);
            assertTrue(fwd <= 16 * EPS * scale, fn + " forward at x = " + xs[i] + ": " + yFused.data()[i] + " vs "
                    + yPlain.data()[i]);
            double back = Math.abs(dxFused[i] - dxPlain[i]);
            assertTrue(back <= 16 * EPS * Math.abs(g[i]) * (1 + scale), fn + " gradient at x = " + xs[i] + ": "
                    + dxFused[i] + " vs " + dxPlain[i]);
        }
    }

    private static void assertUnfused(List<Node> nodes, String what) {
        OnnxModel.Model m = model(nodes, List.of());
        Graph g = OnnxImporter.importModel(m, what);
        Graph plain = OnnxImporter.importUnfused(m, what);
        assertEquals(0, count(g, Elementwise.Fn.GELU) + count(g, Elementwise.Fn.GELU_TANH), what + ": " + g.nodes());
        assertEquals(count(plain, null), count(g, null), what);
        Tensor x = input(5);
        assertEquals(0, maxAbs(plain.predict(x), g.predict(x)), what);
    }

    /** Layers (input nodes aside) that are Elementwise of fn, or all of them for null. */
    private static long count(Graph g, Elementwise.Fn fn) {
        return g.nodes().stream().filter(n -> !n.isInput())
                .filter(n -> fn == null || n.layer() instanceof Elementwise e && e.fn() == fn).count();
    }

    private static double maxAbs(Tensor a, Tensor b) {
        double m = 0;
        for (int i = 0; i < a.data().length; i++) {
            m = Math.max(m, Math.abs(a.data()[i] - b.data()[i]));
        }
        return m;
    }

    /** Values over [-3, 3] with 0 and both ends among them. */
    private static Tensor input(long seed) {
        Random r = new Random(seed);
        float[] v = new float[(int) (DIMS[0] * DIMS[1] * DIMS[2] * DIMS[3])];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (6 * r.nextDouble() - 3);
        }
        v[0] = 0;
        v[1] = 3;
        v[2] = -3;
        return Tensor.wrap(v, (int) DIMS[0], (int) DIMS[1], (int) DIMS[2], (int) DIMS[3]);
    }

    private static OnnxModel.Model model(List<Node> nodes, List<TensorData> inits) {
        return new OnnxModel.Model(8, Map.of("", 17L), "test", "", new OnnxModel.Graph("g", nodes, inits,
                List.of(new ValueInfo("x", OnnxModel.FLOAT, DIMS, true)),
                List.of(new ValueInfo("y", OnnxModel.FLOAT, DIMS, true)), List.of()));
    }

    private static Node node(String op, String out, String... in) {
        return new Node(out, op, "", List.of(in), List.of(out), Map.of());
    }

    private static Node constant(String name, float value) {
        TensorData t = new TensorData(name, OnnxModel.FLOAT, new long[0], new float[] {value}, null);
        return new Node(name, "Constant", "", List.of(), List.of(name),
                Map.of("value", new Attribute("value", Attribute.TENSOR, 0, 0, null, t, null, null, null)));
    }

    private static TensorData scalar(String name, float value) {
        return new TensorData(name, OnnxModel.FLOAT, new long[0], new float[] {value}, null);
    }
}

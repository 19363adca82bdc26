package org.convnet4j.io.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.convnet4j.io.onnx.OnnxModel.Model;
import org.convnet4j.nn.GradientCheck;
import org.convnet4j.nn.Graph;
import org.convnet4j.nn.Model.SummaryRow;
import org.convnet4j.nn.ModelSpec;
import org.convnet4j.nn.Parameter;
import org.convnet4j.nn.layers.ArithmeticOp;
import org.convnet4j.nn.layers.AvgPool2d;
import org.convnet4j.nn.layers.BatchNorm2d;
import org.convnet4j.nn.layers.Clip;
import org.convnet4j.nn.layers.Concat;
import org.convnet4j.nn.layers.ConstantArithmetic;
import org.convnet4j.nn.layers.Conv2d;
import org.convnet4j.nn.layers.Dense;
import org.convnet4j.nn.layers.GlobalAvgPool2d;
import org.convnet4j.nn.layers.LRN;
import org.convnet4j.nn.layers.MaxPool2d;
import org.convnet4j.nn.layers.PadNd;
import org.convnet4j.nn.layers.ReLU;
import org.convnet4j.nn.layers.Softmax;
import org.convnet4j.nn.layers.Tanh;
import org.convnet4j.ops.Padding;
import org.convnet4j.ops.PaddingSpec;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Export to ONNX and import back: same outputs, trainable, savable; broken files give clean errors. */
class OnnxRoundTripTest {

    static Graph smallNet() {
        Graph g = Graph.builder("net")
                .input("image", Shape.of(3, 9, 9))
                .add("norm", new ConstantArithmetic(ArithmeticOp.SUB, Tensor.of(new float[] {0.1f, 0.2f, 0.3f}, 3, 1, 1),
                        false), "image")
                .add("conv1", new Conv2d(4, 3).padding(PaddingSpec.explicit(new Padding(1, 0, 1, 2))).stride(2), "norm")
                .add("bn1", new BatchNorm2d(), "conv1")
                .add("relu1", new ReLU(), "bn1")
                .add("grouped", new Conv2d(4, 3).padding(1).groups(2), "relu1")
                .add("lrn", new LRN(3), "grouped")
                .add("pad", new PadNd(new int[] {0, 1, 1}, new int[] {0, 1, 1}, PadNd.Mode.REFLECT, 0), "relu1")
                .add("pool", new MaxPool2d(3).stride(1), "pad")
                .add("up", new org.convnet4j.nn.layers.ConvTranspose2d(4, 3).stride(2).padding(new Padding(1, 0, 1, 1))
                        .outputPadding(1, 1).groups(2), "relu1")
                .add("down", new MaxPool2d(2), "up")
                .add("cat", new Concat(), "lrn", "pool", "down")
                .add("avg", new AvgPool2d(2).stride(1).padding(PaddingSpec.explicit(new Padding(1, 0, 1, 0))), "cat")
                .add("clip", new Clip(-2, 2), "avg")
                .add("gap", new GlobalAvgPool2d(), "clip")
                .add("fc", new Dense(5), "gap")
                .add("tanh", new Tanh(), "fc")
                .add("probs", new Softmax(), "tanh")
                .build();
        g.initialize(7);
        Random r = new Random(3);
        BatchNorm2d bn = (BatchNorm2d) g.node("bn1").layer();
        for (int i = 0; i < 4; i++) {
            bn.runningMean().value().data()[i] = (float) r.nextGaussian() * 0.1f;
            bn.runningVar().value().data()[i] = 0.5f + r.nextFloat();
        }
        return g;
    }

    static Graph reimport(Graph g) throws OnnxFormatException {
        byte[] bytes = OnnxWriter.modelBytes(OnnxExporter.toOnnx(g));
        return OnnxImporter.importModel(OnnxReader.readModel(bytes, "memory"), "memory");
    }

    @Test
    void exportThenImportGivesTheSameOutputs() throws Exception {
        Graph g = smallNet();
        Graph back = reimport(g);
        Tensor x = Tensor.randn(new Random(1), 1f, 2, 3, 9, 9);
        Tensor want = g.predict(x);
        Tensor got = back.predict(x);
        assertEquals(want.shape(), got.shape());
        assertTrue(want.maxAbsDiff(got) < 1e-5, "max diff " + want.maxAbsDiff(got));
        assertEquals(g.parameterCount(), back.parameterCount());
    }

    @Test
    void learnableConstantsStayLearnableAndFixedOnesFixed() throws Exception {
        // exported as an initializer (a parameter) or as a Constant node (a fixed value), imported back the same
        Graph g = Graph.builder("affine").input("x", Shape.of(2, 3, 3))
                .add("scale", new ConstantArithmetic(ArithmeticOp.MUL, Tensor.of(new float[] {0.5f, 2f}, 2, 1, 1),
                        false, true), "x")
                .add("norm", new ConstantArithmetic(ArithmeticOp.SUB, Tensor.of(new float[] {0.1f, 0.2f}, 2, 1, 1),
                        false, false), "scale")
                .build();
        Graph back = reimport(g);
        List<ConstantArithmetic> layers = back.nodes().stream().map(n -> n.layer())
                .filter(l -> l instanceof ConstantArithmetic).map(l -> (ConstantArithmetic) l).toList();
        assertEquals(2, layers.size());
        assertEquals(List.of(true, false), layers.stream().map(ConstantArithmetic::learnable).toList());
        assertEquals(2, back.trainableParameterCount());
        Tensor x = Tensor.randn(new Random(5), 1f, 2, 2, 3, 3);
        assertEquals(0f, g.predict(x).maxAbsDiff(back.predict(x)));
    }

    @Test
    void dilatedAveragePoolAndCubicResizeExportAndImportBack() throws Exception {
        // opset 17 has no dilated AveragePool: a dilated depthwise Conv of ones times the divisors
        for (boolean include : new boolean[] {false, true}) {
            Graph g = Graph.builder("pools").input("x", Shape.of(3, 9, 8))
                    .add("avg", new org.convnet4j.nn.layers.DilatedAvgPool2d(new int[] {3, 2}, new int[] {2, 1},
                            new int[] {2, 3}, new int[] {1, 2, 1, 0}, true, include), "x")
                    .add("cubic", new org.convnet4j.nn.layers.AxisTaps(2, 4, new int[] {0, 0, 1, 2, 0, 1, 2, 3,
                        3, 4, 5, 6}, new float[] {-0.1f, 0.6f, 0.6f, -0.1f, 0.2f, 0.3f, 0.3f, 0.2f, 0f, 0f, 1f, 0f}),
                            "avg")
                    .build();
            Graph back = reimport(g);
            Tensor x = Tensor.randn(new Random(6), 1f, 2, 3, 9, 8);
            assertTrue(g.predict(x).maxAbsDiff(back.predict(x)) < 1e-5f, "include_pad " + include);
            // the Conv of ones and the divisor Mul come back as the same fixed pool, not as a learnable Conv
            // (the cubic resize comes back as a MatMul with its interpolation matrix: a Dense, learnable)
            Graph twice = reimport(back);
            for (Graph r : List.of(back, twice)) {
                assertTrue(r.nodes().stream().noneMatch(n -> n.layer() instanceof Conv2d), "include_pad " + include);
                List<org.convnet4j.nn.layers.DilatedAvgPool2d> pools = r.nodes().stream().map(n -> n.layer())
                        .filter(l -> l instanceof org.convnet4j.nn.layers.DilatedAvgPool2d)
                        .map(l -> (org.convnet4j.nn.layers.DilatedAvgPool2d) l).toList();
                assertEquals(1, pools.size(), "include_pad " + include);
                org.convnet4j.nn.layers.DilatedAvgPool2d p = pools.get(0);
                assertEquals(include, p.countIncludePad());
                assertArrayEquals(new int[] {3, 2, 2, 1, 2, 3}, new int[] {p.kernel()[0], p.kernel()[1],
                    p.strides()[0], p.strides()[1], p.dilations()[0], p.dilations()[1]});
                // ceil mode may come back as the equivalent extra end padding (without count_include_pad the
                // two are the same function); the divisors must be the same
                assertArrayEquals(g.nodes().stream().map(n -> n.layer())
                        .filter(l -> l instanceof org.convnet4j.nn.layers.DilatedAvgPool2d)
                        .map(l -> ((org.convnet4j.nn.layers.DilatedAvgPool2d) l).reciprocalCounts(9, 8)).findFirst()
                        .orElseThrow(), p.reciprocalCounts(9, 8));
                assertTrue(g.predict(x).maxAbsDiff(r.predict(x)) < 1e-5f, "include_pad " + include);
            }
        }
    }

    /**
     * GroupNormalization at opsets 18-20 has one scale and bias per group: imported, they are learned per group (2
     * groups: 4 values, not 8 per channel), the output follows the operator's definition (computed here in double)
     * and the gradient checks; exported and imported again, still 4 learned values and the same outputs.
     */
    @Test
    void groupNormalizationOpset18LearnsOneScalePerGroup() throws Exception {
        float[] scale = {1.5f, -0.5f};
        float[] bias = {0.25f, -1f};
        OnnxModel.Node gn = new OnnxModel.Node("gn", "GroupNormalization", "", List.of("x", "scale", "bias"),
                List.of("y"), Map.of("num_groups", new OnnxModel.Attribute("num_groups", OnnxModel.Attribute.INT, 0, 2,
                        null, null, null, null, null), "epsilon", new OnnxModel.Attribute("epsilon",
                        OnnxModel.Attribute.FLOAT, 1e-3f, 0, null, null, null, null, null)));
        OnnxModel.Graph graph = new OnnxModel.Graph("gn18", List.of(gn), List.of(
                TensorData.of("scale", Tensor.wrap(scale, Shape.of(2))), TensorData.of("bias", Tensor.wrap(bias,
                        Shape.of(2)))), List.of(new OnnxModel.ValueInfo("x", OnnxModel.FLOAT, new long[] {-1, 4, 3, 3},
                        true)), List.of(new OnnxModel.ValueInfo("y", OnnxModel.FLOAT, new long[] {-1, 4, 3, 3}, true)),
                List.of());
        Graph g = OnnxImporter.importModel(new Model(8, Map.of("", 18L), "t", "", graph), "gn18");
        assertEquals(4, g.trainableParameterCount(), "scale and bias per group");
        Tensor x = Tensor.randn(new Random(8), 1f, 2, 4, 3, 3);
        Tensor y = g.predict(x);
        for (int n = 0; n < 2; n++) {
            for (int grp = 0; grp < 2; grp++) {
                int from = (n * 4 + grp * 2) * 9; // 2 channels of 3 x 3 per group
                double mean = 0;
                double sq = 0;
                for (int i = 0; i < 18; i++) {
                    mean += x.data()[from + i] / 18.0;
                }
                for (int i = 0; i < 18; i++) {
                    sq += Math.pow(x.data()[from + i] - mean, 2) / 18.0;
                }
                for (int i = 0; i < 18; i++) {
                    double want = (x.data()[from + i] - mean) / Math.sqrt(sq + 1e-3) * scale[grp] + bias[grp];
                    assertEquals(want, y.data()[from + i], 1e-5, "sample " + n + " group " + grp + " value " + i);
                }
            }
        }
        GradientCheck.Result r = GradientCheck.check(g, List.of(x),
                GradientCheck.Options.inference(10, 4).withTolerances(1e-2, 5e-3, 5e-2));
        assertTrue(r.passed(), r.toString());
        Graph back = reimport(g);
        assertEquals(4, back.trainableParameterCount(), "after export and import");
        assertTrue(y.maxAbsDiff(back.predict(x)) < 1e-6f);
    }

    @Test
    void aConvOfOnesThatIsNoAveragePoolStaysAConv() throws Exception {
        // same export, divisor changed in one position: no pool matches, so the Conv and Mul are kept as such
        Graph g = Graph.builder("pool").input("x", Shape.of(2, 6, 6))
                .add("avg", new org.convnet4j.nn.layers.DilatedAvgPool2d(new int[] {2, 2}, new int[] {1, 1},
                        new int[] {2, 2}, new int[] {1, 1, 1, 1}, false, false), "x")
                .build();
        Model m = OnnxExporter.toOnnx(g);
        List<OnnxModel.Node> nodes = new java.util.ArrayList<>();
        for (OnnxModel.Node n : m.graph().nodes()) {
            if (n.opType().equals("Constant") && n.outputs().get(0).contains("divisor")) {
                OnnxModel.Attribute a = n.attributes().get("value");
                float[] v = a.t().floats().clone();
                v[0] *= 2;
                TensorData t = TensorData.of(a.t().name(), Tensor.wrap(v, Shape.of(java.util.Arrays.stream(a.t().dims())
                        .mapToInt(d -> (int) d).toArray())));
                n = new OnnxModel.Node(n.name(), n.opType(), n.domain(), n.inputs(), n.outputs(), Map.of("value",
                        new OnnxModel.Attribute("value", OnnxModel.Attribute.TENSOR, 0, 0, null, t, null, null, null)));
            }
            nodes.add(n);
        }
        Model changed = new Model(m.irVersion(), m.opsets(), m.producerName(), m.producerVersion(),
                new OnnxModel.Graph(m.graph().name(), nodes, m.graph().initializers(), m.graph().inputs(),
                        m.graph().outputs(), m.graph().valueInfo()));
        Graph back = OnnxImporter.importModel(changed, "changed");
        assertTrue(back.nodes().stream().noneMatch(n -> n.layer() instanceof org.convnet4j.nn.layers.DilatedAvgPool2d));
        assertTrue(back.nodes().stream().anyMatch(n -> n.layer() instanceof org.convnet4j.nn.layers.Conv2d));
    }

    @Test
    void importedModelTrainsAndSavesLikeAnyOther() throws Exception {
        Graph back = reimport(smallNet());
        Tensor x = Tensor.randn(new Random(2), 1f, 2, 3, 9, 9);
        GradientCheck.Result r = GradientCheck.check(back, List.of(x), GradientCheck.Options.inference(10, 4).withTolerances(1e-2, 5e-3, 5e-2));
        assertTrue(r.passed(), r.toString());
        // the architecture rebuilds from its spec and takes the same weights
        org.convnet4j.nn.Model rebuilt = ModelSpec.fromMap(ModelSpec.toMap(back));
        Map<String, Parameter> target = rebuilt.namedParameters();
        back.namedParameters().forEach((k, p) -> target.get(k).load(p.value()));
        assertEquals(0f, back.predict(x).maxAbsDiff(rebuilt.predict(x)));
    }

    @Test
    void unsupportedOperatorsAreListedTogether() throws Exception {
        Model m = OnnxExporter.toOnnx(smallNet());
        List<OnnxModel.Node> nodes = new java.util.ArrayList<>(m.graph().nodes());
        nodes.add(new OnnxModel.Node("up", "Einsum", "", List.of("x"), List.of("y"), Map.of()));
        nodes.add(new OnnxModel.Node("nms", "NonMaxSuppression", "", List.of("x"), List.of("z"), Map.of()));
        OnnxModel.Graph g = new OnnxModel.Graph("g", nodes, m.graph().initializers(), m.graph().inputs(),
                m.graph().outputs(), List.of());
        Model bad = new Model(8, Map.of("", 13L), "t", "", g);
        UnsupportedOnnxException e = assertThrows(UnsupportedOnnxException.class,
                () -> OnnxImporter.importModel(bad, "bad.onnx"));
        assertTrue(e.getMessage().contains("Einsum (opset 13)"), e.getMessage());
        assertTrue(e.getMessage().contains("NonMaxSuppression (opset 13)"), e.getMessage());
        assertTrue(e.getMessage().startsWith("bad.onnx"), e.getMessage());
        Model future = new Model(8, Map.of("", 22L), "t", "", m.graph());
        assertTrue(OnnxImporter.check(future).get(0).contains("opset 22"));
    }

    @Test
    void fileRoundTripAndTruncationNamesTheFile(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("net.onnx");
        OnnxExporter.export(smallNet(), f);
        Model m = OnnxReader.readModel(f);
        assertEquals(OnnxExporter.OPSET, m.defaultOpset());
        byte[] all = Files.readAllBytes(f);
        Path cut = dir.resolve("cut.onnx");
        Files.write(cut, Arrays.copyOf(all, all.length / 2));
        OnnxFormatException e = assertThrows(OnnxFormatException.class, () -> OnnxReader.readModel(cut));
        assertTrue(e.getMessage().contains("cut.onnx"), e.getMessage());
    }

    /** Truncated and bit-flipped versions of an exported model: every one imports or fails with our exceptions. */
    @Test
    void fuzzedFilesFailCleanly() throws Exception {
        byte[] good = OnnxWriter.modelBytes(OnnxExporter.toOnnx(smallNet()));
        Random r = new Random(99);
        assertTimeoutPreemptively(Duration.ofSeconds(120), () -> {
            int clean = 0;
            for (int trial = 0; trial < 300; trial++) {
                byte[] b;
                if (trial < 60) {
                    b = Arrays.copyOf(good, r.nextInt(good.length));
                } else {
                    b = good.clone();
                    int flips = 1 + r.nextInt(4);
                    for (int k = 0; k < flips; k++) {
                        int pos = r.nextInt(b.length);
                        b[pos] ^= (byte) (1 << r.nextInt(8));
                    }
                }
                try {
                    Graph g = OnnxImporter.importModel(OnnxReader.readModel(b, "fuzz" + trial), "fuzz" + trial);
                    g.predict(Tensor.zeros(g.inputShapes().get(0).prepend(1)));
                } catch (OnnxFormatException | UnsupportedOnnxException e) {
                    clean++;
                    assertTrue(e.getMessage().contains("fuzz" + trial), e.getMessage());
                } catch (RuntimeException e) {
                    fail("trial " + trial + ": not one of our errors: " + e, e);
                }
            }
            assertTrue(clean > 60, "the truncated files at least must fail: " + clean);
        });
    }

    /** The reference checker (Debian python3-onnx) accepts our export; skipped where it is not installed. */
    @Test
    void onnxCheckerAcceptsTheExport(@TempDir Path dir) throws Exception {
        Path python = Path.of("/usr/bin/python3");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(python), "no /usr/bin/python3");
        org.junit.jupiter.api.Assumptions.assumeTrue(run(python.toString(), "-c", "import onnx") == 0,
                "python3-onnx is not installed");
        Path f = dir.resolve("net.onnx");
        OnnxExporter.export(smallNet(), f);
        assertEquals(0, run(python.toString(), "-c",
                "import onnx, sys; onnx.checker.check_model(onnx.load(sys.argv[1]), full_check=True)", f.toString()));
    }

    private static int run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).inheritIO().start();
        return p.waitFor();
    }

    @Test
    void summaryOfImportedModelNamesOnnxNodes() throws Exception {
        Graph back = reimport(smallNet());
        List<String> names = back.summaryRows().stream().map(SummaryRow::name).toList();
        assertTrue(names.contains("conv1") && names.contains("fc"), names.toString());
    }
}

package org.convnet4j.io.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.convnet4j.data.ArrayDataset;
import org.convnet4j.nn.Graph;
import org.convnet4j.nn.Layer;
import org.convnet4j.nn.Model;
import org.convnet4j.nn.Sequential;
import org.convnet4j.nn.layers.ConnectionTableConv2d;
import org.convnet4j.nn.layers.Conv2d;
import org.convnet4j.nn.layers.Dense;
import org.convnet4j.nn.layers.Flatten;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.train.TrainConfig;
import org.convnet4j.train.Trainer;
import org.convnet4j.train.optim.Adam;
import org.convnet4j.zoo.LeNet5LeCun1998;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * LeNet-5's C3 through ONNX and back as itself: the file holds a standard Conv (zero slices where the table has no
 * connection) and the table in the model's metadata; our importer makes a ConnectionTableConv2d of it again, whose
 * unconnected slices stay zero when it is fine-tuned. The control: the same file without its metadata reads back
 * as a plain Conv2d, and there the zero slices learn.
 */
class ConnectionTableOnnxTest {
    private static final int[][] TABLE = {{0, 1}, {1, 2, 3}, {3}, {0, 2}, {0, 1, 2, 3}};

    @TempDir
    Path dir;

    private static Sequential small() {
        Sequential m = new Sequential(Shape.of(4, 6, 6), new ConnectionTableConv2d(TABLE, 3, 3), new Flatten(),
                new Dense(3));
        m.initialize(3);
        return m;
    }

    private static <L extends Layer> List<L> layers(Graph g, Class<L> type) {
        return g.nodes().stream().map(Graph.Node::layer).filter(type::isInstance).map(type::cast).toList();
    }

    private static ArrayDataset data(int n) {
        Random r = new Random(8);
        float[] x = new float[n * 4 * 36];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
        }
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = r.nextInt(3);
        }
        return ArrayDataset.ofFloats(x, Shape.of(4, 6, 6), y, List.of("a", "b", "c"));
    }

    private static void tune(Model m) {
        new Trainer(TrainConfig.builder(new Adam(m, 1e-2)).epochs(2).batchSize(8).seed(1).build())
                .fit(m, data(32), null);
    }

    /** The Conv node's dense kernel [filters, channels, kh, kw] as written in {@code file}. */
    private static Tensor denseKernel(Path file) throws Exception {
        OnnxModel.Model m = OnnxReader.readModel(file);
        OnnxModel.Node conv = m.graph().nodes().stream().filter(n -> n.opType().equals("Conv")).findFirst()
                .orElseThrow();
        return m.graph().initializers().stream().filter(t -> t.name().equals(conv.inputs().get(1))).findFirst()
                .orElseThrow().toTensor();
    }

    /** The largest |weight| over the (output map, input map) slices the table does not connect. */
    private static float unconnected(Tensor k) {
        int area = k.dim(2) * k.dim(3);
        float worst = 0;
        for (int f = 0; f < TABLE.length; f++) {
            for (int i = 0; i < k.dim(1); i++) {
                int input = i;
                if (java.util.Arrays.stream(TABLE[f]).noneMatch(v -> v == input)) {
                    for (int j = 0; j < area; j++) {
                        worst = Math.max(worst, Math.abs(k.data()[(f * k.dim(1) + i) * area + j]));
                    }
                }
            }
        }
        return worst;
    }

    @Test
    void theTableReadsBackAsItselfAndItsZeroSlicesStayZeroWhenTuned() throws Exception {
        Sequential original = small();
        Path file = dir.resolve("c3.onnx");
        OnnxExporter.export(original, file);
        OnnxModel.Model onnx = OnnxReader.readModel(file);
        assertEquals("0,1;1,2,3;3;0,2;0,1,2,3", onnx.metadata().values().stream().filter(v -> v.contains(";"))
                .findFirst().orElseThrow());

        Graph back = OnnxImporter.importModel(onnx, "c3");
        List<ConnectionTableConv2d> tables = layers(back, ConnectionTableConv2d.class);
        assertEquals(1, tables.size(), "read back as a ConnectionTableConv2d");
        assertTrue(layers(back, Conv2d.class).isEmpty());
        assertArrayEquals(TABLE, tables.get(0).table());
        assertEquals(original.parameterCount(), back.parameterCount(), "only the connected slices are parameters");
        Tensor x = Tensor.randn(new Random(4), 1f, 5, 4, 6, 6);
        assertTrue(original.predict(x).maxAbsDiff(back.predict(x)) <= 1e-5f);

        Tensor before = denseKernel(file);
        tune(back);
        Path tuned = dir.resolve("c3-tuned.onnx");
        OnnxExporter.export(back, tuned);
        Tensor after = denseKernel(tuned);
        assertEquals(0f, unconnected(after), "unconnected slices after fine-tuning");
        assertTrue(before.maxAbsDiff(after) > 1e-3f, "the connected slices learned");

        // control: the same file without the recorded table is an ordinary Conv2d, whose zero slices learn
        OnnxModel.Model bare = new OnnxModel.Model(onnx.irVersion(), onnx.opsets(), onnx.producerName(),
                onnx.producerVersion(), onnx.graph());
        Graph plain = OnnxImporter.importModel(bare, "plain");
        assertTrue(layers(plain, ConnectionTableConv2d.class).isEmpty());
        assertEquals(1, layers(plain, Conv2d.class).size());
        tune(plain);
        Path plainFile = dir.resolve("plain.onnx");
        OnnxExporter.export(plain, plainFile);
        assertTrue(unconnected(denseKernel(plainFile)) > 1e-3f, "a plain Conv2d's zero slices learn");
    }

    /**
     * Without our metadata the file is still the layer: a tool that drops metadata_props keeps a Conv whose
     * unconnected slices are exact zeros (+0.0, bit for bit), and an evaluator outside our engine
     * (tools/fixtures/onnx_torch_eval.py: PyTorch, node by node, after onnx.checker) computes our forward from it.
     */
    @Test
    void withoutItsMetadataTheFileStillComputesTheLayerOutsideOurEngine() throws Exception {
        Path python = Path.of("/usr/bin/python3");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(python), "no /usr/bin/python3");
        Sequential original = small();
        tune(original); // trained weights, not only the initial ones
        Path file = dir.resolve("c3.onnx");
        OnnxExporter.export(original, file);
        OnnxModel.Model onnx = OnnxReader.readModel(file);
        OnnxModel.Model bare = new OnnxModel.Model(onnx.irVersion(), onnx.opsets(), onnx.producerName(),
                onnx.producerVersion(), onnx.graph());
        Path bareFile = dir.resolve("c3-bare.onnx");
        OnnxWriter.writeModel(bareFile, bare);
        assertTrue(OnnxReader.readModel(bareFile).metadata().isEmpty());

        Tensor k = denseKernel(bareFile);
        int area = k.dim(2) * k.dim(3);
        int zeros = 0;
        for (int f = 0; f < TABLE.length; f++) {
            for (int i = 0; i < k.dim(1); i++) {
                int input = i;
                boolean connected = java.util.Arrays.stream(TABLE[f]).anyMatch(v -> v == input);
                for (int j = 0; j < area; j++) {
                    float w = k.data()[(f * k.dim(1) + i) * area + j];
                    if (!connected) {
                        assertEquals(0, Float.floatToRawIntBits(w), "slice " + f + "," + i + " is +0.0 exactly");
                        zeros++;
                    }
                }
            }
        }
        assertEquals((5 * 4 - 12) * 9, zeros); // 20 slices, 12 connected

        Tensor x = Tensor.randn(new Random(6), 1f, 7, 4, 6, 6);
        Path in = dir.resolve("x.f32");
        Path out = dir.resolve("y.f32");
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(4 * x.size()).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(x.data());
        Files.write(in, b.array());
        Process p = new ProcessBuilder(python.toString(), Path.of("..", "tools", "fixtures", "onnx_torch_eval.py")
                .toString(), bareFile.toString(), in.toString(), "7,4,6,6", out.toString()).redirectErrorStream(true)
                .start();
        String log = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), "onnx_torch_eval.py: " + log);
        java.nio.ByteBuffer y = java.nio.ByteBuffer.wrap(Files.readAllBytes(out)).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        float[] got = new float[y.remaining() / 4];
        y.asFloatBuffer().get(got);
        float[] want = original.predict(x).data();
        assertEquals(want.length, got.length);
        float worst = 0;
        for (int i = 0; i < want.length; i++) {
            worst = Math.max(worst, Math.abs(want[i] - got[i]));
        }
        assertTrue(worst <= 1e-4f, "largest difference from our forward: " + worst);
        assertTrue(Math.abs(want[0]) > 1e-3, "outputs are not trivially zero: " + want[0]);
    }

    @Test
    void lenet1998ReadsBackWithItsC3() throws Exception {
        Sequential lenet = LeNet5LeCun1998.build();
        lenet.initialize(5);
        Path file = dir.resolve("lenet.onnx");
        OnnxExporter.export(lenet, file);
        Graph back = OnnxImporter.importModel(OnnxReader.readModel(file), "lenet");
        List<ConnectionTableConv2d> c3 = layers(back, ConnectionTableConv2d.class);
        assertEquals(1, c3.size());
        assertArrayEquals(ConnectionTableConv2d.LECUN_1998_C3, c3.get(0).table());
        assertEquals(lenet.parameterCount(), back.parameterCount());
        Tensor x = Tensor.randn(new Random(6), 1f, 2, 1, 28, 28);
        assertTrue(lenet.predict(x).maxAbsDiff(back.predict(x)) <= 1e-4f);
    }

    @Test
    void aTableThatDoesNotMatchTheKernelIsRefusedInOneLine() throws Exception {
        Path file = dir.resolve("c3.onnx");
        OnnxExporter.export(small(), file);
        OnnxModel.Model onnx = OnnxReader.readModel(file);
        for (String bad : new String[] {"0;1,2,3;3;0,2;0,1,2,3", "0,1;1,2,3;3;0,2", "0,1;1,2,9;3;0,2;0,1,2,3",
            "0,1;x;3;0,2;0,1,2,3", "0,1;1,1;3;0,2;0,1,2,3"}) {
            Map<String, String> meta = new HashMap<>(onnx.metadata());
            meta.replaceAll((k, v) -> k.endsWith(":table") ? bad : v);
            OnnxModel.Model edited = new OnnxModel.Model(onnx.irVersion(), onnx.opsets(), onnx.producerName(),
                    onnx.producerVersion(), onnx.graph(), meta);
            Path f = dir.resolve("bad.onnx");
            OnnxWriter.writeModel(f, edited);
            UnsupportedOnnxException e = assertThrows(UnsupportedOnnxException.class,
                    () -> OnnxImporter.importModel(OnnxReader.readModel(f), "bad.onnx"), bad);
            assertTrue(e.getMessage().contains("connection table") || e.getMessage().contains("not zero"),
                    e.getMessage());
            assertFalse(e.getMessage().contains("\n"), e.getMessage());
            assertTrue(Files.exists(f));
        }
    }
}

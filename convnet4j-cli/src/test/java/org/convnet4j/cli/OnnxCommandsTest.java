package org.convnet4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.convnet4j.io.Npy;
import org.convnet4j.model.ModelFiles;
import org.convnet4j.io.onnx.OnnxReader;
import org.convnet4j.io.onnx.OnnxWriter;
import org.convnet4j.io.onnx.TensorData;
import org.convnet4j.nn.Sequential;
import org.convnet4j.nn.layers.Conv2d;
import org.convnet4j.nn.layers.Dense;
import org.convnet4j.nn.layers.Flatten;
import org.convnet4j.nn.layers.MaxPool2d;
import org.convnet4j.nn.layers.ReLU;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** export, import, inspect and infer end to end; bad files exit 2 with one line. */
class OnnxCommandsTest {

    @Test
    void exportImportInspectInfer(@TempDir Path dir) throws Exception {
        Sequential net = new Sequential(Shape.of(1, 8, 8), new Conv2d(3, 3).padding(1), new ReLU(), new MaxPool2d(2),
                new Flatten(), new Dense(4));
        net.initialize(3);
        Path c4j = dir.resolve("net.c4j");
        ModelFiles.save(net, c4j);

        Path onnx = dir.resolve("net.onnx");
        assertEquals(0, CliRun.of("export", c4j.toString(), "-o", onnx.toString()).exitCode());
        Path back = dir.resolve("back.c4j");
        CliRun imp = CliRun.of("import", onnx.toString(), "-o", back.toString());
        assertEquals(0, imp.exitCode(), imp.err());
        CliRun inspect = CliRun.of("inspect", onnx.toString());
        assertTrue(inspect.out().contains("opset " + org.convnet4j.io.onnx.OnnxExporter.OPSET) && inspect.out().contains("Conv=1"), inspect.out());
        assertTrue(inspect.out().contains("parameters: " + net.parameterCount()), inspect.out());

        Tensor x = Tensor.randn(new Random(4), 1f, 2, 1, 8, 8);
        Path pb = dir.resolve("input_0.pb");
        OnnxWriter.writeTensor(pb, TensorData.of("input", x));
        Path npy = dir.resolve("x.npy");
        Npy.write(npy, x);
        Path out1 = dir.resolve("out1");
        Path out2 = dir.resolve("out2");
        assertEquals(0, CliRun.of("infer", "--model", back.toString(), "--input", pb.toString(), "-o", out1.toString())
                .exitCode());
        assertEquals(0, CliRun.of("infer", "--model", onnx.toString(), "--input", npy.toString(), "-o", out2.toString(),
                "--format", "npy").exitCode());
        Tensor want = net.predict(x);
        Tensor a = OnnxReader.readTensor(out1.resolve("output_0.pb")).toTensor();
        Tensor b = Npy.read(out2.resolve("output_0.npy"));
        assertTrue(want.maxAbsDiff(a) < 1e-5 && want.maxAbsDiff(b) < 1e-5);
        // the format in any case; another is one line naming the option, before the model is read
        assertEquals(0, CliRun.of("infer", "--model", back.toString(), "--input", pb.toString(), "-o",
                dir.resolve("out3").toString(), "--format", "NPY").exitCode());
        assertTrue(Files.exists(dir.resolve("out3").resolve("output_0.npy")));
        CliRun csv = CliRun.of("infer", "--model", dir.resolve("missing.c4j").toString(), "--input", pb.toString(),
                "-o", dir.resolve("out4").toString(), "--format", "CSV");
        assertEquals(2, csv.exitCode(), csv.err());
        assertEquals("convnet4j infer: --format must be pb or npy, got 'CSV'", csv.err().strip());
    }

    /**
     * predict and evaluate take their preprocessing from one decision (the loader's: the file's, the ONNX guess, or
     * the default for convnet4j files): a raw ONNX picture model gets the same preprocessing in both, a model that
     * takes no pictures is refused by both with the same line, as a .c4j and as .onnx.
     */
    @Test
    void predictAndEvaluateShareOnePicturePreprocessingDecision(@TempDir Path dir) throws Exception {
        Sequential vectors = new Sequential(Shape.of(6), new Dense(4), new ReLU(), new Dense(3));
        vectors.initialize(5);
        Path c4j = dir.resolve("vectors.c4j");
        ModelFiles.save(vectors, c4j);
        Path onnx = dir.resolve("vectors.onnx");
        assertEquals(0, CliRun.of("export", c4j.toString(), "-o", onnx.toString()).exitCode());
        Tensor p = Tensor.zeros(1, 8, 8);
        Path png = dir.resolve("p.png");
        org.convnet4j.image.Images.write(p, png);
        for (Path model : new Path[] {c4j, onnx}) {
            CliRun predict = CliRun.of("predict", "--model", model.toString(), png.toString());
            CliRun evaluate = CliRun.of("evaluate", "--model", model.toString(), "--data", dir.toString());
            for (CliRun r : new CliRun[] {predict, evaluate}) {
                assertEquals(2, r.exitCode(), r.err());
                assertTrue(r.err().lines().anyMatch(l -> l.contains(model.toString())
                        && l.contains("does not take pictures")), r.err());
                assertEquals(1, r.err().lines().filter(l -> !l.startsWith("note:")).count(), r.err());
            }
        }
    }

    @Test
    void brokenFilesExitTwoWithOneLine(@TempDir Path dir) throws Exception {
        Path bad = dir.resolve("bad.onnx");
        Files.write(bad, new byte[] {0x0a, (byte) 0xff, 0x01, 0x02});
        CliRun r = CliRun.of("import", bad.toString(), "-o", dir.resolve("x.c4j").toString());
        assertEquals(2, r.exitCode());
        assertEquals(1, r.errLines(), r.err());
        assertTrue(r.err().contains("bad.onnx"), r.err());
        assertTrue(Files.notExists(dir.resolve("x.c4j")));
        Path npy = dir.resolve("bad.npy");
        Files.write(npy, "\u0093NUMPY\u0001\u0000".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        CliRun r2 = CliRun.of("infer", "--model", bad.toString(), "--input", npy.toString(), "-o", dir.toString());
        assertEquals(2, r2.exitCode());
    }

    /**
     * An export with symbolic height and width (dynamic_axes) is refused naming the axis and the option; with
     * --input-shape it imports at that size and predicts as the original; a shape that changes a fixed axis or is not
     * CxHxW is one line, exit 2, and no model file.
     */
    @Test
    void importFixesSymbolicHeightAndWidthWithInputShape(@TempDir Path dir) throws Exception {
        Sequential net = new Sequential(Shape.of(1, 8, 8), new Conv2d(3, 3).padding(1), new ReLU(),
                new org.convnet4j.nn.layers.GlobalAvgPool2d(), new Flatten(), new Dense(4));
        net.initialize(7);
        org.convnet4j.io.onnx.OnnxModel.Model m = org.convnet4j.io.onnx.OnnxExporter.toOnnx(net);
        org.convnet4j.io.onnx.OnnxModel.Graph g = m.graph();
        java.util.List<org.convnet4j.io.onnx.OnnxModel.ValueInfo> inputs = new java.util.ArrayList<>(g.inputs());
        org.convnet4j.io.onnx.OnnxModel.ValueInfo in = inputs.get(0);
        inputs.set(0, new org.convnet4j.io.onnx.OnnxModel.ValueInfo(in.name(), in.elemType(), new long[] {-1, 1, -1, -1},
                true));
        Path onnx = dir.resolve("dynamic_hw.onnx");
        OnnxWriter.writeModel(onnx, new org.convnet4j.io.onnx.OnnxModel.Model(m.irVersion(), m.opsets(),
                m.producerName(), m.producerVersion(), new org.convnet4j.io.onnx.OnnxModel.Graph(g.name(), g.nodes(),
                g.initializers(), inputs, g.outputs(), g.valueInfo())));
        Path c4j = dir.resolve("fixed.c4j");

        CliRun refused = CliRun.of("import", onnx.toString(), "-o", c4j.toString());
        assertEquals(2, refused.exitCode(), refused.err());
        assertTrue(refused.err().contains("no fixed size along axis 2") && refused.err().contains("--input-shape"),
                refused.err());
        assertTrue(!Files.exists(c4j));

        CliRun ok = CliRun.of("import", onnx.toString(), "--input-shape", "1x8x8", "-o", c4j.toString());
        assertEquals(0, ok.exitCode(), ok.err());
        assertTrue(ok.out().contains("input [1, 8, 8]"), ok.out());
        org.convnet4j.nn.Model back = ModelFiles.read(c4j).model();
        Tensor x = Tensor.randn(new Random(8), 1f, 3, 1, 8, 8);
        assertTrue(net.predict(x).maxAbsDiff(back.predict(x)) < 1e-5);

        for (String[] bad : new String[][] {{"3x8x8", "fixed size 1 along axis 1"}, {"8x8", "--input-shape"}}) {
            Path none = dir.resolve("none.c4j");
            CliRun r = CliRun.of("import", onnx.toString(), "--input-shape", bad[0], "-o", none.toString());
            assertEquals(2, r.exitCode(), r.err());
            assertTrue(r.err().contains(bad[1]) && r.err().strip().lines().count() == 1, r.err());
            assertTrue(!Files.exists(none));
        }
    }
}

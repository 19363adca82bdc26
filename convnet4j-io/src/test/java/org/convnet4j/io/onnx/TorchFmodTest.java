package org.convnet4j.io.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.convnet4j.nn.Graph;
import org.convnet4j.nn.Parameter;
import org.convnet4j.nn.layers.Arithmetic;
import org.convnet4j.nn.layers.ArithmeticOp;
import org.convnet4j.nn.layers.ConstantArithmetic;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ONNX {@code Mod} with fmod=1 as PyTorch exports {@code torch.fmod} (tools/fixtures/torch_fmod_fixture.py, opsets 11,
 * 13 and 17): the remainder of the input by a fixed scalar, a learned per-channel divisor, a computed divisor and a
 * constant by a computed divisor, then Conv, ReLU, mean and Linear. On the float layers ({@link ArithmeticOp#MOD}) it
 * gives PyTorch's logits and PyTorch's gradients of the mean cross-entropy for every parameter (the divisors' through
 * -trunc(a / b)), and exports as Mod with fmod=1. Until 2026-12-06 {@code check} refused the files ("operator Mod
 * (opset 11) is not supported").
 */
class TorchFmodTest {
    private static final Path DIR = Path.of("src/test/resources/fixtures/torch_fmod");
    private static final List<String> PARAMETERS = List.of("gate.weight", "gate.bias", "period", "conv.weight",
            "conv.bias", "fc.weight", "fc.bias");

    private static void close(Tensor want, float[] got, double tolerance, String what) {
        assertEquals(want.size(), got.length, what);
        double scale = 0;
        for (float v : want.data()) {
            scale = Math.max(scale, Math.abs(v));
        }
        for (int k = 0; k < want.size(); k++) {
            assertEquals(want.data()[k], got[k], tolerance * Math.max(scale, 1e-3), what + "[" + k + "]");
        }
    }

    @Test
    void givesPyTorchsLogitsAndGradients() throws Exception {
        for (int opset : new int[] {11, 13, 17}) {
            Path d = DIR.resolve("op" + opset);
            Path data = d.resolve("test_data_set_0");
            OnnxModel.Model m = OnnxReader.readModel(d.resolve("model.onnx"));
            assertEquals(List.of(), OnnxImporter.check(m), "opset " + opset);
            OnnxProgram p = OnnxImporter.importProgram(m, "fmod op" + opset);
            assertEquals(0, p.typedNodeCount(), "the four Mod nodes are float layers: " + p);
            long mods = p.graph().nodes().stream().map(Graph.Node::layer).filter(l -> l instanceof Arithmetic a
                    && a.op() == ArithmeticOp.MOD || l instanceof ConstantArithmetic c && c.op() == ArithmeticOp.MOD)
                    .count();
            assertEquals(4, mods, "opset " + opset);
            TensorData x = OnnxReader.readTensor(data.resolve("input_0.pb"));
            Tensor want = OnnxReader.readTensor(data.resolve("output_0.pb")).toTensor();
            List<TensorData> out = p.forwardForTraining(List.of(x));
            close(want, out.get(0).floats(), 1e-5, "opset " + opset + " logits");

            long[] labels = OnnxReader.readTensor(data.resolve("labels.pb")).longs();
            float[] g = TorchTrainingFormsTest.meanCrossEntropyGradient(out.get(0).floats(), labels);
            p.graph().namedParameters().values().forEach(Parameter::zeroGrad);
            p.parameters().forEach(Parameter::zeroGrad);
            p.backward(Arrays.asList(new TensorData("dlogits", OnnxModel.FLOAT, out.get(0).dims(), g, null)));
            for (String name : PARAMETERS) {
                Parameter holder = p.holder(name);
                assertNotNull(holder, name);
                Tensor grad = p.holderTransposed(name) ? holder.grad().transposed() : holder.grad();
                Tensor expected = OnnxReader.readTensor(data.resolve("grad_" + name + ".pb")).toTensor();
                close(expected, grad.data(), 1e-4, "opset " + opset + " gradient of " + name);
            }
            Tensor period = OnnxReader.readTensor(data.resolve("grad_period.pb")).toTensor();
            assertTrue(Arrays.stream(new int[] {0, 1, 2}).allMatch(c -> period.data()[c] != 0), "the learned divisor"
                    + " gets a gradient (-trunc(x / period)): " + Arrays.toString(period.data()));
        }
    }

    @Test
    void exportsAsModWithFmodOneAndImportsAgain() throws Exception {
        OnnxModel.Model m = OnnxReader.readModel(DIR.resolve("op13/model.onnx"));
        Graph g = OnnxImporter.importModel(m, "fmod op13");
        OnnxModel.Model exported = OnnxReader.readModel(OnnxWriter.modelBytes(OnnxExporter.toOnnx(g)), "memory");
        List<OnnxModel.Node> mods = exported.graph().nodes().stream().filter(n -> n.opType().equals("Mod")).toList();
        assertEquals(4, mods.size());
        mods.forEach(n -> assertEquals(1L, n.attributes().get("fmod").i(), n.toString()));
        Tensor x = OnnxReader.readTensor(DIR.resolve("op13/test_data_set_0/input_0.pb")).toTensor();
        assertArrayEquals(g.predict(x).data(), OnnxImporter.importModel(exported, "again").predict(x).data());
    }

    /**
     * With -Dconvnet4j.onnxruntime=DIR (CI gives it): ONNX Runtime on PyTorch's three files and on our export of the
     * opset-13 one gives our outputs (within 1e-4 relative).
     */
    @Test
    void onnxRuntimeGivesOurOutputs(@TempDir Path tmp) throws Exception {
        List<OnnxRuntimeOutputs.Job> jobs = new ArrayList<>();
        List<List<TensorData>> ours = new ArrayList<>();
        for (int opset : new int[] {11, 13, 17}) {
            Path d = DIR.resolve("op" + opset);
            TensorData x = OnnxReader.readTensor(d.resolve("test_data_set_0/input_0.pb"));
            jobs.add(new OnnxRuntimeOutputs.Job(d.resolve("model.onnx").toAbsolutePath(), x));
            ours.add(OnnxImporter.importProgram(OnnxReader.readModel(d.resolve("model.onnx")), "op" + opset)
                    .run(List.of(x)));
        }
        Graph g = OnnxImporter.importModel(OnnxReader.readModel(DIR.resolve("op13/model.onnx")), "fmod op13");
        Path exported = tmp.resolve("exported.onnx");
        java.nio.file.Files.write(exported, OnnxWriter.modelBytes(OnnxExporter.toOnnx(g)));
        TensorData x = OnnxReader.readTensor(DIR.resolve("op13/test_data_set_0/input_0.pb"));
        jobs.add(new OnnxRuntimeOutputs.Job(exported, x));
        ours.add(OnnxImporter.importProgram(OnnxReader.readModel(exported), "exported").run(List.of(x)));
        List<List<OnnxRuntimeOutputs.Output>> runtime = OnnxRuntimeOutputs.runAll(jobs, tmp);
        if (runtime == null) {
            System.out.println("TorchFmodTest: no -Dconvnet4j.onnxruntime, ONNX Runtime not run");
            return;
        }
        for (int i = 0; i < jobs.size(); i++) {
            System.out.println("TorchFmodTest vs ONNX Runtime, " + jobs.get(i).model().getParent().getFileName() + "/"
                    + jobs.get(i).model().getFileName() + ":"
                    + OnnxRuntimeOutputs.compare("job " + i, ours.get(i), runtime.get(i)));
        }
    }

    /** C's fmod by hand: the sign of the dividend, the quotient truncated toward zero (Python's % would differ). */
    @Test
    void takesTheSignOfTheDividend() {
        Graph g = Graph.builder("mod").input("a", Shape.of(6)).input("b", Shape.of(6))
                .add("m", new Arithmetic(ArithmeticOp.MOD), "a", "b").output("m").build();
        Tensor a = Tensor.of(new float[] {5.5f, -5.5f, 5.5f, -5.5f, 3f, -0f}, 1, 6);
        Tensor b = Tensor.of(new float[] {2f, 2f, -2f, -2f, 1.5f, 2f}, 1, 6);
        assertArrayEquals(new float[] {1.5f, -1.5f, 1.5f, -1.5f, 0f, -0f}, g.predict(List.of(a, b)).data());
    }

    @Test
    void refusesFmodZeroOnFloatsInOneLine() throws Exception {
        OnnxModel.Model m = OnnxReader.readModel(DIR.resolve("fmod0_float.onnx"));
        for (boolean program : new boolean[] {false, true}) {
            Exception e = assertThrows(UnsupportedOnnxException.class, () -> {
                if (program) {
                    OnnxImporter.importProgram(m, "fmod0");
                } else {
                    OnnxImporter.importModel(m, "fmod0");
                }
            });
            assertTrue(e.getMessage().contains("fmod=0 on floating-point tensors"), e.getMessage());
            assertEquals(1, e.getMessage().lines().count(), e.getMessage());
        }
    }
}

package org.convnet4j.io.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.convnet4j.io.weights.ModelLoader;
import org.convnet4j.model.SavedModel;
import org.convnet4j.nn.Model;
import org.convnet4j.nn.Parameter;
import org.convnet4j.nn.Sequential;
import org.convnet4j.nn.layers.Dense;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.train.TrainConfig;
import org.convnet4j.train.Trainer;
import org.convnet4j.train.optim.Adam;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ONNX export of a model holding an imported program ({@link OnnxProgramLayer}, whose typed path runs what the float
 * layers refuse): written with its current weights, read back by ModelLoader with the same outputs, accepted by the
 * ONNX checker; a typed path of an older opset is written at the exporter's (translated), a node without an opset-17
 * form is refused in one line.
 */
class OnnxProgramExportTest {
    @TempDir
    Path dir;

    private Sequential loadedAndTuned() throws Exception {
        Path file = dir.resolve("typed_head.onnx");
        OnnxWriter.writeModel(file, OnnxProgramLayerTest.classifier(6, 8, 3, 5));
        Sequential model = (Sequential) ModelLoader.load(file).model();
        Trainer.fit(model, OnnxProgramLayerTest.bands(30, 6, 3, 9), null, TrainConfig.builder(new Adam(model, 0.01))
                .epochs(2).batchSize(10).seed(3).build());
        return model;
    }

    private static Tensor pictures() {
        return Tensor.randn(new java.util.Random(4), 0.5f, 5, 1, 6, 6);
    }

    @Test
    void aTunedProgramIsWrittenWithItsCurrentWeightsAndReadsBack() throws Exception {
        Sequential tuned = loadedAndTuned();
        Tensor x = pictures();
        Model file = ModelLoader.load(dir.resolve("typed_head.onnx")).model();
        assertTrue(tuned.predict(x).maxAbsDiff(file.predict(x)) > 1e-3, "tuning changed the outputs");

        Path exported = dir.resolve("tuned.onnx");
        OnnxExporter.export(tuned, exported);
        SavedModel back = ModelLoader.load(exported);
        assertTrue(back.description().contains("typed_path"), "the typed path is needed again: " + back.description());
        assertEquals(0f, tuned.predict(x).maxAbsDiff(back.model().predict(x)), "same outputs as the tuned model");

        // the typed path's learned weights are written as they are now, under the layer's name
        OnnxProgramLayer layer = (OnnxProgramLayer) tuned.layers().get(0);
        OnnxModel.Model onnx = OnnxReader.readModel(exported);
        for (Parameter p : layer.program().parameters()) {
            TensorData written = onnx.graph().initializers().stream().filter(t -> t.name().equals(layer.name() + "."
                    + p.name())).findFirst().orElseThrow(() -> new AssertionError("no initializer for " + p.name()));
            assertArrayEquals(p.value().data(), written.floats(), 0f, p.name());
        }
    }

    @Test
    void aProgramInsideALargerModelIsExportedWithTheLayersAroundIt() throws Exception {
        Sequential tuned = loadedAndTuned();
        OnnxProgramLayer layer = (OnnxProgramLayer) tuned.layers().get(0);
        Sequential bigger = new Sequential(tuned.inputShapes().get(0), layer, new Dense(2).named("extra"));
        bigger.layer("extra").namedParameters().values().forEach(p -> p.initialize(new java.util.Random(8)));
        Tensor x = pictures();
        Path exported = dir.resolve("bigger.onnx");
        OnnxExporter.export(bigger, exported);
        Model back = ModelLoader.load(exported).model();
        // read back, the Dense after the typed path runs on the typed path too (in double, rounded once): the
        // outputs agree to float32 rounding, not bit for bit (seen: 3.7e-9)
        assertEquals(0f, bigger.predict(x).maxAbsDiff(back.predict(x)), 1e-6f);
        assertEquals(bigger.parameterCount(), back.parameterCount(), "every learned weight is learned again");
    }

    /** The reference checker (Debian python3-onnx, full check with shape inference) accepts the export. */
    @Test
    void theOnnxCheckerAcceptsTheExport() throws Exception {
        Path python = Path.of("/usr/bin/python3");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(python), "no /usr/bin/python3");
        org.junit.jupiter.api.Assumptions.assumeTrue(new ProcessBuilder(python.toString(), "-c", "import onnx")
                .inheritIO().start().waitFor() == 0, "python3-onnx is not installed");
        Path exported = dir.resolve("checked.onnx");
        OnnxExporter.export(loadedAndTuned(), exported);
        Process p = new ProcessBuilder(python.toString(), "-c", "import onnx, sys; "
                + "onnx.checker.check_model(onnx.load(sys.argv[1]), full_check=True)", exported.toString())
                .inheritIO().start();
        assertEquals(0, p.waitFor());
    }

    @Test
    void aTypedPathOfAnOlderOpsetIsWrittenAtTheExportersOpsetWithTheSameOutputs() {
        // Transpose, MatMul and Add mean at opset 17 what they meant at 11: written so, the outputs unchanged
        OnnxModel.Model m = OnnxProgramLayerTest.classifier(4, 3, 2, 1);
        OnnxModel.Model old = new OnnxModel.Model(m.irVersion(), java.util.Map.of("", 11L), m.producerName(),
                m.producerVersion(), m.graph());
        Sequential model = OnnxProgramLayer.of(old, "old.onnx");
        OnnxModel.Model written = OnnxExporter.toOnnx(model);
        assertEquals(OnnxExporter.OPSET, written.defaultOpset());
        assertEquals(List.of(), OnnxImporter.check(written));
        Sequential back = OnnxProgramLayer.of(written, "written.onnx");
        Tensor x = Tensor.uniform(new java.util.Random(2), 0f, 1f, 3, 1, 4, 4);
        assertArrayEquals(model.predict(x).data(), back.predict(x).data(), 1e-6f);
    }

    @Test
    void aTypedNodeOfAnOlderOpsetWithoutAnOpset17FormIsRefusedInOneLine() {
        // opset 11's Softmax over axis 0 of [N, 4] flattens the tensor into one row of N * 4: not Softmax(axis=0) of 17
        OnnxModel.Model old = new OnnxModel.Model(8, java.util.Map.of("", 11L), "test", "", new OnnxModel.Graph("g",
                List.of(new OnnxModel.Node("sm", "Softmax", "", List.of("x"), List.of("y"), java.util.Map.of("axis",
                        new OnnxModel.Attribute("axis", OnnxModel.Attribute.INT, 0, 0, null, null, null, null, null)))),
                List.of(), List.of(new OnnxModel.ValueInfo("x", OnnxModel.FLOAT, new long[] {-1, 4}, true)),
                List.of(new OnnxModel.ValueInfo("y", OnnxModel.FLOAT, new long[] {-1, 4}, true)), List.of()));
        Sequential model = OnnxProgramLayer.of(old, "old.onnx");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> OnnxExporter.toOnnx(model));
        assertTrue(e.getMessage().contains("opset 11") && e.getMessage().contains("OnnxProgram")
                && e.getMessage().contains("Softmax node 'sm'"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        // the same program at opset 13 is written
        OnnxModel.Model at13 = new OnnxModel.Model(8, java.util.Map.of("", 13L), "test", "", old.graph());
        assertEquals(List.of(), OnnxImporter.check(OnnxExporter.toOnnx(OnnxProgramLayer.of(at13, "new.onnx"))));
    }


    @Test
    void anOpset6TypedAddWithTheLegacyBroadcastIsWrittenWithoutItAndGivesTheSameOutputs() {
        // opset 6: Add(A [2, 3], B [2, 3], broadcast=1): B varies along the batch axis, so the Add runs on the typed path
        // (which evaluates the legacy broadcast where B is aligned with A's last axes, as numpy aligns it; with an axis
        // it refuses); at opset 17 the same sum is an Add without the attribute
        OnnxModel.Attribute one = new OnnxModel.Attribute("broadcast", OnnxModel.Attribute.INT, 0, 1, null, null, null,
                null, null);
        OnnxModel.Model old = new OnnxModel.Model(3, java.util.Map.of("", 6L), "test", "", new OnnxModel.Graph("g",
                List.of(new OnnxModel.Node("add", "Add", "", List.of("a", "b"), List.of("y"),
                        java.util.Map.of("broadcast", one))),
                List.of(new TensorData("b", OnnxModel.FLOAT, new long[] {2, 3}, new float[] {1, 2, 3, 40, 50, 60}, null)),
                List.of(new OnnxModel.ValueInfo("a", OnnxModel.FLOAT, new long[] {2, 3}, true)),
                List.of(new OnnxModel.ValueInfo("y", OnnxModel.FLOAT, new long[] {2, 3}, true)), List.of()));
        OnnxProgram p = OnnxImporter.importProgram(old, "old.onnx");
        assertEquals(1, p.typedNodeCount());
        TensorData x = new TensorData("a", OnnxModel.FLOAT, new long[] {2, 3}, new float[] {0, 0, 0, 1, 1, 1}, null);
        float[] want = p.run(List.of(x)).get(0).floats();
        assertArrayEquals(new float[] {1, 2, 3, 41, 51, 61}, want);
        OnnxModel.Model written = OnnxExporter.toOnnx(p, "old");
        assertEquals(OnnxExporter.OPSET, written.defaultOpset());
        for (OnnxModel.Node n : written.graph().nodes()) {
            assertEquals(List.of(), OnnxPytorchSuitesExportTest.legacyAttributes(n).stream()
                    .filter(n.attributes()::containsKey).toList(), n.toString());
        }
        assertArrayEquals(want, OnnxImporter.importProgram(written, "written").run(List.of(x)).get(0).floats());
    }
}

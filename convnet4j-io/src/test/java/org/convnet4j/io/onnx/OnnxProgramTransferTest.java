package org.convnet4j.io.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.convnet4j.data.ArrayDataset;
import org.convnet4j.io.weights.ModelLoader;
import org.convnet4j.nn.Parameter;
import org.convnet4j.nn.Sequential;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.train.TrainConfig;
import org.convnet4j.train.optim.Sgd;
import org.convnet4j.transfer.FineTuneSettings;
import org.convnet4j.transfer.FineTuning;
import org.convnet4j.transfer.Transfer;
import org.convnet4j.transfer.TransferCase;
import org.convnet4j.transfer.TransferOptions;
import org.convnet4j.transfer.TransferPlan;
import org.convnet4j.transfer.TransferTraining;
import org.junit.jupiter.api.Test;

/**
 * Transfer learning inside an imported program (OnnxProgramLayer, a CuttableLayer), on the PyTorch export of
 * tools/fixtures/typed_head_fixture.py, whose head (W @ h.t()).t() + b runs on the typed path: Case 1's default cut
 * is the head's input h and gives PyTorch's h; a cut at the MaxPool node gives PyTorch's pooled maps, flattened;
 * Case 2 puts a new classifier on h and counts the program's weighted nodes as layers: phase 1 trains the new head
 * only, phase 2 the last N, and frozen weights do not move.
 */
class OnnxProgramTransferTest {
    private static final Path DIR = Path.of("src/test/resources/fixtures/typed_head");
    private static final List<String> TARGET = List.of("a", "b", "c");

    private static Sequential base() {
        try {
            return (Sequential) ModelLoader.load(DIR.resolve("model.onnx")).model();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static Tensor data(String file) throws Exception {
        return OnnxReader.readTensor(DIR.resolve("test_data_set_0").resolve(file)).toTensor();
    }

    private static void close(Tensor want, Tensor got, double tolerance, String what) {
        assertEquals(want.size(), got.size(), what);
        double scale = 1e-3;
        for (float v : want.data()) {
            scale = Math.max(scale, Math.abs(v));
        }
        for (int k = 0; k < want.size(); k++) {
            assertEquals(want.data()[k], got.data()[k], tolerance * scale, what + "[" + k + "]");
        }
    }

    @Test
    void theDefaultCutIsTheHeadsInputAndGivesPyTorchsFeatures() throws Exception {
        Sequential base = base();
        assertEquals("/Relu_1_output_0", Transfer.defaultCut(base)); // MatMul(W, Transpose(h)): h, not h.t()
        Sequential features = Transfer.cutAt(base, Transfer.defaultCut(base));
        assertEquals(Shape.of(16), features.outputShape());
        close(data("features_head.pb"), features.predict(data("input_0.pb")), 1e-5, "h");
        // the whole base still gives PyTorch's logits: cutting does not change it
        close(data("output_0.pb"), base.predict(data("input_0.pb")), 1e-5, "logits");
    }

    @Test
    void aCutAtANodeOrItsValueGivesThatValueFlattened() throws Exception {
        Sequential base = base();
        Tensor x = data("input_0.pb");
        for (String point : List.of("/pool/MaxPool", "pool_MaxPool", "/pool/MaxPool_output_0")) {
            Sequential cut = Transfer.cutAt(base, point);
            assertEquals(Shape.of(4 * 13 * 13), cut.outputShape(), point);
            close(data("features_pool.pb"), cut.predict(x), 1e-5, point);
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Transfer.cutAt(base, "nope"));
        assertTrue(e.getMessage().contains("'nope'") && e.getMessage().contains("/pool/MaxPool"), e.getMessage());
        // h.t() has the batch axis second: not a per-picture feature
        e = assertThrows(IllegalArgumentException.class, () -> Transfer.cutAt(base, "/Transpose_output_0"));
        assertTrue(e.getMessage().contains("batch axis"), e.getMessage());
        assertEquals("/pool/MaxPool_output_0", Transfer.earlyCut(base));
    }

    @Test
    void theCutCarriesTheCurrentWeightsNotTheFiles() throws Exception {
        Sequential base = base();
        Tensor x = data("input_0.pb");
        for (Parameter p : base.namedParameters().values()) {
            float[] v = p.value().data();
            for (int k = 0; k < v.length; k++) {
                v[k] *= 1.5f;
            }
        }
        Tensor want = Transfer.cutAt(base(), "/pool/MaxPool").predict(x);
        Tensor got = Transfer.cutAt(base, "/pool/MaxPool").predict(x);
        boolean differs = false;
        for (int k = 0; k < want.size(); k++) {
            differs |= Math.abs(want.data()[k] * 1.5f - got.data()[k]) > 1e-4 * Math.max(1, Math.abs(got.data()[k]));
        }
        // relu(1.5 w x + 1.5 b) = 1.5 relu(w x + b), max-pooled: exactly 1.5 times the file's features
        assertFalse(differs, "features of the scaled weights are 1.5 x the file's");
    }

    @Test
    void caseOnePlansOnTheHeadsInput() {
        TransferPlan plan = Transfer.plan(TransferCase.BOTTLENECK, base(), TransferOptions.forClasses(TARGET));
        assertEquals("/Relu_1_output_0", plan.cut());
        assertEquals(Shape.of(16), plan.model().outputShape());
    }

    static ArrayDataset pictures(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[n * 28 * 28];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = i % 3;
            for (int k = 0; k < 28 * 28; k++) {
                int row = k / 28;
                x[i * 784 + k] = (float) (r.nextDouble() * 0.3 + (row / 10 == labels[i] ? 0.7 : 0));
            }
        }
        return ArrayDataset.ofFloats(x, Shape.of(1, 28, 28), labels, TARGET);
    }

    /** The model's parameters copied, to compare after training (also SecondStageTransferTest's). */
    static Map<String, Tensor> snapshot(Sequential m) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        m.namedParameters().forEach((k, p) -> out.put(k, p.value().copy()));
        return out;
    }

    /** Names of the learnable parameters whose values differ from {@code before}. */
    static List<String> moved(Map<String, Tensor> before, Sequential m) {
        List<String> out = new ArrayList<>();
        m.namedParameters().forEach((k, p) -> {
            if (p.isLearnable() && !java.util.Arrays.equals(before.get(k).data(), p.value().data())) {
                out.add(k);
            }
        });
        return out;
    }

    @Test
    void caseTwoCountsTheProgramsWeightedNodesAndFrozenWeightsDoNotMove() {
        TransferPlan plan = Transfer.plan(TransferCase.FINE_TUNE_LAST, base(), TransferOptions.forClasses(TARGET));
        String program = plan.model().layers().get(0).name();
        assertEquals(List.of(program + ".fc_Gemm", "predictions"), plan.trainedLayers());
        assertEquals(List.of(program + ".conv_Conv"), plan.frozenLayers());
        Map<String, Tensor> before = snapshot(plan.model());
        ArrayDataset train = pictures(30, 1);
        TransferTraining.fit(plan, train, null, TransferTraining.Settings.of(TrainConfig.builder(
                new Sgd(List.of(), 0.05)).epochs(2).batchSize(10).seed(3).build()));
        List<String> moved = moved(before, plan.model());
        assertTrue(moved.stream().noneMatch(k -> k.contains("conv_Conv")), "frozen conv moved: " + moved);
        assertTrue(moved.stream().anyMatch(k -> k.contains("fc_Gemm")), "fc did not move: " + moved);
        assertTrue(moved.stream().anyMatch(k -> k.startsWith("predictions")), "head did not move: " + moved);

        // last 3: the conv too
        TransferPlan three = Transfer.plan(TransferCase.FINE_TUNE_LAST, base(),
                TransferOptions.forClasses(TARGET).withFineTuneLast(3));
        assertTrue(three.frozenLayers().isEmpty(), three.frozenLayers().toString());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Transfer.plan(
                TransferCase.FINE_TUNE_LAST, base(), TransferOptions.forClasses(TARGET).withFineTuneLast(4)));
        assertTrue(e.getMessage().contains("conv_Conv"), e.getMessage());
    }

    @Test
    void phaseOneTrainsOnlyTheNewHead() {
        TransferPlan plan = Transfer.plan(TransferCase.FINE_TUNE_LAST, base(), TransferOptions.forClasses(TARGET));
        Map<String, Tensor> before = snapshot(plan.model());
        List<Map<String, Tensor>> epochs = new ArrayList<>();
        FineTuning.Result r = FineTuning.fit(plan, pictures(45, 2), FineTuneSettings.defaults().withMaxTuneEpochs(2)
                .withRefit(false), null, List.of(new org.convnet4j.train.TrainingListener() {
                    @Override
                    public void onEpochEnd(org.convnet4j.train.TrainingContext ctx, int epoch, Map<String, Double> row) {
                        epochs.add(snapshot(plan.model()));
                    }
                }), org.convnet4j.transfer.FeatureExtractor.Progress.NONE);
        FineTuning.Phase head = r.phases().get(0);
        assertTrue(head.convex(), "phase 1 is Case 1's logistic regression on h: " + head);
        assertEquals(List.of("predictions"), head.trainedLayers());
        // the first tuning epoch starts from the phase-1 model: only the head differs from the start up to there,
        // and the conv (frozen in both phases) never moves
        assertFalse(epochs.isEmpty());
        for (Map<String, Tensor> e : epochs) {
            e.forEach((k, v) -> {
                if (k.contains("conv_Conv")) {
                    assertArrayEquals(before.get(k).data(), v.data(), k);
                }
            });
        }
        assertTrue(moved(before, plan.model()).stream().noneMatch(k -> k.contains("conv_Conv")));
    }

    /**
     * The model Case 2 made (the program cut at h, a new Dense classifier), tuned, exported to ONNX: read back by our
     * importer it gives the same outputs, and the reference checker accepts the file.
     */
    @Test
    void aTunedTransferModelExportsToOnnxAndReadsBack(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        TransferPlan plan = Transfer.plan(TransferCase.FINE_TUNE_LAST, base(), TransferOptions.forClasses(TARGET));
        TransferTraining.fit(plan, pictures(30, 5), null, TransferTraining.Settings.of(TrainConfig.builder(
                new Sgd(List.of(), 0.05)).epochs(1).batchSize(10).seed(3).build()));
        Sequential model = plan.model();
        Tensor x = data("input_0.pb");
        Path exported = dir.resolve("case2.onnx");
        org.convnet4j.io.onnx.OnnxExporter.export(model, exported);
        org.convnet4j.nn.Model back = ModelLoader.load(exported).model();
        assertEquals(0f, model.predict(x).maxAbsDiff(back.predict(x)), 1e-5f);
        Path python = Path.of("/usr/bin/python3");
        Process p = new ProcessBuilder(python.toString(), "-c", "import onnx, sys; "
                + "onnx.checker.check_model(onnx.load(sys.argv[1]), full_check=True)", exported.toString())
                .inheritIO().start();
        assertEquals(0, p.waitFor(), "onnx.checker on " + exported);
    }

    @Test
    void keepingTheProgramsHeadPhaseOneTrainsItsLastPartOnly() {
        TransferPlan plan = Transfer.plan(TransferCase.FINE_TUNE_LAST, base(),
                TransferOptions.forClasses(TARGET).withNewClassifier(false));
        String program = plan.model().layers().get(0).name();
        // the resized typed head (MatMul's W with the bias Add's b) is one part, fc the other trained one
        assertEquals(List.of(program + ".fc_Gemm", program + ".MatMul"), plan.trainedLayers());
        Map<String, Tensor> before = snapshot(plan.model());
        List<Map<String, Tensor>> epochs = new ArrayList<>();
        FineTuning.Result r = FineTuning.fit(plan, pictures(45, 2), FineTuneSettings.defaults()
                .withHeadFit(FineTuneSettings.HeadFit.GRADIENT).withMaxHeadEpochs(2).withMaxTuneEpochs(1)
                .withRefit(false), null, List.of(new org.convnet4j.train.TrainingListener() {
                    @Override
                    public void onEpochEnd(org.convnet4j.train.TrainingContext ctx, int epoch, Map<String, Double> row) {
                        epochs.add(snapshot(plan.model()));
                    }
                }), org.convnet4j.transfer.FeatureExtractor.Progress.NONE);
        FineTuning.Phase head = r.phases().get(0);
        assertEquals(List.of(program + ".MatMul"), head.trainedLayers());
        Map<String, Tensor> afterHead = epochs.get(head.epochs() - 1);
        List<String> changed = new ArrayList<>();
        afterHead.forEach((k, v) -> {
            if (!java.util.Arrays.equals(before.get(k).data(), v.data())) {
                changed.add(k);
            }
        });
        assertEquals(2, changed.size(), "phase 1 moved only W and b: " + changed);
        assertTrue(changed.stream().allMatch(k -> k.endsWith("typed_W") || k.endsWith("typed_b")), changed.toString());
    }
}

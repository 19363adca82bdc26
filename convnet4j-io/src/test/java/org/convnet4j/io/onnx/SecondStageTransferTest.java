package org.convnet4j.io.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.convnet4j.data.ArrayDataset;
import org.convnet4j.io.weights.ModelLoader;
import org.convnet4j.nn.Parameter;
import org.convnet4j.nn.Sequential;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.train.TrainConfig;
import org.convnet4j.train.Trainer;
import org.convnet4j.train.optim.Sgd;
import org.convnet4j.transfer.CuttableLayer;
import org.convnet4j.transfer.FineTuneSettings;
import org.convnet4j.transfer.FineTuning;
import org.convnet4j.transfer.Transfer;
import org.convnet4j.transfer.TransferCase;
import org.convnet4j.transfer.TransferOptions;
import org.convnet4j.transfer.TransferPlan;
import org.convnet4j.transfer.TransferTraining;
import org.junit.jupiter.api.Test;

/**
 * Transfer learning on an imported program whose head lies in its second stage: the PyTorch export of
 * tools/fixtures/second_stage_transfer_fixture.py (conv1 on the float layers, a training-form batch norm on the typed
 * path, then conv2, ReLU, max pool, Flatten and the Linear head as the second stage). "The last N layers" counts the
 * second stage's weighted nodes, phase 2 unfreezes them, case 2 cuts before (or resizes) the head in the second
 * stage, a --cut at conv2 cuts inside it; values and gradients against PyTorch's on the same weights and batch.
 */
class SecondStageTransferTest {
    private static final Path DIR = Path.of("src/test/resources/fixtures/second_stage_transfer");
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

    private static void close(Tensor want, float[] got, double tolerance, String what) {
        assertEquals(want.size(), got.length, what);
        double scale = 1e-3;
        for (float v : want.data()) {
            scale = Math.max(scale, Math.abs(v));
        }
        for (int k = 0; k < want.size(); k++) {
            assertEquals(want.data()[k], got[k], tolerance * scale, what + "[" + k + "]");
        }
    }

    private static OnnxProgramLayer program(Sequential m) {
        return (OnnxProgramLayer) m.layers().get(0);
    }

    /** The fixture's batch with its labels, as a data set of 6 pictures. */
    private static ArrayDataset batch(List<String> classes) throws Exception {
        long[] labels = OnnxReader.readTensor(DIR.resolve("test_data_set_0/labels.pb")).longs();
        int[] l = new int[labels.length];
        for (int i = 0; i < l.length; i++) {
            l[i] = (int) labels[i];
        }
        return ArrayDataset.ofFloats(data("input_0.pb").data().clone(), Shape.of(1, 8, 8), l, classes);
    }

    /** n 8x8 pictures whose class is the bright band of rows (two rows per class) over noise. */
    private static ArrayDataset pictures(int n, long seed, List<String> classes) {
        java.util.SplittableRandom r = new java.util.SplittableRandom(seed);
        float[] x = new float[n * 64];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = i % classes.size();
            for (int k = 0; k < 64; k++) {
                x[i * 64 + k] = (float) (r.nextDouble() * 0.3 + (k / 8 / 2 == labels[i] ? 0.7 : 0));
            }
        }
        return ArrayDataset.ofFloats(x, Shape.of(1, 8, 8), labels, classes);
    }

    @Test
    void thePartsCountTheSecondStagesWeightedNodes() throws Exception {
        OnnxProgramLayer p = program(base());
        assertTrue(p.program().toString().contains("second stage"), p.program().toString());
        List<CuttableLayer.Part> parts = p.parts();
        assertEquals(List.of("conv1_Conv", "bn_BatchNormalization", "conv2_Conv", "fc_Gemm"),
                parts.stream().map(CuttableLayer.Part::name).toList());
        // every learned weight of the layer is in exactly one part: the float conv's as its layer, the others as
        // parameters (the stage's conv2 and fc with their biases)
        Map<Parameter, String> owner = new IdentityHashMap<>();
        for (CuttableLayer.Part part : parts) {
            List<Parameter> ps = new ArrayList<>(part.parameters());
            part.layers().forEach(l -> ps.addAll(l.namedParameters().values()));
            for (Parameter q : ps) {
                if (q.isLearnable()) {
                    assertEquals(null, owner.put(q, part.name()), q.name() + " in two parts");
                }
            }
        }
        List<String> learnable = new ArrayList<>();
        p.namedParameters().forEach((k, q) -> {
            if (q.isLearnable()) {
                learnable.add(k);
                assertNotNull(owner.get(q), k + " is in no part");
            }
        });
        assertEquals(8, learnable.size(), learnable.toString());
        assertEquals(List.of(p.program().holder("conv2.weight"), p.program().holder("conv2.bias")),
                parts.get(2).parameters());
        assertEquals(List.of(p.program().holder("fc.weight"), p.program().holder("fc.bias")),
                parts.get(3).parameters());
    }

    @Test
    void theDefaultCutAndACutAtConv2GivePyTorchsValues() throws Exception {
        Sequential base = base();
        Tensor x = data("input_0.pb");
        close(data("output_0.pb"), base.predict(x).data(), 1e-5, "logits");
        assertEquals("/Flatten_output_0", Transfer.defaultCut(base));
        Sequential features = Transfer.cutAt(base, Transfer.defaultCut(base));
        assertEquals(Shape.of(96), features.outputShape());
        close(data("features_head.pb"), features.predict(x).data(), 1e-5, "head input");
        for (String point : List.of("/conv2/Conv", "conv2_Conv", "/conv2/Conv_output_0")) {
            Sequential cut = Transfer.cutAt(base, point);
            assertEquals(Shape.of(6 * 8 * 8), cut.outputShape(), point);
            close(data("features_conv2.pb"), cut.predict(x).data(), 1e-5, point);
            // the cut is a program with a second stage of its own, whose weights are the base's current ones
            OnnxProgramLayer inner = program(cut);
            assertEquals(List.of("conv1_Conv", "bn_BatchNormalization", "conv2_Conv"),
                    inner.parts().stream().map(CuttableLayer.Part::name).toList(), point);
        }
        // the cut carries the current weights of the second stage, not the file's: conv2 doubled doubles its output
        for (float[] v : List.of(program(base).program().holder("conv2.weight").value().data(),
                program(base).program().holder("conv2.bias").value().data())) {
            for (int k = 0; k < v.length; k++) {
                v[k] *= 2;
            }
        }
        base.weightsChanged();
        Tensor doubled = Transfer.cutAt(base, "/conv2/Conv").predict(x);
        Tensor want = data("features_conv2.pb");
        for (int k = 0; k < want.size(); k++) {
            want.data()[k] *= 2;
        }
        close(want, doubled.data(), 1e-5, "conv2 doubled");
    }

    @Test
    void caseTwoTunesTheSecondStagesLastNodeAndFrozenWeightsDoNotMove() throws Exception {
        TransferPlan plan = Transfer.plan(TransferCase.FINE_TUNE_LAST, base(), TransferOptions.forClasses(TARGET));
        String program = plan.model().layers().get(0).name();
        assertEquals(List.of(program + ".conv2_Conv", "predictions"), plan.trainedLayers());
        assertEquals(List.of(program + ".conv1_Conv", program + ".bn_BatchNormalization"), plan.frozenLayers());
        Map<String, Tensor> before = OnnxProgramTransferTest.snapshot(plan.model());
        TransferTraining.fit(plan, pictures(36, 1, TARGET), null,
                TransferTraining.Settings.of(TrainConfig.builder(new Sgd(List.of(), 0.05)).epochs(2).batchSize(12)
                        .seed(3).build()));
        List<String> moved = OnnxProgramTransferTest.moved(before, plan.model());
        assertEquals(4, moved.stream().filter(k -> k.contains("conv2") || k.startsWith("predictions")).count(),
                "conv2's weight and bias and the new head's move: " + moved);
        assertEquals(4, moved.size(), "nothing else moves: " + moved);

        // phase 2 of "last 3" unfreezes the typed batch norm too, "last 4" everything; 5 is one too many
        TransferPlan three = Transfer.plan(TransferCase.FINE_TUNE_LAST, base(),
                TransferOptions.forClasses(TARGET).withFineTuneLast(3));
        assertEquals(List.of(program + ".conv1_Conv"), three.frozenLayers());
        TransferPlan four = Transfer.plan(TransferCase.FINE_TUNE_LAST, base(),
                TransferOptions.forClasses(TARGET).withFineTuneLast(4));
        assertTrue(four.frozenLayers().isEmpty(), four.frozenLayers().toString());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Transfer.plan(
                TransferCase.FINE_TUNE_LAST, base(), TransferOptions.forClasses(TARGET).withFineTuneLast(5)));
        assertTrue(e.getMessage().contains("conv1_Conv"), e.getMessage());
    }

    @Test
    void keepingTheHeadResizesTheSecondStagesGemmAndPhaseOneTrainsOnlyIt() throws Exception {
        List<String> two = List.of("a", "b");
        TransferPlan plan = Transfer.plan(TransferCase.FINE_TUNE_LAST, base(),
                TransferOptions.forClasses(two).withNewClassifier(false));
        OnnxProgramLayer p = program(plan.model());
        String name = p.name();
        assertEquals(List.of(name + ".conv2_Conv", name + ".fc_Gemm"), plan.trainedLayers());
        assertEquals(Shape.of(2, 96), p.program().holder("fc.weight").value().shape());
        assertEquals(Shape.of(2), plan.model().outputShape());
        // the other weights keep the file's values: the head's input is still PyTorch's
        close(data("features_head.pb"), Transfer.cutAt(plan.model(), "/Flatten_output_0").predict(data("input_0.pb"))
                .data(), 1e-5, "head input after the resize");
        Map<String, Tensor> before = OnnxProgramTransferTest.snapshot(plan.model());
        List<Map<String, Tensor>> epochs = new ArrayList<>();
        FineTuning.Result r = FineTuning.fit(plan, pictures(24, 2, two),
                FineTuneSettings.defaults().withHeadFit(FineTuneSettings.HeadFit.GRADIENT).withMaxHeadEpochs(2)
                        .withMaxTuneEpochs(1).withRefit(false), null,
                List.of(new org.convnet4j.train.TrainingListener() {
                    @Override
                    public void onEpochEnd(org.convnet4j.train.TrainingContext ctx, int epoch, Map<String, Double> row) {
                        epochs.add(OnnxProgramTransferTest.snapshot(plan.model()));
                    }
                }), org.convnet4j.transfer.FeatureExtractor.Progress.NONE);
        FineTuning.Phase head = r.phases().get(0);
        assertEquals(List.of(name + ".fc_Gemm"), head.trainedLayers());
        List<String> changed = new ArrayList<>();
        epochs.get(head.epochs() - 1).forEach((k, v) -> {
            if (!java.util.Arrays.equals(before.get(k).data(), v.data())) {
                changed.add(k);
            }
        });
        assertEquals(2, changed.size(), "phase 1 moved only the second stage's fc weight and bias: " + changed);
        assertTrue(changed.stream().allMatch(k -> k.contains("fc")), changed.toString());
    }

    /**
     * One SGD step of the "last 2" plan with the program's own head (loaded back to the file's weights) on PyTorch's
     * batch: the unfrozen second-stage parts move by -lr times PyTorch's gradients with the batch norm frozen
     * (bn.eval(): the frozen typed batch norm runs on its running statistics), the frozen ones not at all.
     */
    @Test
    void oneStepMovesTheUnfrozenSecondStageByPyTorchsGradients() throws Exception {
        TransferPlan plan = Transfer.plan(TransferCase.FINE_TUNE_LAST, base(),
                TransferOptions.forClasses(TARGET).withNewClassifier(false));
        OnnxProgram p = program(plan.model()).program();
        OnnxProgram file = program(base()).program();
        for (String w : List.of("fc.weight", "fc.bias")) { // withNewHead drew them afresh
            p.holder(w).load(file.holder(w).value());
        }
        plan.model().weightsChanged();
        Map<String, Tensor> before = new LinkedHashMap<>();
        List<String> all = List.of("conv1.weight", "conv1.bias", "bn.weight", "bn.bias", "conv2.weight", "conv2.bias",
                "fc.weight", "fc.bias");
        for (String w : all) {
            before.put(w, value(p, w).copy());
        }
        double lr = 0.1;
        Trainer.fit(plan.model(), batch(TARGET), null, TrainConfig.builder(new Sgd(plan.groupsFor(plan.model()), lr))
                .epochs(1).batchSize(6).seed(1).build());
        for (String w : all) {
            Tensor now = value(p, w);
            if (w.startsWith("conv2") || w.startsWith("fc")) {
                float[] step = new float[now.size()];
                Tensor g = data("grad_frozen_bn_" + w + ".pb");
                for (int k = 0; k < step.length; k++) {
                    step[k] = (float) ((before.get(w).data()[k] - now.data()[k]) / lr);
                }
                close(g, step, 1e-4, w + ": the step over lr is PyTorch's gradient");
            } else {
                assertArrayEquals(before.get(w).data(), now.data(), w + " is frozen");
            }
        }
    }

    private static OnnxModel.Attribute ints(String name, long... v) {
        return new OnnxModel.Attribute(name, OnnxModel.Attribute.INTS, 0, 0, null, null, null, v, null);
    }

    private static TensorData init(String name, java.util.SplittableRandom r, double lo, double hi, long... dims) {
        int n = 1;
        for (long d : dims) {
            n *= (int) d;
        }
        float[] v = new float[n];
        for (int k = 0; k < n; k++) {
            v[k] = (float) r.nextDouble(lo, hi);
        }
        return new TensorData(name, OnnxModel.FLOAT, dims, v, null);
    }

    /**
     * x [N, 1, 8, 8] -> Conv (float layers) -> BatchNormalization training form (typed path) -> Relu -> Conv2 ->
     * BatchNormalization inference form -> Relu -> MaxPool -> Flatten -> Gemm: the second stage holds a float batch
     * norm of its own, bn2, whose running statistics are program buffers.
     */
    private static OnnxModel.Model stageWithBatchNorm() {
        java.util.SplittableRandom r = new java.util.SplittableRandom(16);
        OnnxModel.Attribute pads = ints("pads", 1, 1, 1, 1);
        List<OnnxModel.Node> nodes = List.of(
                new OnnxModel.Node("conv1", "Conv", "", List.of("x", "W1", "B1"), List.of("c1"), Map.of("pads", pads)),
                new OnnxModel.Node("bn1", "BatchNormalization", "", List.of("c1", "s1", "b1", "m1", "v1"),
                        List.of("n1"), Map.of("training_mode", new OnnxModel.Attribute("training_mode",
                                OnnxModel.Attribute.INT, 0, 1, null, null, null, null, null))),
                new OnnxModel.Node("relu1", "Relu", "", List.of("n1"), List.of("r1"), Map.of()),
                new OnnxModel.Node("conv2", "Conv", "", List.of("r1", "W2", "B2"), List.of("c2"), Map.of("pads", pads)),
                new OnnxModel.Node("bn2", "BatchNormalization", "", List.of("c2", "s2", "b2", "m2", "v2"),
                        List.of("n2"), Map.of()),
                new OnnxModel.Node("relu2", "Relu", "", List.of("n2"), List.of("r2"), Map.of()),
                new OnnxModel.Node("pool", "MaxPool", "", List.of("r2"), List.of("p"), Map.of("kernel_shape",
                        ints("kernel_shape", 2, 2), "strides", ints("strides", 2, 2))),
                new OnnxModel.Node("flat", "Flatten", "", List.of("p"), List.of("f"), Map.of()),
                new OnnxModel.Node("fc", "Gemm", "", List.of("f", "F", "C"), List.of("y"), Map.of("transB",
                        new OnnxModel.Attribute("transB", OnnxModel.Attribute.INT, 0, 1, null, null, null, null,
                                null))));
        List<TensorData> inits = List.of(init("W1", r, -0.5, 0.5, 3, 1, 3, 3), init("B1", r, -0.1, 0.1, 3),
                init("s1", r, 0.5, 1.5, 3), init("b1", r, -0.3, 0.3, 3), init("m1", r, -0.2, 0.2, 3),
                init("v1", r, 0.5, 1.5, 3), init("W2", r, -0.3, 0.3, 4, 3, 3, 3), init("B2", r, -0.1, 0.1, 4),
                init("s2", r, 0.5, 1.5, 4), init("b2", r, -0.3, 0.3, 4), init("m2", r, -0.2, 0.2, 4),
                init("v2", r, 0.5, 1.5, 4), init("F", r, -0.2, 0.2, 3, 64), init("C", r, -0.1, 0.1, 3));
        return new OnnxModel.Model(8, Map.of("", 15L), "test", "", new OnnxModel.Graph("stage_bn", nodes, inits,
                List.of(new OnnxModel.ValueInfo("x", OnnxModel.FLOAT, new long[] {-1, 1, 8, 8}, true)),
                List.of(new OnnxModel.ValueInfo("y", OnnxModel.FLOAT, new long[] {-1, 3}, true)), List.of()));
    }

    /**
     * A frozen part keeps its batch norm's running statistics in a training pass, as a frozen float layer does: the
     * typed training-form bn1 and the second stage's float bn2 alike; a part that trains moves them.
     */
    @Test
    void frozenBatchNormsOfTheTypedPathAndTheSecondStageKeepTheirRunningStatistics() {
        for (int last : new int[] {1, 3}) {
            Sequential base = OnnxProgramLayer.of(stageWithBatchNorm(), "stage_bn");
            OnnxProgramLayer layer = program(base);
            assertEquals(List.of("conv1", "bn1", "conv2", "bn2", "fc"),
                    layer.parts().stream().map(CuttableLayer.Part::name).toList());
            TransferPlan plan = Transfer.plan(TransferCase.FINE_TUNE_LAST, base,
                    TransferOptions.forClasses(TARGET).withNewClassifier(false).withFineTuneLast(last));
            OnnxProgram p = program(plan.model()).program();
            Map<String, Tensor> before = new LinkedHashMap<>();
            for (String v : List.of("m1", "v1", "m2", "v2", "s1", "s2", "W2", "F")) {
                before.put(v, p.holder(v).value().copy());
            }
            Trainer.fit(plan.model(), pictures(12, 4, TARGET), null, TrainConfig.builder(
                    new Sgd(plan.groupsFor(plan.model()), 0.05)).epochs(1).batchSize(6).seed(1).build());
            List<String> moved = new ArrayList<>();
            before.forEach((v, t) -> {
                if (!java.util.Arrays.equals(t.data(), p.holder(v).value().data())) {
                    moved.add(v);
                }
            });
            // last 1: only the head; last 3: conv2, bn2 (with its statistics) and the head; bn1 frozen in both
            assertEquals(last == 1 ? List.of("F") : List.of("m2", "v2", "s2", "W2", "F"), moved, "last " + last);
        }
    }

    /** A weight's value in the initializer's layout. */
    private static Tensor value(OnnxProgram p, String w) {
        Parameter h = p.holder(w);
        return p.holderTransposed(w) ? h.value().transposed() : h.value();
    }
}

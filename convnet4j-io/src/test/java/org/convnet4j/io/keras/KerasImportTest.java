package org.convnet4j.io.keras;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;
import org.convnet4j.checkpoint.CheckpointMismatchException;
import org.convnet4j.nn.Model;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.zoo.ModelZoo;
import org.convnet4j.zoo.ZooOptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** Keras .h5 files (written as Keras lays them out) load into zoo models that then match PyTorch's outputs. */
class KerasImportTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "vgg16, vgg16, true",
        "vgg16_notop, vgg16, false",
        "resnet50_keras2, resnet50, true",
        "resnet50_keras1_notop, resnet50, false",
        "inception_v3, inception_v3, true",
        "inception_v3_notop_tf2names, inception_v3, false"})
    void importedModelMatchesPyTorch(String fixture, String architecture, boolean top) throws IOException {
        Tensor input = Fixtures.expected(fixture).get("input");
        Shape in = Shape.of(input.dim(1), input.dim(2), input.dim(3));
        try (KerasH5File f = KerasH5File.open(Fixtures.path(fixture + ".h5"))) {
            assertEquals(architecture, KerasApplications.detect(f));
            // VGG's input size is inferred from fc1; the others are given
            KerasApplications.Imported imported = KerasApplications.load(f, null,
                    architecture.equals("vgg16") && top ? null : in);
            assertEquals(in, imported.model().inputShapes().get(0));
            assertEquals(top, imported.model().outputShape().rank() == 1);
            Fixtures.assertMatches(fixture, imported.model());
        }
    }

    @Test
    void vggFc1RowsAreReorderedFromChannelsLast() throws IOException {
        // without the HWC -> CHW reorder fc1 still has the right shape, but the outputs differ
        try (KerasH5File f = KerasH5File.open(Fixtures.path("vgg16.h5"))) {
            Model m = ModelZoo.build("vgg16", KerasApplications.options(f, "vgg16", null));
            KerasWeights.load(f, m, KerasWeights.Options.byName(null));
            Fixtures.assertMatches("vgg16", m);
            Model plain = ModelZoo.build("vgg16", KerasApplications.options(f, "vgg16", null));
            KerasWeights.load(f, plain, KerasWeights.Options.byName(null));
            // undo the reorder on one model by loading fc1 as a plain (in, out) kernel
            KerasH5File.Layer fc1 = f.layer("fc1");
            float[] raw = f.read(fc1, fc1.weights().get(0));
            int[] s = fc1.weights().get(0).shape();
            float[] naive = org.convnet4j.io.weights.Layouts.denseFromInOut(raw, s[0], s[1]);
            System.arraycopy(naive, 0, plain.namedParameters().get("fc1.kernel").value().data(), 0, naive.length);
            Tensor x = Fixtures.expected("vgg16").get("input");
            assertTrue(plain.predict(x).maxAbsDiff(m.predict(x)) > 1e-3);
        }
    }

    @Test
    void topologyLoadingGivesTheSameModelAsNameLoading() throws IOException {
        for (String fixture : List.of("vgg16", "inception_v3")) {
            try (KerasH5File f = KerasH5File.open(Fixtures.path(fixture + ".h5"))) {
                String arch = KerasApplications.detect(f);
                Tensor x = Fixtures.expected(fixture).get("input");
                ZooOptions o = KerasApplications.options(f, arch, Shape.of(x.dim(1), x.dim(2), x.dim(3)));
                Model m = ModelZoo.build(arch, o);
                KerasWeights.load(f, m, KerasWeights.Options.byTopology());
                Fixtures.assertMatches(fixture, m);
            }
        }
    }

    @Test
    void kerasOrderOfInceptionFollowsKerasDepthSorting() throws IOException {
        // the published Keras InceptionV3 summary lists, after max_pooling2d_2: conv2d_9, batch_normalization_9,
        // activation_9, conv2d_7, conv2d_10, ... conv2d_6, conv2d_8, conv2d_11, conv2d_12
        Model m = ModelZoo.build("inception_v3", ZooOptions.builder().width(1 / 32.0).input(3, 75, 75).build());
        List<String> convs = org.convnet4j.io.weights.WeightTargets.of(m).stream()
                .map(t -> t.name()).filter(n -> n.startsWith("conv2d_")).limit(12).toList();
        assertEquals(List.of("conv2d_1", "conv2d_2", "conv2d_3", "conv2d_4", "conv2d_5", "conv2d_9", "conv2d_7",
                "conv2d_10", "conv2d_6", "conv2d_8", "conv2d_11", "conv2d_12"), convs);
    }

    @Test
    void mismatchesAreListedTogether() throws IOException {
        try (KerasH5File f = KerasH5File.open(Fixtures.path("vgg16.h5"))) {
            // twice the width and another class count: every conv and dense layer is mis-shaped
            Model m = ModelZoo.build("vgg16", ZooOptions.builder().width(2 / 32.0).classes(7).input(3, 64, 64).build());
            CheckpointMismatchException e = assertThrows(CheckpointMismatchException.class,
                    () -> KerasWeights.load(f, m, KerasWeights.Options.byName(null)));
            assertTrue(e.getMessage().contains("vgg16.h5"), e.getMessage());
            assertEquals(16 * 2, e.shapeMismatches().size(), e.getMessage()); // kernel and bias of 16 layers
            assertTrue(e.getMessage().contains("predictions.kernel is [7, 256]"), e.getMessage());
        }
        try (KerasH5File f = KerasH5File.open(Fixtures.path("vgg16_notop.h5"))) {
            Model m = ModelZoo.build("vgg16", ZooOptions.builder().width(1 / 32.0).classes(10).input(3, 64, 64).build());
            CheckpointMismatchException e = assertThrows(CheckpointMismatchException.class,
                    () -> KerasWeights.load(f, m, KerasWeights.Options.byName(null)));
            assertEquals(List.of("fc1", "fc2", "predictions"), e.missing());
        }
    }

    @Test
    void extraFileLayersCanBeSkippedForTransferLearning() throws IOException {
        try (KerasH5File f = KerasH5File.open(Fixtures.path("vgg16.h5"))) {
            Model m = ModelZoo.build("vgg16", ZooOptions.builder().width(1 / 32.0).includeTop(false)
                    .input(3, 64, 64).build());
            assertThrows(CheckpointMismatchException.class,
                    () -> KerasWeights.load(f, m, KerasWeights.Options.byName(null)));
            var report = KerasWeights.load(f, m, KerasWeights.Options.byName(null).ignoringExtraLayers());
            assertEquals(26, report.tensors());
            assertTrue(report.notes().get(0).contains("fc1, fc2, predictions"), report.notes().toString());
        }
    }

    @Test
    void inceptionBatchNormWithoutScaleGetsGammaOne() throws IOException {
        try (KerasH5File f = KerasH5File.open(Fixtures.path("inception_v3.h5"))) {
            assertFalse(f.layer("batch_normalization_1").weights().stream()
                    .anyMatch(w -> w.role() == WeightRole.GAMMA));
            Model m = ModelZoo.build("inception_v3", KerasApplications.options(f, "inception_v3", Shape.of(3, 75, 75)));
            m.namedParameters().get("batch_normalization_1.gamma").value().fill(5f);
            var report = KerasWeights.load(f, m, KerasWeights.Options.byName(null));
            assertEquals(1f, m.namedParameters().get("batch_normalization_1.gamma").value().data()[0]);
            assertTrue(report.notes().stream().anyMatch(n -> n.startsWith("94 batch norm")), report.notes().toString());
        }
    }

    @Test
    void kerasOneResNetUsesItsBatchNormEps() throws IOException {
        try (KerasH5File f = KerasH5File.open(Fixtures.path("resnet50_keras1_notop.h5"))) {
            Model m = KerasApplications.load(f, null, Shape.of(3, 32, 32)).model();
            assertEquals(1e-3, ((org.convnet4j.nn.layers.BatchNorm) org.convnet4j.io.weights.WeightTargets.byName(m)
                    .get("bn1").layer()).eps());
        }
        try (KerasH5File f = KerasH5File.open(Fixtures.path("resnet50_keras2.h5"))) {
            Model m = KerasApplications.load(f, null, Shape.of(3, 32, 32)).model();
            assertNotEquals(1e-3, ((org.convnet4j.nn.layers.BatchNorm) org.convnet4j.io.weights.WeightTargets.byName(m)
                    .get("bn1").layer()).eps());
        }
    }

    @Test
    void resnetNamesMapBothKerasStyles() {
        assertEquals("conv1", KerasNames.resnet("conv1_conv"));
        assertEquals("bn1", KerasNames.resnet("bn_conv1"));
        assertEquals("layer1.0.conv1", KerasNames.resnet("conv2_block1_1_conv"));
        assertEquals("layer1.0.conv1", KerasNames.resnet("res2a_branch2a"));
        assertEquals("layer3.5.bn3", KerasNames.resnet("bn4f_branch2c"));
        assertEquals("layer4.0.downsample.0", KerasNames.resnet("conv5_block1_0_conv"));
        assertEquals("layer4.0.downsample.1", KerasNames.resnet("bn5a_branch1"));
        assertEquals("fc", KerasNames.resnet("probs"));
        assertEquals("fc", KerasNames.resnet("fc1000"));
        assertEquals("conv2d_1", KerasNames.shiftFromZeroBased("conv2d"));
        assertEquals("batch_normalization_94", KerasNames.shiftFromZeroBased("batch_normalization_93"));
    }
}

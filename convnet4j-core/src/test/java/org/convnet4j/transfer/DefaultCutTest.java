package org.convnet4j.transfer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.convnet4j.nn.Layer;
import org.convnet4j.nn.Model;
import org.convnet4j.nn.Sequential;
import org.convnet4j.nn.GradMode;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.zoo.ModelZoo;
import org.convnet4j.zoo.ZooOptions;
import org.junit.jupiter.api.Test;

/**
 * The default Case 1 cut of the zoo's (and so the weights catalogue's) bases gives one feature vector per picture:
 * the input of the pretrained classifier, or the trunk's maps averaged over positions where the classifier is not a
 * dense layer on a vector (SqueezeNet) or there is none (Keras' {@code include_top=False} files).
 */
class DefaultCutTest {
    private static final List<String> TARGET = List.of("a", "b", "c");

    private static Sequential zoo(String name, ZooOptions.Builder options) {
        Model m = ModelZoo.build(name, options.build());
        return m instanceof Sequential s ? s : GraphChain.asSequential(m, name);
    }

    @Test
    void squeezeNetIsCutAtItsFeaturesAndPooledTo512Values() {
        Sequential base = zoo("squeezenet1_1", ZooOptions.builder());
        base.initialize(3);
        assertEquals("features", Transfer.defaultCut(base));
        Sequential cut = Transfer.cutAt(base, "features");
        assertEquals(Shape.of(512), cut.outputShape()); // it flattened 13x13x512 = 86,528 values before
        assertEquals(List.of("features", "bottleneck_pool"), cut.layers().stream().map(Layer::name).toList());

        // the pooled vector is the mean over the 13x13 positions of each of the trunk's 512 maps
        Tensor x = Tensor.zeros(2, 3, 224, 224);
        Random r = new Random(5);
        for (int i = 0; i < x.size(); i++) {
            x.data()[i] = (float) r.nextGaussian();
        }
        Tensor maps = GradMode.withoutGradients(() -> base.layers().get(0).forward(x, false));
        Tensor pooled = GradMode.withoutGradients(() -> cut.predict(x));
        assertEquals(List.of(2, 512, 13, 13), List.of(maps.dim(0), maps.dim(1), maps.dim(2), maps.dim(3)));
        double worst = 0;
        for (int n = 0; n < 2; n++) {
            for (int c = 0; c < 512; c++) {
                double s = 0;
                for (int p = 0; p < 169; p++) {
                    s += maps.data()[(n * 512 + c) * 169 + p];
                }
                worst = Math.max(worst, Math.abs(s / 169 - pooled.data()[n * 512 + c]));
            }
        }
        assertTrue(worst < 1e-5, "pooled vs mean of the maps: " + worst);
    }

    @Test
    void squeezeNetPlansUseThe512Features() {
        Sequential base = zoo("squeezenet1_0", ZooOptions.builder());
        TransferPlan one = Transfer.plan(TransferCase.BOTTLENECK, base, TransferOptions.forClasses(TARGET));
        assertEquals("features", one.cut());
        assertEquals(Shape.of(512), one.model().outputShape());
        assertTrue(one.notes().get(0).contains("512 features"), one.notes().toString());
        assertTrue(one.summary().contains("features: output of 'features' averaged over positions [512]"),
                one.summary());
        TransferPlan lenet = Transfer.plan(TransferCase.BOTTLENECK, zoo("lenet5", ZooOptions.builder()),
                TransferOptions.forClasses(TARGET));
        assertTrue(lenet.summary().contains("features: output of 'flatten' [400]"), lenet.summary());
        // Cases 2 and 3 put their new classifier on the same pooled vector
        TransferPlan two = Transfer.plan(TransferCase.FINE_TUNE_LAST, zoo("squeezenet1_0", ZooOptions.builder()),
                TransferOptions.forClasses(TARGET).withFineTuneLast(1));
        assertEquals(List.of("features", "bottleneck_pool", "predictions"),
                two.model().layers().stream().map(Layer::name).toList());
        assertEquals(Shape.of(3), two.model().outputShape());
        assertEquals(Shape.of(3, 512), two.model().namedParameters().get("predictions.kernel").value().shape());
    }

    /**
     * Every zoo base at width 1/8: its default cut gives a vector of the width its pretrained classifier reads (AlexNet
     * 256x6x6 and VGG 512x7x7 flattened, as their fc layers take them) or of its trunk's channels pooled.
     */
    @Test
    void everyZooBaseGivesAFeatureVectorAtItsDefaultCut() {
        Map<String, Integer> expected = new LinkedHashMap<>();
        expected.put("alexnet", 32 * 6 * 6);
        expected.put("vgg11", 64 * 7 * 7);
        expected.put("vgg16", 64 * 7 * 7);
        expected.put("resnet18", 64);
        expected.put("resnet50", 256);
        expected.put("resnext50_32x4d", 256);
        expected.put("wide_resnet50_2", 256);
        expected.put("googlenet", 128);
        expected.put("squeezenet1_0", 64);
        expected.put("squeezenet1_1", 64);
        expected.put("mobilenet_v2", 1280); // torchvision keeps the last 1x1 conv at 1280 for width multipliers < 1
        expected.put("densenet121", 128);
        expected.put("inception_v3", 256);
        Map<String, Integer> got = new LinkedHashMap<>();
        for (String name : expected.keySet()) {
            Sequential base = zoo(name, ZooOptions.builder().width(0.125).classes(10));
            got.put(name, Transfer.cutAt(base, Transfer.defaultCut(base)).outputShape().size());
        }
        Sequential tv = zoo("inception_v3", ZooOptions.builder().width(0.125).classes(10).layout("torchvision"));
        got.put("inception_v3 (torchvision)", Transfer.cutAt(tv, Transfer.defaultCut(tv)).outputShape().size());
        expected.put("inception_v3 (torchvision)", 256);
        assertEquals(expected, got);
    }

    /** Keras' files without top ({@code NAME:keras-notop}): the whole network is the feature extractor, pooled. */
    @Test
    void basesWithoutClassifierArePooledAtTheirLastLayer() {
        Sequential vgg = zoo("vgg16", ZooOptions.builder().width(0.125).includeTop(false));
        assertEquals("block5_pool", Transfer.defaultCut(vgg));
        assertEquals(Shape.of(64), Transfer.cutAt(vgg, "block5_pool").outputShape()); // 7x7x64 flattened before
        Sequential resnet = zoo("resnet50", ZooOptions.builder().width(0.125).includeTop(false).layout("keras"));
        assertEquals("layer4", Transfer.defaultCut(resnet));
        assertEquals(Shape.of(256), Transfer.cutAt(resnet, "layer4").outputShape());
        Sequential avg = zoo("inception_v3", ZooOptions.builder().width(0.125).includeTop(false)
                .pooling(ZooOptions.Pool.AVG));
        String last = avg.layers().get(avg.layers().size() - 1).name();
        assertEquals(last, Transfer.defaultCut(avg));
        assertEquals(Shape.of(256), Transfer.cutAt(avg, last).outputShape());
        // an explicit earlier cut still flattens the maps
        assertEquals(Shape.of(64 * 14 * 14), Transfer.cutAt(vgg, "block4_pool").outputShape());
    }

    /**
     * Case 2's "last N layers" in the blocks {@code summary} shows: a trunk packed into one {@code features} block
     * (SqueezeNet, DenseNet, MobileNetV2) is opened, so the default 2 are its last block and the new classifier, not
     * the whole network; ResNet's stages stay one layer each.
     */
    @Test
    void fineTuningTheLastLayersCountsTheBlocksInsideAPackedTrunk() {
        TransferPlan sq = Transfer.plan(TransferCase.FINE_TUNE_LAST, zoo("squeezenet1_1", ZooOptions.builder()
                .width(0.125)), TransferOptions.forClasses(TARGET));
        assertEquals(List.of("features.12", "predictions"), sq.trainedLayers());
        assertEquals("features.0", sq.frozenLayers().get(0));
        assertEquals(8, sq.frozenLayers().size(), sq.frozenLayers().toString()); // conv1 and fire2..fire8
        Map<String, org.convnet4j.nn.Parameter> p = sq.model().namedParameters();
        assertTrue(p.get("features.0.kernel").isFrozen());
        assertTrue(p.get("features.11.expand3x3.kernel").isFrozen());
        assertTrue(!p.get("features.12.squeeze.kernel").isFrozen() && !p.get("features.12.expand3x3.kernel").isFrozen());
        assertTrue(!p.get("predictions.kernel").isFrozen());
        long tuned = sq.groups().stream().filter(g -> !g.isFrozen()).mapToLong(g -> g.parameters().values().stream()
                .mapToLong(x -> x.value().size()).sum()).sum();
        long fire9 = sq.model().layers().get(0) instanceof Sequential f ? f.layers().get(f.indexOf("12")).parameterCount()
                : -1;
        assertEquals(fire9 + 64 * 3 + 3, tuned, "fire9 and the new 3-class classifier on its 64 pooled maps");
        TransferPlan dense = Transfer.plan(TransferCase.FINE_TUNE_LAST, zoo("densenet121", ZooOptions.builder()
                .width(0.125).classes(10)), TransferOptions.forClasses(TARGET));
        assertEquals(List.of("features.norm5", "classifier"), dense.trainedLayers());
        TransferPlan mobile = Transfer.plan(TransferCase.FINE_TUNE_LAST, zoo("mobilenet_v2", ZooOptions.builder()
                .width(0.25).classes(10)), TransferOptions.forClasses(TARGET).withFineTuneLast(3));
        assertEquals(List.of("features.17", "features.18", "predictions"), mobile.trainedLayers());
        TransferPlan resnet = Transfer.plan(TransferCase.FINE_TUNE_LAST, zoo("resnet18", ZooOptions.builder()
                .width(0.125).classes(10)), TransferOptions.forClasses(TARGET));
        assertEquals(List.of("layer4", "fc"), resnet.trainedLayers());
    }

    /**
     * A convolution classifier laid out layer by layer (SqueezeNet as ONNX imports it: ..., dropout, 1x1 conv to the
     * classes, ReLU, global pool, flatten) is cut before the conv, not after the class scores; a last 1x1 conv that
     * widens the maps before a global pool (a base without classifier) stays part of the features.
     */
    @Test
    void aConvolutionClassifierIsCutOffAndAWideningLastConvIsNot() {
        Sequential scores = new Sequential(Shape.of(3, 16, 16),
                new org.convnet4j.nn.layers.Conv2d(12, 3).named("trunk"), new org.convnet4j.nn.layers.ReLU().named("relu"),
                new org.convnet4j.nn.layers.Dropout(0.5).named("drop"),
                new org.convnet4j.nn.layers.Conv2d(10, 1).named("classifier_conv"),
                new org.convnet4j.nn.layers.ReLU().named("classifier_relu"),
                new org.convnet4j.nn.layers.GlobalAvgPool2d().named("pool"));
        assertEquals("relu", Transfer.defaultCut(scores)); // 10 filters < 12 input channels: class scores
        assertEquals(Shape.of(12), Transfer.cutAt(scores, "relu").outputShape());
        TransferPlan two = Transfer.plan(TransferCase.FINE_TUNE_LAST, scores, TransferOptions.forClasses(TARGET));
        assertEquals(List.of("trunk", "predictions"), two.trainedLayers());
        // as many filters as the model has class names: scores too, even when they widen
        Sequential named = new Sequential(Shape.of(3, 16, 16),
                new org.convnet4j.nn.layers.Conv2d(8, 3).named("trunk"),
                new org.convnet4j.nn.layers.Conv2d(20, 1).named("classifier_conv"),
                new org.convnet4j.nn.layers.GlobalAvgPool2d().named("pool"), new org.convnet4j.nn.layers.Flatten()
                .named("flat"));
        java.util.List<String> twenty = java.util.stream.IntStream.range(0, 20).mapToObj(i -> "c" + i).toList();
        named.setClassNames(twenty);
        assertEquals("trunk", Transfer.defaultCut(named));
        // the same widening conv without class names is a feature layer (a base without classifier): kept, pooled
        named.setClassNames(List.of());
        assertEquals("pool", Transfer.defaultCut(named));
        assertEquals(Shape.of(20), Transfer.cutAt(named, "pool").outputShape());
    }
}

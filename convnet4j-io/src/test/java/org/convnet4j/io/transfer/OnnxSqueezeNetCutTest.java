package org.convnet4j.io.transfer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.convnet4j.io.onnx.OnnxExporter;
import org.convnet4j.io.weights.ModelLoader;
import org.convnet4j.nn.GradMode;
import org.convnet4j.nn.Layer;
import org.convnet4j.nn.Model;
import org.convnet4j.nn.Sequential;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.transfer.GraphChain;
import org.convnet4j.transfer.Transfer;
import org.convnet4j.transfer.TransferCase;
import org.convnet4j.transfer.TransferOptions;
import org.convnet4j.transfer.TransferPlan;
import org.convnet4j.zoo.ModelZoo;
import org.convnet4j.zoo.ZooOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A SqueezeNet read from ONNX is a chain of nodes ending in its classifier: dropout, 1x1 conv to the classes, ReLU,
 * global average pool, reshape/flatten. Its default transfer cut is before that conv (fire9's maps, averaged: the same
 * 512/8 values as the zoo model's {@code features} cut with the same weights), not after the class scores, and case
 * 2's default "last 2 layers" are fire9's expand block and the new classifier.
 */
class OnnxSqueezeNetCutTest {
    @TempDir
    Path dir;

    private Sequential viaOnnx(Model zoo, String file) throws Exception {
        Path f = dir.resolve(file);
        OnnxExporter.export(zoo, f);
        return GraphChain.asSequential(ModelLoader.load(f).model(), file);
    }

    @Test
    void anOnnxSqueezeNetIsCutBeforeItsClassifierConvolution() throws Exception {
        for (int classes : new int[] {10, 1000}) { // 1000: ImageNet's class names; 10: none (64 maps to 10 scores)
            Sequential zoo = (Sequential) ModelZoo.build("squeezenet1_1", ZooOptions.builder().width(0.125)
                    .classes(classes).build());
            zoo.initialize(11);
            Sequential chain = viaOnnx(zoo, "squeezenet-" + classes + ".onnx");
            List<String> names = chain.layers().stream().map(Layer::name).toList();
            assertEquals("classifier_1", names.get(names.size() - 5), names.toString()); // conv, ReLU, pool, reshapes
            String cut = Transfer.defaultCut(chain);
            assertEquals("features_12_concat_block", cut, "classes " + classes);
            Sequential features = Transfer.cutAt(chain, cut);
            assertEquals(Shape.of(64), features.outputShape());
            Sequential reference = Transfer.cutAt(zoo, Transfer.defaultCut(zoo));
            Tensor x = Tensor.zeros(2, 3, 224, 224);
            Random r = new Random(3);
            for (int i = 0; i < x.size(); i++) {
                x.data()[i] = (float) r.nextGaussian();
            }
            Tensor a = GradMode.withoutGradients(() -> features.predict(x));
            Tensor b = GradMode.withoutGradients(() -> reference.predict(x));
            double scale = 0;
            for (float v : b.data()) {
                scale = Math.max(scale, Math.abs(v));
            }
            assertTrue(scale > 0 && a.maxAbsDiff(b) <= 1e-5 * scale, "ONNX cut vs zoo cut: " + a.maxAbsDiff(b)
                    + " of " + scale);
            TransferPlan two = Transfer.plan(TransferCase.FINE_TUNE_LAST, chain,
                    TransferOptions.forClasses(List.of("a", "b", "c")));
            assertEquals(List.of("features_12_concat_block", "predictions"), two.trainedLayers());
            assertEquals(Shape.of(3), two.model().outputShape());
        }
    }
}

package org.convnet4j.io.weights;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.convnet4j.tensor.Shape;
import org.junit.jupiter.api.Test;

/**
 * A model file of any format read directly ({@link ModelLoader}: what predict, transfer, import and infer read) whose
 * weights hold a NaN or an infinity is refused naming the file and the first such weight, as a {@code .c4j} is. The
 * fixtures are the committed small files of each format with one value replaced, written by the format's own library
 * (tools/fixtures/nonfinite_weights_fixture.py); the files they come from load (TorchvisionZooTest, ModelLoaderTest,
 * TorchFixtureTest).
 */
class NonFiniteWeightsTest {
    private static final Path DIR = Path.of("src/test/resources/fixtures/nonfinite");

    @Test
    void pytorchFilesAreRefusedNamingTheirWeight() {
        refused("squeezenet1_1_w8_nan.pth", Shape.of(3, 64, 64), "features.0.weight (1 of 216 values not finite)");
        refused("squeezenet1_1_w8_inf.safetensors", Shape.of(3, 64, 64), "classifier.1.bias (1 of 10 values not finite)");
    }

    @Test
    void kerasFilesAreRefusedNamingTheirWeight() {
        refused("vgg16_notop_nan.h5", null, "block2_conv1/block2_conv1/kernel:0 (1 of 72 values not finite)");
    }

    @Test
    void onnxFilesAreRefusedNamingTheLayerTheirWeightBecame() {
        refused("torch_small_neginf.onnx", null, "gate_Conv.kernel (1 of 64 values not finite)");
    }

    @Test
    void aTransferBaseIsRefusedAlike() {
        Path f = DIR.resolve("squeezenet1_1_w8_nan.pth");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TransferBase.load(f.toString(), ModelLoader.Options.defaults()));
        assertTrue(e.getMessage().contains(f + ": its weights are not finite: features.0.weight"), e.getMessage());
    }

    private static void refused(String name, Shape input, String weight) {
        Path f = DIR.resolve(name);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelLoader.load(f, null, input));
        assertTrue(e.getMessage().startsWith(f + ": its weights are not finite: "), e.getMessage());
        assertTrue(e.getMessage().contains(weight), e.getMessage());
    }
}

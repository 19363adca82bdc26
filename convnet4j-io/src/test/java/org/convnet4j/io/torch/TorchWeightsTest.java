package org.convnet4j.io.torch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.convnet4j.checkpoint.CheckpointMismatchException;
import org.convnet4j.checkpoint.FileFormatException;
import org.convnet4j.io.keras.Fixtures;
import org.convnet4j.nn.Model;
import org.convnet4j.zoo.ModelZoo;
import org.convnet4j.zoo.ZooOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** torchvision-style state dicts in safetensors load into the zoo models and match PyTorch's outputs. */
class TorchWeightsTest {
    @TempDir
    Path dir;

    @Test
    void resnet18StateDictMatchesPyTorch() throws IOException {
        Model m = ModelZoo.build("resnet18", ZooOptions.builder().width(1 / 16.0).classes(10).input(3, 32, 32).build());
        var report = TorchWeights.load(Fixtures.path("torch_resnet18.safetensors"), m);
        assertEquals(m.namedParameters().size(), report.tensors()); // num_batches_tracked ignored
        Fixtures.assertMatches("torch_resnet18", m);
    }

    @Test
    void torchvisionVggIndicesMapToKerasNamesByTopology() throws IOException {
        Model m = ModelZoo.build("vgg16", ZooOptions.builder().width(1 / 32.0).classes(10).input(3, 64, 64).build());
        TorchWeights.load(Fixtures.path("torch_vgg16.safetensors"), m);
        Fixtures.assertMatches("torch_vgg16", m);
    }

    @Test
    void wrongArchitectureIsReportedInOneMessage() {
        Model m = ModelZoo.build("resnet34", ZooOptions.builder().width(1 / 16.0).classes(10).input(3, 32, 32).build());
        CheckpointMismatchException e = assertThrows(CheckpointMismatchException.class,
                () -> TorchWeights.load(Fixtures.path("torch_resnet18.safetensors"), m));
        assertTrue(e.missing().contains("layer1.2.conv1.kernel"), e.getMessage());
        assertTrue(e.missing().contains("layer3.5.bn2.running_var"), e.getMessage());
    }

    @Test
    void anEmptyZipNamedLikeTorchvisionsFileIsAFormatError() throws IOException {
        Path zip = dir.resolve("resnet18-f37072fd.pth");
        Files.write(zip, new byte[] {'P', 'K', 3, 4, 0, 0, 0, 0});
        FileFormatException e = assertThrows(FileFormatException.class, () -> TorchWeights.load(zip, ModelZoo.build(
                "resnet18", ZooOptions.builder().width(1 / 16.0).classes(10).input(3, 32, 32).build())));
        assertTrue(e.getMessage().startsWith(zip.toString()), e.getMessage());
    }
}

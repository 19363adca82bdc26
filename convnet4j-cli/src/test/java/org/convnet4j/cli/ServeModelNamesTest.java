package org.convnet4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.convnet4j.serve.ServedModelNames;
import org.convnet4j.serve.ServerStartup;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * serve --model FILE without NAME=: the model's default name (TorchServe and DJL name a model after its archive), a
 * clash of default names is one line asking for NAME=FILE; the warm-up line's singular. No model is read (~0.1 s).
 */
class ServeModelNamesTest {

    @Test
    void aModelWithoutNameIsServedUnderItsFilesBaseName(@TempDir Path dir) throws Exception {
        assertEquals("lenet5", ServedModelNames.defaultName("models/lenet5.c4j"));
        assertEquals("resnet18", ServedModelNames.defaultName("/tmp/x/resnet18.onnx"));
        assertEquals("vgg16_weights_tf_dim_ordering_tf_kernels",
                ServedModelNames.defaultName("vgg16_weights_tf_dim_ordering_tf_kernels.h5"));
        assertEquals("resnet18-f37072fd", ServedModelNames.defaultName("https://download.pytorch.org/models/resnet18-f37072fd.pth"));
        assertEquals("model", ServedModelNames.defaultName("https://example.org/a/model.onnx?download=1"));
        assertEquals("resnet18-imagenet", ServedModelNames.defaultName("resnet18:imagenet")); // a catalogue name
        // a file that exists is a file, also when its path has an '=' (not NAME=FILE then)
        Path odd = Files.writeString(Files.createDirectories(dir.resolve("m=1")).resolve("lenet.c4j"), "");
        assertEquals(Map.of("lenet", odd.toString()), ServedModelNames.named(List.of(odd.toString())));
        Map<String, String> named = ServedModelNames.named(List.of("m=models/lenet5.c4j", "models/grey.c4j", "resnet18:imagenet"));
        assertEquals(List.of("m", "grey", "resnet18-imagenet"), List.copyOf(named.keySet()));
        assertEquals(List.of("models/lenet5.c4j", "models/grey.c4j", "resnet18:imagenet"), List.copyOf(named.values()));
    }

    @Test
    void twoModelsWithTheSameDefaultNameAreOneLineAskingForNames() {
        CliRun clash = CliRun.of("serve", "--model", "a/lenet5.c4j", "--model", "b/lenet5.onnx", "--port", "0");
        assertEquals(2, clash.exitCode(), clash.err());
        assertEquals(1, clash.err().strip().lines().count(), clash.err());
        assertTrue(clash.err().contains("--model b/lenet5.onnx: the name lenet5 is given twice") && clash.err().contains(
                "name them with NAME=FILE"), clash.err());
        CliRun explicitThenDefault = CliRun.of("serve", "--model", "lenet5=x.c4j", "--model", "a/lenet5.c4j");
        assertEquals(2, explicitThenDefault.exitCode(), explicitThenDefault.err());
        assertTrue(explicitThenDefault.err().contains("NAME=FILE"), explicitThenDefault.err());
        CliRun badDefault = CliRun.of("serve", "--model", "my model.c4j");
        assertEquals(2, badDefault.exitCode(), badDefault.err());
        assertEquals(1, badDefault.err().strip().lines().count(), badDefault.err());
        assertTrue(badDefault.err().contains("default name 'my model' is not a model name"), badDefault.err());
        // --preprocessing may name a model by its default name
        CliRun prep = CliRun.of("serve", "--model", "a/lenet5.c4j", "--preprocessing", "x=none");
        assertTrue(prep.err().contains("NAME one of the served models (lenet5)"), prep.err());
    }

    @Test
    void oneWarmUpRunIsOneForwardPass() {
        assertEquals("Warming up m: 1 forward pass at each batch size 1..8 (8 in all); /v2/health/ready answers 503"
                + " until done", ServerStartup.warmUpAnnouncement(List.of("m"), 1, 8, 8));
        assertTrue(ServerStartup.warmUpAnnouncement(List.of("m", "n"), 5, 8, 80)
                .contains("m, n: 5 forward passes at"));
    }
}

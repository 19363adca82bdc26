package org.convnet4j.zoo;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.regex.Pattern;
import org.convnet4j.testsupport.TemporaryProperty;
import org.convnet4j.util.MemoryBudget;
import org.junit.jupiter.api.Test;

/**
 * A model too large for the memory limit is refused naming the whole path to the parameter that crosses it (issue 15):
 * the blocks of a zoo model are built before they are added to their parent, so the parent never saw the refusal
 * and messages named only the inner node ("graph node 'conv2'", one of 16 in a ResNet-50).
 */
class NestedRefusalPathTest {
    private static String refusal(String model, String budget) {
        try (TemporaryProperty p = TemporaryProperty.set(MemoryBudget.PROPERTY, budget)) {
            return assertThrows(MemoryBudget.ModelTooLargeException.class,
                    () -> ModelZoo.build(model, ZooOptions.builder().build())).getMessage();
        }
    }

    private static void assertPath(String message, String regex) {
        assertTrue(Pattern.compile(regex).matcher(message).lookingAt(), "'" + regex + "' at the start of: " + message);
        assertTrue(!message.contains("\n"), message);
    }

    @Test
    void resNetRefusalsNameStageBlockAndNode() {
        // (the limits are half those of issue 15's, when a build charged value and gradient: the same refusals)
        // ResNet-50: 31 MB of values end inside one of layer3's blocks
        assertPath(refusal("resnet50", "30m"), "model 'resnet50': block 'layer3\\.5': graph node 'conv2': parameter"
                + " 'kernel' \\[256, 256, 3, 3\\] \\(value\\) needs 2\\.4 MB; with the model's parameters before it");
        // ResNet-18: the first block of layer4, its 3x3 conv or its downsample
        assertPath(refusal("resnet18", "15m"), "model 'resnet18': block 'layer4\\.0': graph node 'conv1': parameter 'kernel'"
                + " \\[512, 256, 3, 3\\]");
        assertPath(refusal("resnet18", "15872k"), "model 'resnet18': block 'layer4\\.0': graph node '(conv2|downsample)': ");
        assertPath(refusal("resnet18", "25088k"), "model 'resnet18': block 'layer4\\.0': graph node 'downsample': layer '0':"
                + " parameter 'kernel' \\[512, 256, 1, 1\\]");
    }

    @Test
    void otherNestedModelsNameTheirBlocksToo() {
        assertPath(refusal("densenet121", "10m"), "model 'densenet121': block 'features\\.denseblock\\d\\.denselayer\\d+':"
                + " graph node '[a-z0-9]+': parameter ");
        assertPath(refusal("googlenet", "10m"), "model 'googlenet': block 'inception\\d[a-e]': (graph node 'branch\\d': )?layer '[a-z0-9]+': layer 'conv': ");
        assertPath(refusal("mobilenet_v2", "2m"), "model 'mobilenet_v2': block 'features\\.\\d+': ");
        assertPath(refusal("squeezenet1_0", "1m"), "model 'squeezenet1_0': block 'features\\.\\d+': graph node ");
    }
}

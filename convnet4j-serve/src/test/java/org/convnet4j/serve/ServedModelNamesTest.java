package org.convnet4j.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A per-model option (serve's --preprocessing NAME=SPEC) is read by model name, and refused before any model is. */
class ServedModelNamesTest {
    private static final List<String> SERVED = List.of("lenet5", "resnet18-imagenet");

    @Test
    void valuesByModelName() {
        assertEquals(Map.of("resnet18-imagenet", "imagenet", "lenet5", "scale:1/255"),
                ServedModelNames.perModel("--preprocessing", List.of("resnet18-imagenet=imagenet", "lenet5=scale:1/255"),
                        SERVED));
        assertEquals(Map.of(), ServedModelNames.perModel("--preprocessing", List.of(), SERVED));
    }

    @Test
    void anUnknownNameNoValueOrANameGivenTwiceIsOneLine() {
        String expected = "--preprocessing %s: expected NAME=SPEC, NAME one of the served models (lenet5, resnet18-imagenet)";
        for (String bad : List.of("vgg16=imagenet", "imagenet", "lenet5=", "=imagenet")) {
            assertEquals(String.format(expected, bad), assertThrows(IllegalArgumentException.class,
                    () -> ServedModelNames.perModel("--preprocessing", List.of(bad), SERVED)).getMessage());
        }
        assertEquals("--preprocessing lenet5=b: model lenet5 is given twice", assertThrows(IllegalArgumentException.class,
                () -> ServedModelNames.perModel("--preprocessing", List.of("lenet5=a", "lenet5=b"), SERVED)).getMessage());
    }
}

package org.convnet4j.io.keras;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.convnet4j.io.weights.WeightsCatalogue;
import org.convnet4j.nn.Model;
import org.convnet4j.nn.ModelSummary;
import org.convnet4j.tensor.Shape;
import org.convnet4j.zoo.ModelZoo;
import org.convnet4j.zoo.ZooOptions;
import org.junit.jupiter.api.Test;

/**
 * The Keras catalogue entries' parameter counts against the models the Keras import builds for the published
 * full-size files ({@link KerasApplications#options(String, double, boolean, int, Shape)}: width 1, 1000 classes or
 * no top, Keras' input sizes), counted as Keras counts ({@code model.count_params()}: trainable and non-trainable,
 * i.e. our learnable values plus batch norms' running statistics; Keras' InceptionV3 has no batch-norm scale,
 * {@code scale=False}, so our gammas, one per running mean, are left out).
 *
 * <p>The published with-top figures are the "Parameters" column of Keras' applications table (keras.io/api/applications,
 * source keras-team/keras-io templates/api/applications/index.md at 01b6d6c4c4ef): VGG16 138,357,544, VGG19
 * 143,667,240, ResNet50 25,636,712, InceptionV3 23,851,784. Keras publishes no count for the files without top;
 * those are derived here as the with-top count minus Keras' top as its source builds it (VGG: Flatten, Dense(4096,
 * "fc1"), Dense(4096, "fc2"), Dense(1000, "predictions"); ResNet50 and InceptionV3: GlobalAveragePooling2D,
 * Dense(1000, "predictions")) over the feature maps our model without top ends in, and must equal our build.
 * tools/weights/check_catalogue.py checks the same figures against the sources' text.
 */
class KerasCountsTest {
    /** keras.io's applications table, "Parameters" column. */
    private static long published(String arch) {
        return switch (arch) {
            case "vgg16" -> 138_357_544L;
            case "vgg19" -> 143_667_240L;
            case "resnet50" -> 25_636_712L;
            case "inception_v3" -> 23_851_784L;
            default -> throw new AssertionError(arch);
        };
    }

    /** What Keras' count_params() says of our model. */
    private static long kerasCount(String arch, Model m) {
        long buffers = ModelSummary.bufferCount(m);
        long gammas = arch.equals("inception_v3") ? buffers / 2 : 0; // scale=False: no gamma per channel
        return m.parameterCount() + buffers - gammas;
    }

    /** Keras' top (include_top=True) on top of {@code features} = the output shape of the model without it. */
    private static long kerasTop(String arch, Shape features) {
        if (arch.startsWith("vgg")) {
            long flat = features.size();
            return flat * 4096 + 4096 + 4096L * 4096 + 4096 + 4096L * 1000 + 1000;
        }
        return (long) features.dim(0) * 1000 + 1000; // GlobalAveragePooling2D over the channels, then Dense(1000)
    }

    @Test
    void everyKerasEntryCountsAsKerasPublishes() {
        List<String> checked = new ArrayList<>();
        java.util.Map<String, Shape> notopFeatures = new java.util.HashMap<>();
        java.util.Map<String, Long> counts = new java.util.HashMap<>();
        List<WeightsCatalogue.Entry> keras = WeightsCatalogue.builtIn().entries().stream()
                .filter(e -> e.source().equals("keras")).sorted((a, b) -> Boolean.compare(a.includeTop(), b.includeTop()))
                .toList();
        for (WeightsCatalogue.Entry e : keras) {
            String arch = e.architecture();
            ZooOptions options = KerasApplications.options(arch, 1.0, e.includeTop(), 1000, null);
            if (arch.startsWith("vgg") && e.includeTop()) {
                // the import builds the zoo's default VGG (ZooCountsTest: 138,357,544 / 143,667,240)
                assertEquals(ZooOptions.builder().classes(1000).build(), options, e.name() + ": the zoo's default");
                assertEquals(Shape.of(3, 224, 224), ModelZoo.defaultInput(arch));
            }
            // described (shapes only): the built model's counts (ZooDescribeTest), without drawing 138M weights
            Model m = ModelZoo.describe(arch, options);
            long ours = kerasCount(arch, m);
            assertEquals(e.parameters(), ours, e.name() + ": catalogue vs our build counted as Keras does");
            if (e.includeTop()) {
                assertEquals(published(arch), ours, e.name() + ": keras.io's applications table");
                assertEquals(List.of(1000), m.outputShape().dims().length == 1 ? List.of(m.outputShape().dim(0))
                        : List.of(), e.name());
                long notop = counts.get(arch);
                assertEquals(published(arch) - kerasTop(arch, notopFeatures.get(arch)), notop,
                        e.name() + ": without top = published - Keras' top");
            } else {
                notopFeatures.put(arch, m.outputShape());
                counts.put(arch, ours);
            }
            checked.add(e.name() + " " + ours);
        }
        assertEquals(8, checked.size(), checked.toString());
    }
}

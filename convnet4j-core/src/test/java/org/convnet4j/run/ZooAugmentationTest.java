package org.convnet4j.run;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.convnet4j.data.Transform;
import org.convnet4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** zoo-benchmark --augment: random crop and flip before the standardisation, nothing random at test time. */
class ZooAugmentationTest {

    @Test
    void augmentationAddsRandomCropAndFlipBeforeTheStandardisation() {
        Transform prep = Transform.compose(new Transform.Resize(32, 32),
                new Transform.Normalize(new float[] {0.5f}, new float[] {2f}));
        Transform.Compose aug = (Transform.Compose) ZooBenchmark.augmented(prep, 32);
        assertEquals(4, aug.steps().size());
        assertTrue(aug.steps().get(0) instanceof Transform.Resize);
        assertEquals(new Transform.RandomCrop(32, 32, 2), aug.steps().get(1));
        assertEquals(new Transform.RandomHorizontalFlip(0.5), aug.steps().get(2));
        assertTrue(aug.steps().get(3) instanceof Transform.Normalize);

        Tensor picture = Tensor.uniform(new Random(1), 0f, 1f, 1, 28, 28);
        // without a random source (evaluation) the crop is the centre and nothing is flipped: same as prep
        assertArrayEquals(prep.apply(picture, null).data(), aug.apply(picture, null).data());
        boolean changed = false;
        for (int seed = 0; seed < 5 && !changed; seed++) {
            changed = !java.util.Arrays.equals(prep.apply(picture, null).data(),
                    aug.apply(picture, new Random(seed)).data());
        }
        assertTrue(changed, "a random source must move or mirror the picture");
    }

    @Test
    void withoutResizeTheCropComesFirst() {
        Transform prep = new Transform.Normalize(new float[] {0f}, new float[] {1f});
        Transform.Compose aug = (Transform.Compose) ZooBenchmark.augmented(prep, 28);
        assertEquals(new Transform.RandomCrop(28, 28, 2), aug.steps().get(0));
        assertEquals(prep, aug.steps().get(2));
    }
}

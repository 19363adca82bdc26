package org.convnet4j.io.weights;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link ModelLoader#removeFromCache}: what {@code convnet4j weights remove} does, from Java, offline. */
class CacheRemovalTest {
    @TempDir
    Path dir;

    private ModelLoader.Options offline() {
        Downloads d = new Downloads(new Downloads.Config(dir.resolve("cache"), true, null, null, Duration.ofSeconds(1),
                Duration.ofSeconds(1), 1));
        return new ModelLoader.Options(null, null, null, d, WeightsCatalogue.builtIn(), Downloads.Progress.NONE);
    }

    private static Path put(Path file, int bytes) throws IOException {
        Files.createDirectories(file.getParent());
        return Files.write(file, new byte[bytes]);
    }

    @Test
    void namesAndUrlDownloadsAreRemovedAndWhatIsNotCachedIsSaid() throws IOException {
        ModelLoader.Options o = offline();
        Path resnet = put(ModelLoader.cachedPath("resnet18:imagenet", o), 1000);
        String url = "https://example.org/models/own.pth";
        Path byUrl = put(o.downloads().cachedUrl(url), 300);
        Path other = put(o.downloads().cachedUrl("https://example.org/other/model.onnx"), 200);

        List<ModelLoader.Removal> r = ModelLoader.removeFromCache(List.of("resnet18:imagenet", "vgg16:keras", url),
                true, o);
        assertEquals(List.of(new ModelLoader.Removal("resnet18:imagenet", resnet, 1000, true),
                new ModelLoader.Removal("vgg16:keras", ModelLoader.cachedPath("vgg16:keras", o), 0, false),
                new ModelLoader.Removal(url, byUrl, 300, true),
                new ModelLoader.Removal(other.toString(), other, 200, true)), r); // the URL named once, in its place
        assertFalse(Files.exists(resnet) || Files.exists(byUrl) || Files.exists(other));
    }

    @Test
    void aReferenceThatIsNeitherNameNorUrlRemovesNothing() throws IOException {
        ModelLoader.Options o = offline();
        Path resnet = put(ModelLoader.cachedPath("resnet18:imagenet", o), 10);
        Path local = put(dir.resolve("model.c4j"), 10);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ModelLoader.removeFromCache(List.of("resnet18:imagenet", local.toString()), false, o));
        assertTrue(e.getMessage().startsWith("'" + local + "' is neither a catalogued name"), e.getMessage());
        assertTrue(Files.exists(resnet) && Files.exists(local), "checked before anything is deleted");
    }
}

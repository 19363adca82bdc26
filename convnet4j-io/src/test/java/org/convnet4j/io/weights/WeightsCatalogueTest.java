package org.convnet4j.io.weights;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.convnet4j.checkpoint.FileFormatException;
import org.convnet4j.imagenet.ImageNet;
import org.convnet4j.model.Preprocessing;
import org.convnet4j.tensor.Shape;
import org.convnet4j.zoo.ModelZoo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The built-in catalogue is consistent, overrides work, references resolve, preprocessing specs parse. */
class WeightsCatalogueTest {
    @TempDir
    Path dir;

    @Test
    void everyEntryIsConsistent() {
        WeightsCatalogue c = WeightsCatalogue.builtIn();
        Set<String> names = new HashSet<>();
        for (WeightsCatalogue.Entry e : c.entries()) {
            assertTrue(names.add(e.name()), "duplicate " + e.name());
            for (String a : e.aliases()) {
                assertTrue(names.add(a), "alias " + a + " of " + e.name() + " is taken");
            }
            assertTrue(e.url().endsWith("/" + e.file()), e.name());
            assertTrue(ModelZoo.contains(e.architecture()), e.name() + ": " + e.architecture());
            if (e.source().equals("torchvision")) {
                // torch.hub's convention: the name carries the SHA-256 prefix, and it is what we check
                assertEquals(Checksum.fromFileName(e.file()), e.checksum(), e.name());
            } else {
                assertEquals("MD5", e.checksum().algorithm(), e.name());
            }
            Shape in = ModelZoo.defaultInput(e.architecture());
            Preprocessing p = PreprocessingSpec.parse(e.preprocessing(), in);
            assertEquals(in, p.outputShape(), e.name());
            assertTrue(e.parameters() > 1_000_000, e.name());
            // a published approximate size, with its source; the files hold the float32 values (and, for batch norm,
            // running statistics), so the size is close to parameters x 4 bytes
            assertTrue(e.sizeMib() > 0 && e.sizeSource() != null && !e.sizeSource().isBlank(), e.name() + ": size");
            // googlenet-1378be20.pth also holds aux1/aux2 (6,379,984 values, torchvision's googlenet(aux_logits=True)
            // minus its published 6,624,904), which torchvision's count leaves out; Inception v3's count includes its
            // AuxLogits
            long inFile = e.parameters() + (e.file().startsWith("googlenet-") ? 6_379_984L : 0L);
            // the two Wide ResNet IMAGENET1K_V1 files hold float16 values: torchvision publishes about half the size
            boolean half = Set.of("wide_resnet50_2-95faca4d.pth", "wide_resnet101_2-32ee1156.pth").contains(e.file());
            double expectedMib = inFile * (half ? 2.0 : 4.0) / (1 << 20);
            assertTrue(Math.abs(e.sizeMib() - expectedMib) < 0.03 * expectedMib,
                    e.name() + ": " + e.sizeMib() + " MiB for " + e.parameters() + " parameters");
        }
        assertEquals(44.661, c.find("resnet18:imagenet").sizeMib(), 1e-9);
        assertEquals("resnet18-f37072fd.pth", c.find("resnet18:imagenet").file());
        assertEquals("resnet50-0676ba61.pth", c.find("resnet50:torchvision").file());
        assertEquals("vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5", c.find("VGG16:keras-notop").file());
        assertEquals("6d6bbae143d832006294945121d1f1fc", c.find("vgg16:keras-notop").md5());
        assertTrue(c.find("vgg19_bn:imagenet").batchNorm());
        assertEquals("resnet101-63fe2227.pth", c.find("resnet101:imagenet").file());
        assertEquals("resnext101_32x8d-110c445d.pth", c.find("resnext101_32x8d:imagenet-v2").file());
        assertEquals(c.find("wide_resnet50_2:imagenet"), c.find("wide_resnet50_2:imagenet-v1"));
        assertTrue(c.find("vgg11_bn:imagenet").batchNorm() && !c.find("vgg13:imagenet").batchNorm());
        assertTrue(c.find("resnext101_64x4d:imagenet").preprocessing().contains("resize=232"));
        assertEquals("mobilenet_v2-b0353104.pth", c.find("mobilenet_v2:imagenet").file());
        assertTrue(c.find("mobilenet_v2:imagenet-v2").preprocessing().contains("resize=232"));
        assertEquals("squeezenet1_1-b8a52dc0.pth", c.find("squeezenet1_1:torchvision").file());
        assertEquals("densenet121-a639ec97.pth", c.find("densenet121:imagenet").file());
        assertNull(c.find("efficientnet_b0:imagenet"));
        assertEquals("inception_v3_google-0cc3c7bd.pth", c.find("inception_v3:imagenet").file());
        assertEquals(c.find("inception_v3:imagenet"), c.find("inception_v3:torchvision"));
        assertEquals("inception_v3_weights_tf_dim_ordering_tf_kernels.h5", c.find("inception_v3:keras").file());
        for (WeightsCatalogue.Entry e : c.entries()) {
            assertTrue(e.loadable(), e.name() + " is catalogued but the zoo cannot load it");
        }
        // the Keras MD5s PublishedChecksums applies to local files come from the catalogue
        assertEquals(8, PublishedChecksums.KERAS_MD5.size());
        // keras-applications' resnet50.py (fchollet/deep-learning-models v0.2) published other files of the same names
        Checksum r50 = c.find("resnet50:keras").checksum();
        assertTrue(r50.matches("2cb95161c43110f7111970584f804107") && r50.matches("a7b3fe01876f51b976af0dea6bc144eb"));
        assertFalse(r50.matches("a268eb855778b3df3c7506639542a6af")); // the old notop file's
        assertTrue(c.find("resnet50:keras-notop").checksum().matches("a268eb855778b3df3c7506639542a6af"));
        assertTrue(c.toJson().contains("\"md5_also\":[\"a7b3fe01876f51b976af0dea6bc144eb\"]"), c.toJson());
    }

    @Test
    void anOverrideFileReplacesAndAddsEntriesAndBadOnesAreNamed() throws IOException {
        Path f = dir.resolve("mine.json");
        Files.writeString(f, """
                {"entries": [
                  {"name": "resnet18:imagenet", "architecture": "resnet18", "file": "r18-0123abcd.pth",
                   "url": "http://127.0.0.1:1/r18-0123abcd.pth"},
                  {"name": "resnet34:inhouse", "architecture": "resnet34", "file": "r34.pth",
                   "url": "https://models.example/r34.pth", "sha256": "%s", "preprocessing": "keras-tf"}]}
                """.formatted("ab".repeat(32)));
        WeightsCatalogue c = WeightsCatalogue.builtIn().withOverrides(f);
        assertEquals("r18-0123abcd.pth", c.find("resnet18:imagenet").file());
        assertEquals(new Checksum("SHA-256", "0123abcd"), c.find("resnet18:imagenet").checksum());
        assertNotNull(c.find("resnet34:inhouse"));
        assertNotNull(c.find("vgg16:keras"));
        // an entry catalogued for download only: fetching is allowed, loading is refused before any download
        Path g = dir.resolve("download-only.json");
        Files.writeString(g, "{\"entries\": [{\"name\": \"resnet18:odd\", \"architecture\": \"resnet18\","
                + " \"file\": \"odd-0123abcd.pth\", \"url\": \"https://a/odd-0123abcd.pth\", \"loadable\": false,"
                + " \"note\": \"an odd layout\"}]}");
        ModelLoader.Options o = new ModelLoader.Options(null, null, null, offline().downloads(),
                WeightsCatalogue.builtIn().withOverrides(g), Downloads.Progress.NONE);
        assertThrows(IOException.class, () -> ModelLoader.resolve("resnet18:odd", o));
        IllegalArgumentException notLoadable = assertThrows(IllegalArgumentException.class,
                () -> ModelLoader.load("resnet18:odd", o));
        assertTrue(notLoadable.getMessage().contains("an odd layout"), notLoadable.getMessage());
        Files.writeString(f, "{\"entries\": [{\"name\": \"x:y\", \"architecture\": \"resnet18\", \"file\": \"../evil\","
                + " \"url\": \"https://a/b\", \"sha256\": \"0123abcd\"}]}");
        FileFormatException e = assertThrows(FileFormatException.class, () -> WeightsCatalogue.builtIn().withOverrides(f));
        assertTrue(e.getMessage().startsWith(f.toString()) && e.getMessage().contains("plain file name"), e.getMessage());
        Files.writeString(f, "{\"entries\": [{\"name\": \"x:y\", \"architecture\": \"resnet18\", \"file\": \"w.pth\","
                + " \"url\": \"https://a/w.pth\"}]}");
        e = assertThrows(FileFormatException.class, () -> WeightsCatalogue.builtIn().withOverrides(f));
        assertTrue(e.getMessage().contains("sha256"), e.getMessage());
    }

    /**
     * {@code "classes"}: "imagenet" (default: 1,000 outputs expected), "none" (nothing checked) or a list of names
     * (that many outputs, the names given to the model); anything else is refused naming the file and the value;
     * {@link ModelLoader#checkClasses} is one line naming the entry, the file and both counts.
     */
    @Test
    void anEntrysClassesAreImagenetNoneOrListedAndAreCheckedAgainstTheModelsOutputs() throws IOException {
        WeightsCatalogue c = WeightsCatalogue.builtIn();
        assertEquals(1000, c.find("resnet18:imagenet").expectedOutputs());
        assertEquals(-1, c.find("vgg16:keras-notop").expectedOutputs());
        for (WeightsCatalogue.Entry e : c.entries()) {
            assertEquals(e.includeTop() ? WeightsCatalogue.IMAGENET : WeightsCatalogue.NO_CLASSES, e.classes(), e.name());
        }
        Path f = dir.resolve("mine.json");
        String entry = "{\"entries\": [{\"name\": \"resnet18:mine\", \"architecture\": \"resnet18\","
                + " \"file\": \"r-0123abcd.pth\", \"url\": \"https://a/r-0123abcd.pth\", \"classes\": %s}]}";
        Files.writeString(f, entry.formatted("[\"cat\", \"dog\", \"fish\"]"));
        WeightsCatalogue.Entry listed = WeightsCatalogue.builtIn().withOverrides(f).find("resnet18:mine");
        assertEquals(WeightsCatalogue.LISTED, listed.classes());
        assertEquals(java.util.List.of("cat", "dog", "fish"), listed.classNames());
        assertEquals(3, listed.expectedOutputs());
        assertTrue(WeightsCatalogue.builtIn().withOverrides(f).toJson().contains("\"classes\":[\"cat\",\"dog\",\"fish\"]"));

        org.convnet4j.nn.Model three = ModelZoo.build("lenet5", Shape.of(1, 28, 28), 3);
        ModelLoader.checkClasses(listed, Path.of("r-0123abcd.pth"), three);
        assertEquals(java.util.List.of("cat", "dog", "fish"), three.classNames());
        org.convnet4j.nn.Model ten = ModelZoo.build("lenet5", Shape.of(1, 28, 28), 10);
        IllegalArgumentException wrong = assertThrows(IllegalArgumentException.class,
                () -> ModelLoader.checkClasses(c.find("resnet18:imagenet"), Path.of("r-0123abcd.pth"), ten));
        assertEquals("catalogue entry resnet18:imagenet says ImageNet's 1000 classes, but its file r-0123abcd.pth has"
                + " 10 outputs; fix the entry's \"classes\" (\"imagenet\", \"none\" or a list of 10 names)",
                wrong.getMessage());
        wrong = assertThrows(IllegalArgumentException.class,
                () -> ModelLoader.checkClasses(listed, Path.of("r-0123abcd.pth"), ten));
        assertTrue(wrong.getMessage().contains("says 3 class names") && wrong.getMessage().contains("has 10 outputs"),
                wrong.getMessage());
        ModelLoader.checkClasses(c.find("vgg16:keras-notop"), Path.of("x.h5"), ten); // "none": nothing to check

        for (String bad : new String[] {"\"imagnet\"", "[]", "[\"cat\", 3]", "{\"a\": 1}"}) {
            Files.writeString(f, entry.formatted(bad));
            FileFormatException e = assertThrows(FileFormatException.class,
                    () -> WeightsCatalogue.builtIn().withOverrides(f), bad);
            assertTrue(e.getMessage().startsWith(f.toString()) && e.getMessage().contains("\"classes\""),
                    e.getMessage());
        }
    }

    /**
     * A catalogued file's official URL is the catalogue's cache entry (weights/NAME, shared with NAME:imagenet); any
     * other URL, even with the same file name, has its own (weights/urls/KEY/NAME); the mirror stands in only for
     * the official download directories.
     */
    @Test
    void urlsAreCachedByUrlExceptTheCataloguedFilesOwn() throws IOException {
        ModelLoader.Options o = offline();
        String official = "https://download.pytorch.org/models/resnet18-f37072fd.pth";
        String elsewhere = "https://example.org/models/resnet18-f37072fd.pth";
        Path catalogued = o.downloads().cached("resnet18-f37072fd.pth");
        Files.createDirectories(catalogued.getParent());
        Files.writeString(catalogued, "the catalogue's copy");
        assertEquals(catalogued, ModelLoader.resolve(official, o).file());
        assertEquals(catalogued, ModelLoader.resolve("resnet18:imagenet", o).file());
        // the same name elsewhere is not taken from the catalogue's entry (offline: not cached, names its directory)
        IOException e = assertThrows(IOException.class, () -> ModelLoader.resolve(elsewhere, o));
        assertTrue(e.getMessage().contains("urls/" + Downloads.urlKey(elsewhere)) && e.getMessage().contains(elsewhere),
                e.getMessage());
        Path own = o.downloads().cachedUrl(elsewhere);
        Files.createDirectories(own.getParent());
        Files.writeString(own, "example.org's copy");
        assertEquals(own, ModelLoader.resolve(elsewhere, o).file());
        assertEquals(catalogued, ModelLoader.resolve(official, o).file());
        WeightsCatalogue c = WeightsCatalogue.builtIn();
        assertTrue(c.isOfficialLocation("https://download.pytorch.org/models/efficientnet_b0-3dd342df.pth"));
        assertTrue(c.isOfficialLocation(
                "https://storage.googleapis.com/tensorflow/keras-applications/vgg16/vgg16_weights_tf_dim_ordering_tf_kernels.h5"));
        assertFalse(c.isOfficialLocation("https://download.pytorch.org/models/sub/x.pth"));
        assertFalse(c.isOfficialLocation(elsewhere));
    }

    private ModelLoader.Options offline() {
        Downloads d = new Downloads(new Downloads.Config(dir.resolve("cache"), true, null, null, Duration.ofSeconds(1),
                Duration.ofSeconds(1), 1));
        return new ModelLoader.Options(null, null, null, d, WeightsCatalogue.builtIn(), Downloads.Progress.NONE);
    }

    @Test
    void referencesResolveToFilesUrlsOrCatalogueEntries() throws IOException {
        ModelLoader.Options o = offline();
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> ModelLoader.resolve("efficientnet_b0:imagenet", o));
        assertTrue(unknown.getMessage().contains("resnet18:imagenet"), unknown.getMessage());
        // inception_v3:imagenet is torchvision's file (loadable: the zoo has its layout), Keras' is inception_v3:keras
        IOException tv = assertThrows(IOException.class, () -> ModelLoader.load("inception_v3:imagenet", o));
        assertTrue(tv.getMessage().contains("inception_v3_google-0cc3c7bd.pth"), tv.getMessage());
        IOException keras = assertThrows(IOException.class, () -> ModelLoader.load("inception_v3:keras", o));
        assertTrue(keras.getMessage().contains("inception_v3_weights_tf_dim_ordering_tf_kernels.h5"), keras.getMessage());
        IOException off = assertThrows(IOException.class, () -> ModelLoader.resolve("resnet50:imagenet", o));
        assertTrue(off.getMessage().contains("resnet50-0676ba61.pth")
                && off.getMessage().contains("https://download.pytorch.org/models/resnet50-0676ba61.pth"), off.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ModelLoader.resolve("ftp://host/w.pth", o));
        IOException badName = assertThrows(IOException.class, () -> ModelLoader.resolve("http://127.0.0.1:1/a/", o));
        assertTrue(badName.getMessage().contains("plain file name"), badName.getMessage());
        // an existing file wins over a catalogue name spelled the same way
        Path local = dir.resolve("resnet18:imagenet");
        Files.writeString(local, "x");
        assertEquals(local, ModelLoader.resolve(local.toString(), o).file());
    }

    @Test
    void preprocessingSpecsParseAndFailClearly() {
        Shape in = Shape.of(3, 224, 224);
        assertEquals(ImageNet.Mode.TORCH.forSize(224), PreprocessingSpec.parse("torchvision", in));
        assertEquals(ImageNet.Mode.CAFFE.forSize(224), PreprocessingSpec.parse("keras-caffe", in));
        assertEquals(ImageNet.Mode.TF.forSize(224), PreprocessingSpec.parse("Keras-TF", in));
        Preprocessing custom = PreprocessingSpec.parse("mean=0.485,0.456,0.406,std=0.229,0.224,0.225,resize=256,crop=224",
                in);
        assertEquals(ImageNet.Mode.TORCH.forSize(224), custom);
        assertEquals("torchvision", PreprocessingSpec.describe(custom, in));
        Preprocessing v2 = PreprocessingSpec.parse("mean=0.5,0.5,0.5,std=0.5,0.5,0.5,resize=232", in);
        assertEquals(232, v2.resizeShorter());
        assertEquals(1f, PreprocessingSpec.parse("none", in).scale());
        assertEquals(Preprocessing.forInput(Shape.of(1, 28, 28)), PreprocessingSpec.parse("unit", Shape.of(1, 28, 28)));
        for (String bad : new String[] {"imagenet", "mean=0.5,std=0.5", "mean=1,2,3,std=1,2,x", "mean=1,2,3,std=1,1,1,crop=224",
            "mean=1,2,3,std=1,1,1,resize=100", "shade=1"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PreprocessingSpec.parse(bad, in),
                    bad);
            assertTrue(e.getMessage().length() > 10, bad);
        }
        assertThrows(IllegalArgumentException.class, () -> PreprocessingSpec.parse("torchvision", Shape.of(1, 28, 28)));
    }
}

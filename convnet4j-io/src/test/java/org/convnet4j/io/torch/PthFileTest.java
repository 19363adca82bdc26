package org.convnet4j.io.torch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.convnet4j.checkpoint.FileFormatException;
import org.convnet4j.checkpoint.SafeTensors;
import org.convnet4j.io.keras.Fixtures;
import org.convnet4j.io.weights.ModelLoader;
import org.convnet4j.model.SavedModel;
import org.convnet4j.nn.Model;
import org.convnet4j.tensor.Shape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * .pth files written by torch.save (tools/fixtures/pth_fixture.py) read in pure Java: both formats, wrapped
 * checkpoints, parameters, every storage type a state dict uses; hostile pickles refused; damaged files fail cleanly.
 */
class PthFileTest {
    @TempDir
    Path dir;

    static Path fixture(String name) {
        try {
            return Path.of(PthFileTest.class.getResource("/fixtures/pth/" + name).toURI());
        } catch (URISyntaxException | NullPointerException e) {
            throw new IllegalStateException("fixture " + name + " is missing", e);
        }
    }

    /** max |ours - torch| <= 1e-4 max |torch| on the fixture's input. */
    static void assertMatchesTorch(String name, Model model) throws IOException {
        Fixtures.assertMatches(name, SafeTensors.read(fixture(name + ".expected.safetensors")).tensors(), model);
    }

    @Test
    void resnet18InBothFormatsMatchesTorch() throws IOException {
        for (String f : new String[] {"resnet18_zip.pth", "resnet18_legacy.pth"}) {
            SavedModel m = ModelLoader.load(fixture(f), null, Shape.of(3, 32, 32));
            assertEquals("resnet18", org.convnet4j.internal.json.Json.parseObject(m.description(), "description").getAsJsonObject("imported_from").get("zoo_architecture").getAsString());
            assertMatchesTorch("resnet18", m.model());
        }
    }

    @Test
    void wrappedDataParallelCheckpointOfVggWithBatchNormMatchesTorch() throws IOException {
        PthFile sd = PthFile.open(fixture("vgg16_bn_wrapped.pth"));
        assertTrue(sd.shapes().containsKey("features.1.running_mean"), "module. prefix removed: " + sd.shapes().keySet());
        SavedModel m = ModelLoader.load(fixture("vgg16_bn_wrapped.pth"));
        assertMatchesTorch("vgg16_bn", m.model());
    }

    @Test
    void googlenetSavedAsParametersMatchesTorch() throws IOException {
        SavedModel m = ModelLoader.load(fixture("googlenet_zip.pth"), null, Shape.of(3, 64, 64));
        assertMatchesTorch("googlenet", m.model());
    }

    @Test
    void storageTypesViewsAndStridesReadExactly() throws IOException {
        for (String f : new String[] {"dtypes_zip.pth", "dtypes_legacy.pth"}) {
            PthFile sd = PthFile.open(fixture(f));
            assertArrayEquals(new long[] {2, 3}, sd.shapes().get("half"), f);
            assertArrayEquals(new float[] {-1.5f, -1f, -0.5f, 0f, 0.5f, 1f}, sd.values("half"), f);
            assertArrayEquals(new float[] {-0.5f, -0.25f, 0f, 0.25f}, sd.values("bf16"), f);
            assertArrayEquals(new float[] {0.1f, -2.5f}, sd.values("f64"), f);
            assertArrayEquals(new long[] {3, 2}, sd.shapes().get("t"), f);
            assertArrayEquals(new float[] {0, 3, 1, 4, 2, 5}, sd.values("t"), f); // transposed view gathered
            assertArrayEquals(new float[] {4, 5, 6, 7}, sd.values("tail"), f); // offset into a shared storage
            assertEquals(10, sd.values("whole").length, f);
            assertArrayEquals(new long[0], sd.shapes().get("steps"), f);
            assertArrayEquals(new float[] {7}, sd.values("steps"), f);
        }
    }

    // ---------------------------------------------------------------- hostile pickles

    private static byte[] bytes(Object... parts) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (Object p : parts) {
            if (p instanceof String s) {
                b.writeBytes(s.getBytes(StandardCharsets.ISO_8859_1));
            } else if (p instanceof Character c) {
                b.write(c);
            } else {
                b.write((Integer) p);
            }
        }
        return b.toByteArray();
    }

    /** Protocol-2 pickle calling module.name("echo pwned") as Python's pickle writes it. */
    private static byte[] globalCall(String module, String name) {
        return bytes(0x80, 2, "c" + module + "\n" + name + "\n", 'X', 10, 0, 0, 0, "echo pwned", 0x85, 'R', '.');
    }

    /** Protocol-4 STACK_GLOBAL of module.name, then REDUCE. */
    private static byte[] stackGlobalCall(String module, String name) {
        return bytes(0x80, 4, 0x8c, module.length(), module, 0x8c, name.length(), name, 0x93,
                0x8c, 4, "ls /", 0x85, 'R', '.');
    }

    private Path asZip(byte[] pickle) throws IOException {
        Path f = Files.createTempFile(dir, "evil", ".pth");
        try (OutputStream o = Files.newOutputStream(f); ZipOutputStream z = new ZipOutputStream(o)) {
            ZipEntry e = new ZipEntry("archive/data.pkl");
            e.setMethod(ZipEntry.STORED);
            CRC32 crc = new CRC32();
            crc.update(pickle);
            e.setSize(pickle.length);
            e.setCrc(crc.getValue());
            z.putNextEntry(e);
            z.write(pickle);
            z.closeEntry();
        }
        return f;
    }

    private Path raw(byte[] pickle) throws IOException {
        Path f = Files.createTempFile(dir, "evil", ".pt");
        Files.write(f, pickle);
        return f;
    }

    private void assertRefused(byte[] pickle, String named) throws IOException {
        for (Path f : new Path[] {raw(pickle), asZip(pickle)}) {
            FileFormatException e = assertThrows(FileFormatException.class, () -> ModelLoader.load(f));
            assertTrue(e.getMessage().startsWith(f.toString()), e.getMessage());
            assertTrue(e.getMessage().contains("refused") && e.getMessage().contains(named), e.getMessage());
        }
    }

    @Test
    void globalsOutsideTheStateDictVocabularyAreRefusedByName() throws IOException {
        assertRefused(globalCall("os", "system"), "'os.system'");
        assertRefused(globalCall("posix", "system"), "'posix.system'");
        assertRefused(globalCall("builtins", "eval"), "'builtins.eval'");
        assertRefused(globalCall("__builtin__", "__import__"), "'__builtin__.__import__'");
        assertRefused(stackGlobalCall("os", "system"), "'os.system'");
        assertRefused(stackGlobalCall("builtins", "__import__"), "'builtins.__import__'");
        assertRefused(stackGlobalCall("subprocess", "Popen"), "'subprocess.Popen'");
    }

    @Test
    void instObjNewobjBuildAndReduceOnForeignValuesAreRefused() throws IOException {
        // INST os system: instantiate a class named by text
        assertRefused(bytes(0x80, 2, '(', 'X', 2, 0, 0, 0, "id", "ios\nsystem\n", '.'), "INST os.system");
        // OBJ: MARK, a class object (here an allowed OrderedDict global), args
        assertRefused(bytes(0x80, 2, '(', "ccollections\nOrderedDict\n", 'o', '.'), "OBJ");
        // NEWOBJ on OrderedDict
        assertRefused(bytes(0x80, 2, "ccollections\nOrderedDict\n", ')', 0x81, '.'), "NEWOBJ");
        // BUILD on a list (setting attributes of something not a state dict)
        assertRefused(bytes(0x80, 2, ']', '}', 'b', '.'), "BUILD");
        // REDUCE calling a storage type (allowed as a name, never as a call)
        assertRefused(bytes(0x80, 2, "ctorch\nFloatStorage\n", ')', 'R', '.'), "REDUCE calling torch.FloatStorage");
        // REDUCE with a non-global callable
        assertRefused(bytes(0x80, 2, ']', ')', 'R', '.'), "REDUCE on ArrayList");
        // a tensor rebuild function that does not exist in the vocabulary
        assertRefused(globalCall("torch._utils", "_rebuild_from_type_v2"), "'torch._utils._rebuild_from_type_v2'");
    }

    // ---------------------------------------------------------------- damaged files

    @Test
    void truncatedAndBitFlippedFilesFailCleanly() throws IOException {
        Random r = new Random(13);
        for (String name : new String[] {"resnet18_zip.pth", "resnet18_legacy.pth", "dtypes_zip.pth",
                "dtypes_legacy.pth"}) {
            byte[] good = Files.readAllBytes(fixture(name));
            for (int trial = 0; trial < 40; trial++) {
                byte[] bad;
                if (trial % 2 == 0) {
                    bad = java.util.Arrays.copyOf(good, r.nextInt(good.length));
                } else {
                    bad = good.clone();
                    // flips concentrated in the structure (pickle, zip directory), where they matter
                    int region = r.nextBoolean() ? Math.min(good.length, 4096) : good.length;
                    for (int k = 0; k < 4; k++) {
                        int at = r.nextBoolean() ? r.nextInt(region) : good.length - 1 - r.nextInt(Math.min(good.length, 2048));
                        bad[at] ^= (byte) (1 << r.nextInt(8));
                    }
                }
                Path f = dir.resolve("mutated-" + trial + "-" + name);
                Files.write(f, bad);
                try {
                    PthFile sd = PthFile.open(f);
                    for (String k : sd.shapes().keySet()) {
                        sd.values(k);
                    }
                } catch (FileFormatException e) {
                    assertTrue(e.getMessage().startsWith(f.toString()), e.getMessage());
                } catch (RuntimeException e) {
                    fail(name + " trial " + trial + ": " + e + " instead of a FileFormatException", e);
                }
                Files.delete(f);
            }
        }
    }

    @Test
    void deeplyNestedValuesAreHarmless() throws IOException {
        // 200,000 nested tuples used as a dict key: refused as a key, never hashed recursively
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(bytes(0x80, 2, '}', ')'));
        for (int i = 0; i < 200_000; i++) {
            b.write(0x85);
        }
        b.writeBytes(bytes('N', 's', '.'));
        FileFormatException e = assertThrows(FileFormatException.class, () -> PthFile.open(asZip(b.toByteArray())));
        assertTrue(e.getMessage().contains("dict key"), e.getMessage());
    }

    @Test
    void aWholePickledModelIsRefusedWithAdvice() throws IOException {
        // a list at the top level instead of a dict
        FileFormatException e = assertThrows(FileFormatException.class, () -> PthFile.open(asZip(bytes(0x80, 2, ']', '.'))));
        assertTrue(e.getMessage().contains("not a state dict"), e.getMessage());
    }
}

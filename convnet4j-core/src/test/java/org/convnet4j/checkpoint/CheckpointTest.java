package org.convnet4j.checkpoint;

import org.convnet4j.internal.json.Json;

import static org.junit.jupiter.api.Assertions.*;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointTest {
    @TempDir
    Path dir;

    private static Checkpoint sample(long seed) {
        Random r = new Random(seed);
        Map<String, Tensor> params = new LinkedHashMap<>();
        params.put("conv1.kernel", Tensor.randn(r, 0.1f, 6, 1, 5, 5));
        params.put("conv1.bias", Tensor.randn(r, 0.1f, 6));
        params.put("bn1.running_mean", Tensor.randn(r, 1f, 6));
        params.put("fc.kernel", Tensor.randn(r, 0.1f, 10, 24));
        Map<String, Tensor> opt = new LinkedHashMap<>();
        opt.put("conv1.kernel.m", Tensor.randn(r, 0.01f, 6, 1, 5, 5));
        opt.put("conv1.kernel.v", Tensor.uniform(r, 0f, 1e-3f, 6, 1, 5, 5));
        JsonObject description = new JsonObject();
        JsonObject arch = new JsonObject();
        arch.addProperty("name", "lenet5");
        arch.addProperty("activation", "relu");
        description.add("architecture", arch);
        JsonArray classes = new JsonArray();
        for (String c : List.of("zero", "one", "two")) {
            classes.add(c);
        }
        description.add("classes", classes);
        JsonObject training = new JsonObject();
        training.addProperty("epoch", 3);
        training.addProperty("step", 1234L);
        training.addProperty("seed", seed);
        training.addProperty("rng_state", "0x5DEECE66D");
        JsonArray losses = new JsonArray();
        losses.add(2.3);
        losses.add(Double.NaN); // a diverged step must still be saved
        training.add("loss_history", losses);
        description.add("training", training);
        return new Checkpoint(params, opt, Json.toCompact(description));
    }

    private static JsonArray losses(String description) {
        return losses(Json.parseObject(description, "description"));
    }

    private static JsonObject withoutNaN(String description) {
        return withoutNaN(Json.parseObject(description, "description"));
    }

    private static JsonArray losses(JsonObject description) {
        return description.getAsJsonObject("training").getAsJsonArray("loss_history");
    }

    private static JsonObject withoutNaN(JsonObject description) {
        JsonObject copy = description.deepCopy();
        losses(copy).remove(1);
        return copy;
    }

    private static void assertSameTensors(Map<String, Tensor> a, Map<String, Tensor> b) {
        assertEquals(List.copyOf(a.keySet()), List.copyOf(b.keySet()));
        for (String name : a.keySet()) {
            assertEquals(a.get(name).shape(), b.get(name).shape(), name);
            assertArrayEquals(a.get(name).data(), b.get(name).data(), name);
        }
    }

    @Test
    void saveAndLoadRoundTrip() throws IOException {
        Checkpoint c = sample(7);
        Path p = dir.resolve("model.c4j");
        Checkpoint.save(p, c);
        Checkpoint back = Checkpoint.load(p);

        assertSameTensors(c.parameters(), back.parameters());
        assertSameTensors(c.optimizerState(), back.optimizerState());
        // A NaN comes back as a primitive that still reads as NaN (JSON has no NaN; Gson, like Python's json,
        // accepts the bare word); apart from it the description is equal.
        assertTrue(Double.isNaN(losses(back.description()).get(1).getAsDouble()));
        assertEquals(withoutNaN(c.description()), withoutNaN(back.description()));
        assertEquals(withoutNaN(c.description()), withoutNaN(Checkpoint.readDescription(p)));
        assertEquals(Checkpoint.FORMAT_VERSION, back.formatVersion());

        // What other readers see: prefixed optimiser names and the documented metadata entries.
        SafeTensors.Header h = SafeTensors.readHeader(p);
        assertTrue(h.entries().containsKey("optimizer/conv1.kernel.m"));
        assertEquals("convnet4j", h.metadata().get("format"));
        assertEquals("2", h.metadata().get("format_version"));
        assertEquals(SafeTensors.dataSha256(SafeTensors.read(p).tensors()), h.metadata().get("sha256"));
    }

    /** The stream form (Spark's checkpoints on HDFS) writes the very bytes of a saved file, and leaves the stream open. */
    @Test
    void writingToAStreamGivesTheBytesOfASavedFile() throws IOException {
        Path p = dir.resolve("model.c4j");
        Checkpoint.save(p, sample(9));
        boolean[] closed = {false};
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream() {
            @Override
            public void close() {
                closed[0] = true;
            }
        };
        Checkpoint.write(out, sample(9));
        assertArrayEquals(Files.readAllBytes(p), out.toByteArray());
        assertFalse(closed[0]);
        Path q = Files.write(dir.resolve("streamed.c4j"), out.toByteArray());
        assertEquals(sample(9).description(), Checkpoint.load(q).description());
    }

    /**
     * A checkpoint held as bytes (Spark's resume from HDFS, a model broadcast to executors) reads as the file does,
     * with every check of the file reader, messages naming the origin, and the memory budget checked from the header
     * before any tensor is allocated.
     */
    @Test
    void loadingFromBytesChecksAsTheFileReaderDoesAndNamesTheOrigin() throws IOException {
        Path p = dir.resolve("model.c4j");
        Checkpoint.save(p, sample(10));
        byte[] bytes = Files.readAllBytes(p);
        String origin = "hdfs://nn:8020/runs/last.c4j";
        Checkpoint fromFile = Checkpoint.load(p);
        Checkpoint fromBytes = Checkpoint.load(bytes, origin);
        assertSameTensors(fromFile.parameters(), fromBytes.parameters());
        assertSameTensors(fromFile.optimizerState(), fromBytes.optimizerState());
        assertEquals(fromFile.description(), fromBytes.description());

        long dataStart = SafeTensors.readHeader(p).dataStart();
        byte[] bad = bytes.clone();
        bad[(int) (dataStart + bytes.length) / 2] ^= 0x10;
        FileFormatException e = assertThrows(FileFormatException.class, () -> Checkpoint.load(bad, origin));
        assertTrue(e.getMessage().startsWith(origin + " is corrupted: checksum mismatch"), e.getMessage());
        byte[] cut = java.util.Arrays.copyOf(bytes, bytes.length - 5);
        FileFormatException c = assertThrows(FileFormatException.class, () -> Checkpoint.load(cut, origin));
        assertTrue(c.getMessage().startsWith(origin + ": tensor '"), c.getMessage()); // lies outside the buffer

        // A limit below the tensors' size: refused from the header, naming the origin, before any array is made.
        try (var limit = org.convnet4j.util.MemoryBudget.limit("1k", "test")) {
            var tooLarge = assertThrows(org.convnet4j.util.MemoryBudget.TooLargeException.class,
                    () -> Checkpoint.load(bytes, origin));
            assertTrue(tooLarge.getMessage().startsWith(origin + ": 6 tensors needs"), tooLarge.getMessage());
        }
    }

    @Test
    void checksumCoversTheWholeDataBuffer() throws IOException {
        Path p = dir.resolve("model.c4j");
        Checkpoint.save(p, sample(8));
        byte[] bytes = Files.readAllBytes(p);
        long dataStart = SafeTensors.readHeader(p).dataStart();
        // Flip one bit in the first, a middle and the last data byte, one at a time.
        for (long at : new long[] {dataStart, (dataStart + bytes.length) / 2, bytes.length - 1}) {
            byte[] bad = bytes.clone();
            bad[(int) at] ^= 0x10;
            Path q = dir.resolve("bad.c4j");
            Files.write(q, bad);
            FileFormatException e = assertThrows(FileFormatException.class, () -> Checkpoint.load(q));
            assertTrue(e.getMessage().startsWith(q + " is corrupted: checksum mismatch"), e.getMessage());
        }
    }

    @Test
    void checksumCoversTheDescriptionAndOldFilesLoadWithANote() throws IOException {
        Path p = dir.resolve("model.c4j");
        Checkpoint.save(p, sample(8));
        Map<String, String> meta = new LinkedHashMap<>(SafeTensors.readHeader(p).metadata());
        Map<String, Tensor> tensors = SafeTensors.read(p).tensors();
        // one changed character of the description (a preprocessing scale, MaxPool -> AvgPool) is refused
        String description = meta.get("convnet4j");
        Map<String, String> tampered = new LinkedHashMap<>(meta);
        tampered.put("convnet4j", description.replaceFirst("\\d", "9").equals(description)
                ? description.replace("{", "{\"x\":1,") : description.replaceFirst("\\d", "9"));
        Path bad = dir.resolve("bad.c4j");
        SafeTensors.write(bad, tensors, tampered);
        FileFormatException e = assertThrows(FileFormatException.class, () -> Checkpoint.load(bad));
        assertTrue(e.getMessage().startsWith(bad + " is corrupted: the description's checksum does not match"), e.getMessage());
        assertThrows(FileFormatException.class, () -> Checkpoint.readDescription(bad));
        // format 2 without the entry is refused; format 1 (written before it existed) loads with a note
        Map<String, String> missing = new LinkedHashMap<>(meta);
        missing.remove("description_sha256");
        Path noSum = dir.resolve("nosum.c4j");
        SafeTensors.write(noSum, tensors, missing);
        assertThrows(FileFormatException.class, () -> Checkpoint.load(noSum));
        missing.put("format_version", "1");
        Path old = dir.resolve("old.c4j");
        SafeTensors.write(old, tensors, missing);
        Checkpoint c = Checkpoint.load(old);
        assertEquals(1, c.formatVersion());
        assertEquals(1, c.notes().size());
        assertTrue(c.notes().get(0).contains("has no checksum"), c.notes().get(0));
        assertTrue(Checkpoint.load(p).notes().isEmpty());
    }

    /**
     * The format-1 note is in every loaded checkpoint's notes() but logged once per file (origin and content) per
     * process: Spark's driver parses one model several times, from temporary copies named after their origin.
     */
    @Test
    void olderFormatNoteIsLoggedOncePerFileAndProcess() throws IOException {
        Path p = dir.resolve("model.c4j");
        Checkpoint.save(p, sample(11));
        Map<String, String> meta = new LinkedHashMap<>(SafeTensors.readHeader(p).metadata());
        meta.remove("description_sha256");
        meta.put("format_version", "1");
        Map<String, Tensor> tensors = SafeTensors.read(p).tensors();
        Path old = dir.resolve("old.c4j");
        SafeTensors.write(old, tensors, meta);
        Path copy1 = dir.resolve("copy1.c4j");
        Path copy2 = dir.resolve("copy2.c4j");
        Files.copy(old, copy1);
        Files.copy(old, copy2);
        String origin = "hdfs://namenode" + old;

        try (org.convnet4j.testsupport.LogCapture log = org.convnet4j.testsupport.LogCapture.of(Checkpoint.class.getName())) {
            for (int i = 0; i < 3; i++) {
                Checkpoint c = Checkpoint.load(old);
                assertEquals(List.of(old + " was written by an older convnet4j (format 1): its description (architecture,"
                        + " preprocessing, class names) has no checksum; saving it again adds one"), c.notes());
            }
            assertEquals(1, log.messages().size(), log.messages().toString());
            assertTrue(log.messages().get(0).startsWith(old + " was written by an older convnet4j (format 1)"), log.messages().get(0));
            // two temporary copies of one remote file: named after the origin, noted once
            for (Path copy : List.of(copy1, copy2, copy1)) {
                Checkpoint c = Checkpoint.load(copy, origin);
                assertTrue(c.notes().get(0).startsWith(origin + " was written by an older"), c.notes().get(0));
            }
            assertEquals(2, log.messages().size(), log.messages().toString());
            assertTrue(log.messages().get(1).startsWith(origin + " was written by an older"), log.messages().get(1));
            // the same name with other content is another file
            Map<String, Tensor> other = new LinkedHashMap<>(tensors);
            other.put("extra", Tensor.of(new float[] {3f}, 1));
            Map<String, String> otherMeta = new LinkedHashMap<>(meta);
            otherMeta.put("sha256", SafeTensors.dataSha256(other));
            SafeTensors.write(copy2, other, otherMeta);
            Checkpoint.load(copy2, origin);
            assertEquals(3, log.messages().size(), log.messages().toString());
        }
    }

    @Test
    void deeplyNestedDescriptionsAreRefusedWithoutRecursion() {
        String deep = "{\"a\":" + "[".repeat(10_000) + "]".repeat(10_000) + "}";
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Json.parseObject(deep, "f.c4j"));
        assertEquals("f.c4j nests arrays and objects more than 256 deep (a corrupt or hostile file)", e.getMessage());
        assertEquals(1, Json.parseObject("{\"s\":\"[[[[\\\"\"}", "x").size()); // brackets inside strings do not count
    }

    private Path withMetadata(Map<String, String> metadata) throws IOException {
        Map<String, Tensor> t = Map.of("w", Tensor.of(new float[] {1f, 2f}, 2));
        Path p = dir.resolve("other.safetensors");
        SafeTensors.write(p, t, metadata);
        return p;
    }

    @Test
    void refusesNewerFormatVersion() throws IOException {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("format", "convnet4j");
        m.put("format_version", "3");
        m.put("convnet4j", "{}");
        m.put("sha256", "00");
        Path p = withMetadata(m);
        FileFormatException e = assertThrows(FileFormatException.class, () -> Checkpoint.load(p));
        assertEquals(p + " was written by a newer convnet4j (format 3); this one reads 2", e.getMessage());
        assertThrows(FileFormatException.class, () -> Checkpoint.readDescription(p));
    }

    @Test
    void refusesForeignSafetensorsAndBrokenMetadata() throws IOException {
        Path plain = withMetadata(Map.of());
        FileFormatException e = assertThrows(FileFormatException.class, () -> Checkpoint.load(plain));
        assertTrue(e.getMessage().contains("is not a convnet4j checkpoint (its metadata has no 'format' entry)"),
                e.getMessage());

        Map<String, String> m = new LinkedHashMap<>();
        m.put("format", "convnet4j");
        m.put("format_version", "one");
        Path badVersion = withMetadata(m);
        e = assertThrows(FileFormatException.class, () -> Checkpoint.load(badVersion));
        assertTrue(e.getMessage().contains("format_version 'one' is not a whole number"), e.getMessage());

        m.put("format_version", "1");
        Path noSum = withMetadata(m);
        e = assertThrows(FileFormatException.class, () -> Checkpoint.load(noSum));
        assertTrue(e.getMessage().contains("has no 'sha256' entry"), e.getMessage());

        m.put("sha256", SafeTensors.dataSha256(Map.of("w", Tensor.of(new float[] {1f, 2f}, 2))));
        m.put("convnet4j", "[1, 2");
        Path badJson = withMetadata(m);
        e = assertThrows(FileFormatException.class, () -> Checkpoint.load(badJson));
        assertTrue(e.getMessage().contains("metadata 'convnet4j' is not valid JSON"), e.getMessage());
    }

    @Test
    void verifyAgainstReportsEveryProblemAtOnce() throws IOException {
        Path p = dir.resolve("model.c4j");
        Checkpoint.save(p, sample(9));
        Checkpoint c = Checkpoint.load(p);

        Map<String, Shape> model = new LinkedHashMap<>();
        model.put("conv1.kernel", Shape.of(6, 3, 5, 5)); // file has [6, 1, 5, 5]
        model.put("conv1.bias", Shape.of(6));
        model.put("conv2.kernel", Shape.of(16, 6, 5, 5)); // missing
        model.put("fc.kernel", Shape.of(10, 24));
        model.put("fc.bias", Shape.of(10)); // missing; bn1.running_mean is unexpected

        CheckpointMismatchException e = assertThrows(CheckpointMismatchException.class,
                () -> c.verifyAgainst("lenet5", model));
        assertEquals("checkpoint " + p + " does not fit model lenet5: missing: conv2.kernel, fc.bias; "
                + "unexpected: bn1.running_mean; shape mismatch: conv1.kernel is [6, 3, 5, 5] in the model and "
                + "[6, 1, 5, 5] in the file", e.getMessage());
        assertEquals(List.of("conv2.kernel", "fc.bias"), e.missing());
        assertEquals(List.of("bn1.running_mean"), e.unexpected());
        assertEquals(List.of("conv1.kernel"), e.shapeMismatches());

        Map<String, Shape> fitting = new LinkedHashMap<>();
        c.parameters().forEach((name, t) -> fitting.put(name, t.shape()));
        assertDoesNotThrow(() -> c.verifyAgainst(fitting));
    }

    @Test
    void failedSaveKeepsTheEarlierCheckpoint() throws IOException {
        Path p = dir.resolve("model.c4j");
        Checkpoint.save(p, sample(10));
        byte[] earlier = Files.readAllBytes(p);

        for (long limit : new long[] {0, 5, 200, earlier.length - 1}) {
            IOException e = assertThrows(IOException.class,
                    () -> Checkpoint.save(p, sample(11), out -> new SafeTensorsTest.FullDisk(out, limit)));
            assertEquals(p + ": could not write (No space left on device); any earlier model.c4j is unchanged", e.getMessage());
            assertArrayEquals(earlier, Files.readAllBytes(p), "after a failure at byte " + limit);
            assertEquals(List.of("model.c4j"), SafeTensorsTest.listing(dir));
        }
        assertSameTensors(sample(10).parameters(), Checkpoint.load(p).parameters());
    }

    @Test
    void parameterNamesCannotPoseAsOptimizerState() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Checkpoint(
                Map.of("optimizer/x", Tensor.zeros(1)), Map.of(), "{}"));
        assertTrue(e.getMessage().contains("'optimizer/x'"), e.getMessage());
    }
}

package org.convnet4j.io.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.convnet4j.checkpoint.SafeTensors;
import org.convnet4j.data.IdxReader;
import org.convnet4j.image.Images;
import org.convnet4j.io.keras.KerasH5File;
import org.convnet4j.io.onnx.OnnxImporter;
import org.convnet4j.io.onnx.OnnxReader;
import org.convnet4j.model.ModelFiles;
import org.convnet4j.testsupport.TemporaryProperty;
import org.convnet4j.util.MemoryBudget;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Coverage-guided fuzz targets for every reader of untrusted files: safetensors and .c4j checkpoints (with their
 * JSON description and the model built from it), IDX (raw and gzip), pictures, Keras .h5 and ONNX (read and
 * imported), and infer's input tensors (.json, .npy, TensorProto .pb). A reader may refuse an input only with an IOException or an IllegalArgumentException (the CLI's
 * exit 2); anything else (another RuntimeException, OutOfMemoryError, StackOverflowError, a hang past the
 * timeout) is a finding.
 *
 * <p>In a normal build Jazzer runs in regression mode: every input of the committed corpus
 * ({@code src/test/resources/org/convnet4j/io/fuzz/ReaderFuzzTestInputs/METHOD/}, seeds plus the issue-15
 * cases) once, in a few seconds. {@code JAZZER_FUZZ=1} turns one target at a time into a real fuzzing run
 * (docs/ROBUSTNESS.md, "Fuzzing", has the commands and the last report). The memory budget is lowered to 64 MB here, so an
 * input that makes a reader allocate beyond what it declared shows up as an out-of-memory finding, not as a
 * slow test.
 */
class ReaderFuzzTest {
    private static Path dir;
    private static TemporaryProperty budget;

    @BeforeAll
    static void setUp() throws IOException {
        dir = Files.createTempDirectory("c4j-fuzz");
        budget = TemporaryProperty.set(MemoryBudget.PROPERTY, "64m");
    }

    @AfterAll
    static void tearDown() throws IOException {
        budget.close();
        try (var s = Files.list(dir)) {
            for (Path p : s.toList()) {
                Files.deleteIfExists(p);
            }
        }
        Files.deleteIfExists(dir);
    }

    @FunctionalInterface
    private interface Reader {
        void read(Path file) throws Exception;
    }

    /** Runs {@code reader} on the bytes as a file named {@code name}; the expected refusals are fine. */
    private static void fuzz(byte[] data, String name, Reader reader) throws Exception {
        Path f = dir.resolve(name);
        Files.write(f, data);
        try {
            reader.read(f);
        } catch (IOException | UncheckedIOException | IllegalArgumentException expected) {
            // refused with a message: exit 2 in the CLI
        }
    }

    @FuzzTest(maxDuration = "30s")
    void safetensors(byte[] data) throws Exception {
        fuzz(data, "f.safetensors", f -> {
            SafeTensors.read(f);
        });
    }

    @FuzzTest(maxDuration = "30s")
    void pytorchPth(byte[] data) throws Exception {
        // the restricted unpickler and both torch.save formats (issue 13), every tensor read
        fuzz(data, "f.pth", f -> {
            org.convnet4j.io.torch.PthFile sd = org.convnet4j.io.torch.PthFile.open(f);
            for (String k : sd.shapes().keySet()) {
                sd.values(k);
            }
        });
    }

    /**
     * A {@code .c4j} of these bytes, read and its model built. Both SHA-256 sums (data, description) stop nearly every
     * byte mutation before the description parser; an input starting with {@code +} is a description (the rest, as
     * UTF-8 JSON text) put into a whole checkpoint with its right sums and a Dense [2, 4] layer's tensors, so that
     * mutations reach the architecture, the model built from it and the weights' fitting.
     */
    @FuzzTest(maxDuration = "30s")
    void checkpoint(byte[] data) throws Exception {
        fuzz(signed(data), "f.c4j", f -> ModelFiles.read(f));
    }

    /** {@code data} as it is, or (first byte '+') a checkpoint whose description is the rest, with its right sums. */
    static byte[] signed(byte[] data) throws Exception {
        if (data.length == 0 || data[0] != '+') {
            return data;
        }
        String description = new String(data, 1, data.length - 1, java.nio.charset.StandardCharsets.UTF_8);
        byte[] tensors = new byte[40]; // dense.kernel [2, 4] and dense.bias [2], F32 zeros
        java.security.MessageDigest sha = java.security.MessageDigest.getInstance("SHA-256");
        String dataSum = java.util.HexFormat.of().formatHex(sha.digest(tensors));
        String descriptionSum = java.util.HexFormat.of().formatHex(sha.digest(
                description.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        String header = "{\"__metadata__\":{\"format\":\"convnet4j\",\"format_version\":\"2\",\"convnet4j\":"
                + jsonString(description) + ",\"sha256\":\"" + dataSum + "\",\"description_sha256\":\"" + descriptionSum
                + "\"},\"dense.kernel\":{\"dtype\":\"F32\",\"shape\":[2,4],\"data_offsets\":[0,32]},"
                + "\"dense.bias\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[32,40]}}";
        byte[] h = header.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(8 + h.length + tensors.length)
                .order(java.nio.ByteOrder.LITTLE_ENDIAN);
        return b.putLong(h.length).put(h).put(tensors).array();
    }

    /** {@code s} as a JSON string literal. */
    private static String jsonString(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') {
                b.append('\\').append(c);
            } else if (c < 0x20) {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.append('"').toString();
    }

    @FuzzTest(maxDuration = "30s")
    void idx(byte[] data) throws Exception {
        fuzz(data, "f.idx", f -> IdxReader.read(f, "data"));
    }

    @FuzzTest(maxDuration = "30s")
    void picture(byte[] data) throws Exception {
        try {
            Images.read(data, "f.img");
        } catch (IOException expected) {
            // refused with a message
        }
    }

    @FuzzTest(maxDuration = "30s")
    void kerasH5(byte[] data) throws Exception {
        fuzz(data, "f.h5", f -> {
            try (KerasH5File h5 = KerasH5File.open(f)) {
                for (KerasH5File.Layer l : h5.weightedLayers()) {
                    for (KerasH5File.Weight w : l.weights()) {
                        h5.read(l, w);
                    }
                }
            }
        });
    }

    /** Declared inputs a JSON tensor that was read is conformed to, as {@code infer} does with the model's inputs. */
    private static final java.util.List<org.convnet4j.io.onnx.OnnxModel.ValueInfo> DECLARED = java.util.List.of(
            new org.convnet4j.io.onnx.OnnxModel.ValueInfo("x", org.convnet4j.io.onnx.OnnxModel.FLOAT,
                    new long[] {-1, 3}, true),
            new org.convnet4j.io.onnx.OnnxModel.ValueInfo("ids", org.convnet4j.io.onnx.OnnxModel.INT32,
                    new long[] {2, -1}, true),
            new org.convnet4j.io.onnx.OnnxModel.ValueInfo("k", org.convnet4j.io.onnx.OnnxModel.INT64,
                    new long[0], false),
            new org.convnet4j.io.onnx.OnnxModel.ValueInfo("m", org.convnet4j.io.onnx.OnnxModel.BOOL,
                    new long[] {-1}, true));

    @FuzzTest(maxDuration = "30s")
    void jsonTensor(byte[] data) throws Exception {
        // OnnxInputs.read of a .json tensor (infer --input x.json), then conform to declared inputs. Its refusals must
        // also be one line starting with the file and holding nothing a terminal acts on.
        Path f = dir.resolve("t.json");
        Files.write(f, data);
        String source = f.toString();
        try {
            org.convnet4j.io.onnx.TensorData t = org.convnet4j.io.OnnxInputs.read(f);
            if (t.floats().length != t.elementCount() || (t.longs() != null && t.longs().length != t.floats().length)) {
                throw new AssertionError("read " + t.floats().length + " values for dims "
                        + java.util.Arrays.toString(t.dims()));
            }
            for (org.convnet4j.io.onnx.OnnxModel.ValueInfo v : DECLARED) {
                try {
                    org.convnet4j.io.OnnxInputs.conform(t, v, source);
                } catch (IllegalArgumentException e) {
                    requireOneLineNaming(e, source);
                }
            }
        } catch (IOException | IllegalArgumentException e) {
            requireOneLineNaming(e, source);
        }
    }

    @FuzzTest(maxDuration = "30s")
    void npy(byte[] data) throws Exception {
        // OnnxInputs.read of a .npy array (infer --input x.npy), then conform: refusals one clean line naming the file
        inputFile(data, "t.npy");
    }

    @FuzzTest(maxDuration = "30s")
    void tensorProto(byte[] data) throws Exception {
        // OnnxInputs.read of a TensorProto .pb (infer --input x.pb), then conform, as above
        inputFile(data, "t.pb");
    }

    private static void inputFile(byte[] data, String name) throws Exception {
        Path f = dir.resolve(name);
        Files.write(f, data);
        String source = f.toString();
        try {
            org.convnet4j.io.onnx.TensorData t = org.convnet4j.io.OnnxInputs.read(f);
            // a STRING tensor holds its values in strings() (the sixteenth session's long run met a STRING scalar,
            // which the check took for a number tensor read with 0 values: the target's mistake, not the reader's)
            int read = t.isString() ? t.strings().size() : t.floats().length;
            if (read != t.elementCount()) {
                throw new AssertionError("read " + read + " values for dims "
                        + java.util.Arrays.toString(t.dims()));
            }
            for (org.convnet4j.io.onnx.OnnxModel.ValueInfo v : DECLARED) {
                try {
                    org.convnet4j.io.OnnxInputs.conform(t, v, source);
                } catch (IllegalArgumentException e) {
                    requireOneLineNaming(e, source);
                }
            }
        } catch (IOException | IllegalArgumentException e) {
            requireOneLineNaming(e, source);
        }
    }

    private static void requireOneLineNaming(Exception e, String source) {
        String m = String.valueOf(e.getMessage());
        boolean clean = m.chars().noneMatch(c -> c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == 0x2028 || c == 0x2029
                || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069));
        if (!m.startsWith(source + ": ") || !clean) {
            throw new AssertionError("a refusal that is not one clean line starting with the file: " + m, e);
        }
    }

    @FuzzTest(maxDuration = "30s")
    void onnx(byte[] data) throws Exception {
        fuzz(data, "f.onnx", f -> OnnxImporter.importModel(OnnxReader.readModel(f), f.toString()));
    }

    /**
     * An ONNX model of these bytes imported and, when its inputs hold at most 2^16 values in all, run once in inference
     * on a batch of one: the mappings that only act when the model runs (the engine's Add summing in place and taking
     * the ReLU after it, the residual fusion, Mod) under mutation. Refusals as in {@link #onnx}; any other exception
     * from the run means the importer took a model it cannot run.
     */
    @FuzzTest(maxDuration = "30s")
    void onnxRun(byte[] data) throws Exception {
        fuzz(data, "r.onnx", f -> {
            org.convnet4j.nn.Graph g = OnnxImporter.importModel(OnnxReader.readModel(f), f.toString());
            long values = 0;
            java.util.List<org.convnet4j.tensor.Tensor> xs = new java.util.ArrayList<>();
            for (org.convnet4j.tensor.Shape s : g.inputShapes()) {
                long n = 1;
                for (int d : s.dims()) {
                    n *= d;
                    if (d < 1 || n > 1 << 16) { // an open dimension, or too large to run here
                        return;
                    }
                }
                values += n;
                if (values > 1 << 16) {
                    return;
                }
                org.convnet4j.tensor.Tensor x = org.convnet4j.tensor.Tensor.zeros(s.prepend(1));
                for (int i = 0; i < x.size(); i++) {
                    x.data()[i] = (i % 7 - 3) / 4f;
                }
                xs.add(x);
            }
            org.convnet4j.nn.GradMode.withoutGradients(() -> g.forwardMulti(xs, false));
        });
    }

    /** A pid no process has (above Linux's largest pid_max, 2^22): the group journals' killed process. */
    static final long GONE = 999_999_999L;

    /**
     * A folder with a group journal of these bytes (a killed process's): {@code a}, {@code b}, their new versions
     * as that process's temporaries, a hard link of an earlier {@code a}, a seal, and a file beside the folder.
     * The recovery (run by every write into a folder) never throws, never touches a file outside the folder, never
     * makes a name or a content that was not there; the readers' check refuses only with one line naming the file.
     * Inputs that start with {@code +} get the rest as the journal's body with its right CRC line appended, so that
     * mutations reach the parser and the recovery behind the checksum. The names are of the older form (no host):
     * such a journal may be another host's, so it is settled only once a day old; the target makes that age zero.
     */
    @FuzzTest(maxDuration = "30s")
    void groupJournal(byte[] data) throws Exception {
        System.setProperty("convnet4j.files.otherHostsStaleAfter", "PT0S");
        try {
            groupJournalOf(data, "");
        } finally {
            System.clearProperty("convnet4j.files.otherHostsStaleAfter");
        }
    }

    /**
     * As {@link #groupJournal}, with the names and the journal's process line of the current form, another host's
     * ({@code @node-b}): the same inputs (the committed corpus is of the older form) with ".p999999999-" read as
     * ".p999999999@node-b-" and the host added to the process line, before a {@code +} input gets its CRC line.
     */
    @FuzzTest(maxDuration = "30s")
    void groupJournalOfAnotherHost(byte[] data) throws Exception {
        String text = new String(data, java.nio.charset.StandardCharsets.ISO_8859_1)
                .replace(".p" + GONE + "-", ".p" + GONE + "@node-b-")
                .replace("process " + GONE + " -\n", "process " + GONE + " - node-b\n");
        System.setProperty("convnet4j.files.otherHostsStaleAfter", "PT0S");
        try {
            groupJournalOf(text.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1), "@node-b");
        } finally {
            System.clearProperty("convnet4j.files.otherHostsStaleAfter");
        }
    }

    private void groupJournalOf(byte[] data, String host) throws Exception {
        Path group = Files.createDirectories(dir.resolve("group"));
        Path victim = dir.resolve("victim");
        Files.writeString(victim, "outside");
        java.util.Map<String, String> before = new java.util.TreeMap<>();
        before.put("a", "old a");
        before.put("b", "old b");
        before.put(".a.p" + GONE + host + "-1.tmp", "new a");
        before.put(".b.p" + GONE + host + "-2.tmp", "new b");
        before.put(".a.p" + GONE + host + "-3.tmp", "earlier a");
        before.put(org.convnet4j.util.GroupSeal.FILE, "0".repeat(64) + "  a\n");
        before.put(".convnet4j-group.p" + GONE + host + "-4.journal", null);
        for (java.util.Map.Entry<String, String> e : before.entrySet()) {
            Path p = group.resolve(e.getKey());
            if (e.getValue() == null) {
                Files.write(p, withCrc(data));
            } else {
                Files.writeString(p, e.getValue());
            }
        }
        try {
            try {
                org.convnet4j.util.GroupSeal.check(java.util.List.of(group.resolve("a"), group.resolve("b"))).confirm();
            } catch (IOException e) {
                requireOneLine(e, group.toString());
            }
            org.convnet4j.util.AtomicFiles.recover(group);
            if (!Files.readString(victim).equals("outside")) {
                throw new AssertionError("the recovery changed a file outside its folder");
            }
            try (var listing = Files.list(group)) {
                for (Path p : listing.toList()) {
                    String name = p.getFileName().toString();
                    if (!before.containsKey(name)) {
                        throw new AssertionError("the recovery made " + name);
                    }
                    if (before.get(name) != null && !before.containsValue(Files.readString(p))) {
                        throw new AssertionError("the recovery put new content in " + name);
                    }
                }
            }
        } finally {
            removeFolder(group);
            Files.delete(victim);
        }
    }

    /** {@code data} as it is, or (first byte '+') the rest followed by "end CRC32" of it, as a whole journal ends. */
    private static byte[] withCrc(byte[] data) {
        if (data.length == 0 || data[0] != '+') {
            return data;
        }
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(data, 1, data.length - 1);
        byte[] end = ("end " + Long.toHexString(crc.getValue()) + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] all = java.util.Arrays.copyOfRange(data, 1, data.length + end.length);
        System.arraycopy(end, 0, all, data.length - 1, end.length);
        return all;
    }

    /** Deletes {@code folder} and the files in it (tearDown deletes files only). */
    private static void removeFolder(Path folder) throws IOException {
        try (var listing = Files.list(folder)) {
            for (Path p : listing.toList()) {
                Files.delete(p);
            }
        }
        Files.delete(folder);
    }

    /** A seal of these bytes beside {@code a}: the readers' check takes or refuses it, in one line naming a file. */
    @FuzzTest(maxDuration = "30s")
    void groupSeal(byte[] data) throws Exception {
        Path group = Files.createDirectories(dir.resolve("sealed"));
        Files.writeString(group.resolve("a"), "a\n");
        Files.write(group.resolve(org.convnet4j.util.GroupSeal.FILE), data);
        try {
            org.convnet4j.util.GroupSeal.check(java.util.List.of(group.resolve("a"))).confirm();
        } catch (IOException e) {
            requireOneLine(e, group.toString());
        } finally {
            removeFolder(group);
        }
    }

    /** One line without control characters, starting with a path in {@code folder}. */
    private static void requireOneLine(Exception e, String folder) {
        String m = String.valueOf(e.getMessage());
        if (!m.startsWith(folder + "/") || m.chars().anyMatch(c -> c < 0x20 || (c >= 0x7f && c <= 0x9f))) {
            throw new AssertionError("a refusal that is not one clean line starting with the file: " + m, e);
        }
    }

}

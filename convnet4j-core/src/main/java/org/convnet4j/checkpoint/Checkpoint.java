package org.convnet4j.checkpoint;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;
import org.convnet4j.internal.json.Json;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.util.Digests;

/**
 * A saved model: its named parameters and buffers, optional optimiser state, and a JSON description
 * (architecture, class names, input shape, preprocessing, training state), in one safetensors file
 * ({@code model.c4j}) that other frameworks' safetensors readers can open.
 *
 * <p>In the file, parameters keep their names, optimiser tensors get the prefix {@value #OPTIMIZER_PREFIX},
 * and {@code __metadata__} holds {@code format = convnet4j}, {@code format_version}, {@code convnet4j} (the
 * description as compact JSON), {@code sha256}, the hex SHA-256 of the whole data buffer, and (format 2)
 * {@code description_sha256}, the hex SHA-256 of the description's UTF-8 bytes. Both are checked on load so
 * that a corrupted file is refused instead of producing a silently wrong model: one changed byte in the
 * preprocessing scale or a layer type is as harmful as one in a weight.
 */
public final class Checkpoint {
    public static final String FORMAT = "convnet4j";
    /** 2 adds {@value #KEY_DESCRIPTION_SHA256}; version 1 files still load, with a {@link #notes() note}. */
    public static final int FORMAT_VERSION = 2;
    public static final String OPTIMIZER_PREFIX = "optimizer/";

    static final String KEY_FORMAT = "format";
    static final String KEY_VERSION = "format_version";
    static final String KEY_DESCRIPTION = "convnet4j";
    static final String KEY_SHA256 = "sha256";
    static final String KEY_DESCRIPTION_SHA256 = "description_sha256";

    private final Map<String, Tensor> parameters;
    private final Map<String, Tensor> optimizerState;
    private final String description;
    private final int formatVersion;
    private final String origin;
    private final List<String> notes = new ArrayList<>();

    /**
     * A checkpoint to save. Maps are copied (not the tensors) and kept in their iteration order, which is
     * the order in the file. Optimiser state names are given without the prefix. {@code descriptionJson} is the
     * description as JSON text (an object; null for none) and is stored in compact form.
     */
    public Checkpoint(Map<String, Tensor> parameters, Map<String, Tensor> optimizerState, String descriptionJson) {
        this(parameters, optimizerState, descriptionJson == null ? "{}"
                : Json.toCompact(Json.parseObject(descriptionJson, "Checkpoint: description")), FORMAT_VERSION,
                "checkpoint");
    }

    private Checkpoint(Map<String, Tensor> parameters, Map<String, Tensor> optimizerState, String description,
                       int formatVersion, String origin) {
        for (String name : parameters.keySet()) {
            if (name.startsWith(OPTIMIZER_PREFIX)) {
                throw new IllegalArgumentException("Checkpoint: parameter name '" + name + "' must not start with '"
                        + OPTIMIZER_PREFIX + "', which marks optimiser state");
            }
        }
        this.parameters = Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
        this.optimizerState = Collections.unmodifiableMap(new LinkedHashMap<>(optimizerState));
        this.description = description;
        this.formatVersion = formatVersion;
        this.origin = origin;
    }

    /** Parameters and buffers by name, in file order. */
    public Map<String, Tensor> parameters() {
        return parameters;
    }

    /** Optimiser state by name (without the prefix), in file order; empty if none was saved. */
    public Map<String, Tensor> optimizerState() {
        return optimizerState;
    }

    /** The model description as compact JSON text (an object). */
    public String description() {
        return description;
    }

    public int formatVersion() {
        return formatVersion;
    }

    // ---- saving ---------------------------------------------------------------------------------

    /** Saves atomically: an earlier file at {@code file} survives any failure, such as a full disk. */
    public static void save(Path file, Checkpoint checkpoint) throws IOException {
        save(file, checkpoint, UnaryOperator.identity());
    }

    /** As {@link #save(Path, Checkpoint)}; tests pass a stream wrapper that fails midway. */
    static void save(Path file, Checkpoint checkpoint, UnaryOperator<OutputStream> wrap) throws IOException {
        Map<String, Tensor> tensors = tensors(checkpoint);
        SafeTensors.write(file, tensors, metadata(checkpoint, tensors), wrap);
    }

    /**
     * The bytes {@link #save(Path, Checkpoint)} puts in a file, written to {@code out} (flushed, not closed): for
     * callers that make the file atomic themselves on another file system (a temporary name there, then a rename),
     * with no copy staged on the local disk.
     */
    public static void write(OutputStream out, Checkpoint checkpoint) throws IOException {
        Map<String, Tensor> tensors = tensors(checkpoint);
        SafeTensors.write(out, tensors, metadata(checkpoint, tensors));
    }

    private static Map<String, Tensor> tensors(Checkpoint checkpoint) {
        Map<String, Tensor> tensors = new LinkedHashMap<>(checkpoint.parameters);
        for (Map.Entry<String, Tensor> e : checkpoint.optimizerState.entrySet()) {
            tensors.put(OPTIMIZER_PREFIX + e.getKey(), e.getValue());
        }
        return tensors;
    }

    private static Map<String, String> metadata(Checkpoint checkpoint, Map<String, Tensor> tensors) throws IOException {
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put(KEY_FORMAT, FORMAT);
        metadata.put(KEY_VERSION, Integer.toString(FORMAT_VERSION));
        String description = checkpoint.description;
        metadata.put(KEY_DESCRIPTION, description);
        metadata.put(KEY_SHA256, SafeTensors.dataSha256(tensors));
        metadata.put(KEY_DESCRIPTION_SHA256, Digests.sha256Hex(description));
        return metadata;
    }

    // ---- loading --------------------------------------------------------------------------------

    /** Loads and verifies format, version and checksum. */
    public static Checkpoint load(Path file) throws IOException {
        return load(file, file.toString());
    }

    /**
     * As {@link #load(Path)}, for a file that is a copy of something else (a model fetched from a Hadoop path into a
     * temporary file): {@code origin} names it in the {@link #notes() notes}, and a note is logged once per origin
     * and content in a process however often the same file is loaded (Spark's driver parses a model several times).
     */
    public static Checkpoint load(Path file, String origin) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return load(file.toString(), ch, origin);
        }
    }

    /**
     * A checkpoint held as bytes (read from a remote file system or received over a network), checked exactly as
     * {@link #load(Path)} checks a file: format, version, both checksums, every tensor within the memory budget
     * before it is allocated. {@code origin} names it in messages and notes. Nothing is written to disk, so a
     * process killed while reading leaves nothing behind.
     */
    public static Checkpoint load(byte[] bytes, String origin) throws IOException {
        return load(origin, new SafeTensors.BytesChannel(bytes), origin);
    }

    private static Checkpoint load(String file, SeekableByteChannel ch, String origin) throws IOException {
        // The header first: a newer or foreign file should be named as such, not reported as corrupted.
        Map<String, String> headerMetadata = SafeTensors.readHeader(file, ch).metadata();
        int version = checkFormat(file, headerMetadata);
        String expectedSha = headerMetadata.get(KEY_SHA256);
        if (expectedSha == null) {
            throw new FileFormatException(file + " has no '" + KEY_SHA256 + "' entry in its metadata");
        }
        MessageDigest digest = Digests.sha256();
        SafeTensors.Contents contents = SafeTensors.read(file, ch, digest);
        String actualSha = Digests.hex(digest);
        if (!actualSha.equalsIgnoreCase(expectedSha)) {
            throw new FileFormatException(file + " is corrupted: checksum mismatch (recorded " + expectedSha
                    + ", data has " + actualSha + ")");
        }
        Map<String, Tensor> parameters = new LinkedHashMap<>();
        Map<String, Tensor> optimizer = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : contents.tensors().entrySet()) {
            if (e.getKey().startsWith(OPTIMIZER_PREFIX)) {
                optimizer.put(e.getKey().substring(OPTIMIZER_PREFIX.length()), e.getValue());
            } else {
                parameters.put(e.getKey(), e.getValue());
            }
        }
        Checkpoint c = new Checkpoint(parameters, optimizer, description(file, contents.metadata()), version,
                origin);
        if (version < 2) {
            c.notes.add(origin + " was written by an older convnet4j (format " + version + "): its description"
                    + " (architecture, preprocessing, class names) has no checksum; saving it again adds one");
            logOnce(origin + "\n" + actualSha, c.notes.get(0));
        }
        return c;
    }

    /** Keys of the notes logged so far in this process (origin and data checksum); bounded. */
    private static final Set<String> LOGGED = ConcurrentHashMap.newKeySet();

    private static void logOnce(String key, String note) {
        if (LOGGED.size() >= 4096) {
            LOGGED.clear(); // a process reading thousands of old files: notes may repeat, memory stays bounded
        }
        if (LOGGED.add(key)) {
            System.getLogger(Checkpoint.class.getName()).log(System.Logger.Level.WARNING, note);
        }
    }

    /**
     * Remarks about the loaded file that are not errors (an older format without the description checksum);
     * empty for a checkpoint built in memory.
     */
    public List<String> notes() {
        return Collections.unmodifiableList(notes);
    }

    /** The description alone, from the header (no tensor data is read); checks format and version. */
    public static String readDescription(Path file) throws IOException {
        Map<String, String> metadata = SafeTensors.readHeader(file).metadata();
        checkFormat(file.toString(), metadata);
        return description(file.toString(), metadata);
    }

    private static int checkFormat(String file, Map<String, String> metadata) throws FileFormatException {
        String format = metadata.get(KEY_FORMAT);
        if (!FORMAT.equals(format)) {
            throw new FileFormatException(file + " is not a convnet4j checkpoint (its metadata has "
                    + (format == null ? "no 'format' entry" : "format '" + format + "'")
                    + "); a plain safetensors file can be read with SafeTensors.read");
        }
        String versionText = metadata.get(KEY_VERSION);
        int version;
        try {
            version = Integer.parseInt(versionText == null ? "" : versionText.trim());
        } catch (NumberFormatException e) {
            throw new FileFormatException(file + ": format_version '" + versionText + "' is not a whole number");
        }
        if (version > FORMAT_VERSION) {
            throw new FileFormatException(file + " was written by a newer convnet4j (format " + version
                    + "); this one reads " + FORMAT_VERSION);
        }
        if (version < 1) {
            throw new FileFormatException(file + ": format_version " + version + " does not exist");
        }
        return version;
    }

    private static String description(String file, Map<String, String> metadata) throws FileFormatException {
        String text = metadata.get(KEY_DESCRIPTION);
        if (text == null) {
            throw new FileFormatException(file + " has no '" + KEY_DESCRIPTION + "' entry in its metadata");
        }
        String expected = metadata.get(KEY_DESCRIPTION_SHA256);
        if (expected == null && !"1".equals(String.valueOf(metadata.get(KEY_VERSION)).trim())) {
            throw new FileFormatException(file + " has no '" + KEY_DESCRIPTION_SHA256 + "' entry in its metadata");
        }
        if (expected != null) {
            String actual = Digests.sha256Hex(text);
            if (!actual.equalsIgnoreCase(expected)) {
                throw new FileFormatException(file + " is corrupted: the description's checksum does not match (recorded "
                        + expected + ", description has " + actual + ")");
            }
        }
        try {
            Json.parseObject(text, file + ": metadata '" + KEY_DESCRIPTION + "'");
            return text;
        } catch (IllegalArgumentException e) {
            throw new FileFormatException(e.getMessage(), e);
        }
    }

    // ---- fitting a model ------------------------------------------------------------------------

    /** As {@link #verifyAgainst(String, Map)} with the model called "model". */
    public void verifyAgainst(Map<String, Shape> expected) {
        verifyAgainst("model", expected);
    }

    /**
     * Checks that the parameters are exactly the ones the model expects, with the same shapes, and
     * otherwise throws a {@link CheckpointMismatchException} listing every missing, unexpected and
     * mis-shaped name in one message. Optimiser state is not compared.
     */
    public void verifyAgainst(String modelName, Map<String, Shape> expected) {
        List<String> missing = new ArrayList<>();
        List<String> mismatched = new ArrayList<>();
        List<String> mismatchText = new ArrayList<>();
        for (Map.Entry<String, Shape> e : expected.entrySet()) {
            Tensor t = parameters.get(e.getKey());
            if (t == null) {
                missing.add(e.getKey());
            } else if (!t.shape().equals(e.getValue())) {
                mismatched.add(e.getKey());
                mismatchText.add(e.getKey() + " is " + e.getValue() + " in the model and " + t.shape()
                        + " in the file");
            }
        }
        List<String> unexpected = new ArrayList<>();
        for (String name : parameters.keySet()) {
            if (!expected.containsKey(name)) {
                unexpected.add(name);
            }
        }
        if (missing.isEmpty() && unexpected.isEmpty() && mismatched.isEmpty()) {
            return;
        }
        List<String> parts = new ArrayList<>();
        if (!missing.isEmpty()) {
            parts.add("missing: " + String.join(", ", missing));
        }
        if (!unexpected.isEmpty()) {
            parts.add("unexpected: " + String.join(", ", unexpected));
        }
        if (!mismatched.isEmpty()) {
            parts.add("shape mismatch: " + String.join(", ", mismatchText));
        }
        throw new CheckpointMismatchException("checkpoint " + origin + " does not fit model " + modelName + ": "
                + String.join("; ", parts), missing, unexpected, mismatched);
    }
}

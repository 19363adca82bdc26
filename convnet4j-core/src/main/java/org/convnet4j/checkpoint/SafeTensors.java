package org.convnet4j.checkpoint;

import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import com.google.gson.stream.JsonWriter;
import java.io.BufferedOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.convnet4j.internal.json.Json;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.util.AtomicFiles;
import org.convnet4j.util.Digests;
import org.convnet4j.util.MemoryBudget;

/**
 * Reads and writes the safetensors format, so that convnet4j files open in other frameworks and theirs
 * open here.
 *
 * <p>The layout: an 8-byte little-endian unsigned header length N; N bytes of UTF-8 JSON mapping each
 * tensor name to {@code {"dtype", "shape", "data_offsets": [begin, end]}}, plus an optional
 * {@code "__metadata__"} object of string to string; then the data buffer, with offsets relative to its
 * start and elements little-endian, row-major.
 *
 * <p><b>Reading</b> treats the file as untrusted: the header length is checked against the file size and
 * {@link #MAX_HEADER_BYTES} before anything is allocated; every tensor's offsets must lie inside the buffer,
 * must not overlap another tensor's, and must span exactly shape product × dtype size bytes; duplicate names
 * (also duplicate metadata keys) are refused. Gaps between tensors are tolerated (and are part of the
 * buffer, so a checksum over the buffer covers them). Every dtype of {@link DType} is converted to float32;
 * other dtypes are refused by name. The data is streamed through one small buffer, so files larger than
 * 2 GB are fine as long as each tensor fits a Java array.
 *
 * <p><b>Writing</b> produces F32 only, with header keys and data in the iteration order of the given map
 * (pass a {@link LinkedHashMap} in model order; the format lets header keys come in any order, and keeping
 * the model's order makes {@code summary} output read naturally). The same tensors and metadata always give
 * the same bytes. The header is padded with spaces so the buffer starts at a multiple of 8 bytes. The file
 * is written atomically: an existing file is replaced only once the new one is complete on disk.
 */
public final class SafeTensors {
    /** Refuse headers larger than this before allocating: a real header is kilobytes, a lie can be 2^64. */
    public static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;

    static final String METADATA_KEY = "__metadata__";
    private static final int CHUNK_BYTES = 1 << 20;

    private SafeTensors() {
    }

    /** One tensor's entry in the header. */
    public record Entry(String name, DType dtype, long[] shape, long begin, long end) {
        public Entry {
            shape = shape.clone();
        }

        @Override
        public long[] shape() {
            return shape.clone();
        }

        public long elementCount() {
            long n = 1;
            for (long d : shape) {
                n *= d; // checked for overflow when the header was parsed
            }
            return n;
        }

        public long byteLength() {
            return end - begin;
        }

        @Override
        public String toString() {
            return name + " " + dtype + " " + Arrays.toString(shape);
        }
    }

    /**
     * The parsed header: entries in header order, the metadata, where the data buffer starts in the file
     * and how long it is.
     */
    public record Header(Map<String, Entry> entries, Map<String, String> metadata, long dataStart, long dataLength) {
    }

    /** The tensors of a file, in header order, and its metadata. */
    public record Contents(Map<String, Tensor> tensors, Map<String, String> metadata) {
    }

    // ---- reading --------------------------------------------------------------------------------

    /** Lists names, dtypes and shapes without reading the data (cheap even for a file of gigabytes). */
    public static Header readHeader(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return readHeader(file.toString(), ch);
        }
    }

    /**
     * As {@link #readHeader(Path)} for a file already in memory (fetched from a remote file system, say):
     * {@code origin} names it in messages. No copy of it is written anywhere.
     */
    public static Header readHeader(byte[] bytes, String origin) throws IOException {
        return readHeader(origin, new BytesChannel(bytes));
    }

    /** Reads every tensor (converted to float32) and the metadata. */
    public static Contents read(Path file) throws IOException {
        return read(file, null);
    }

    /**
     * Reads the file; if {@code digest} is given, it is fed the whole data buffer (all bytes after the
     * header, in file order), read in the same single pass as the tensors.
     */
    static Contents read(Path file, MessageDigest digest) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return read(file.toString(), ch, digest);
        }
    }

    /**
     * As {@link #read(Path)} for a file already in memory: the same checks, the same budget (the float32 tensors
     * are checked against {@link MemoryBudget} before any is allocated), {@code origin} naming it in messages, and
     * no temporary copy on disk.
     */
    public static Contents read(byte[] bytes, String origin) throws IOException {
        return read(origin, new BytesChannel(bytes), null);
    }

    /** As {@link #read(Path, MessageDigest)} over any channel; {@code file} names it in messages. */
    static Contents read(String file, SeekableByteChannel ch, MessageDigest digest) throws IOException {
        {
            Header header = readHeader(file, ch);
            requireLoadable(file, header);
            List<Entry> byOffset = new ArrayList<>(header.entries().values());
            byOffset.sort(Comparator.comparingLong(Entry::begin));
            Map<String, Tensor> loaded = new LinkedHashMap<>();
            ByteBuffer chunk = ByteBuffer.allocate(CHUNK_BYTES).order(ByteOrder.LITTLE_ENDIAN);
            long position = header.dataStart();
            for (Entry e : byOffset) {
                long begin = header.dataStart() + e.begin();
                skip(file, ch, chunk, position, begin, digest);
                float[] values = new float[(int) e.elementCount()];
                int perChunk = CHUNK_BYTES / e.dtype().byteSize();
                int done = 0;
                long at = begin;
                while (done < values.length) {
                    int count = Math.min(perChunk, values.length - done);
                    fill(file, ch, chunk, at, count * e.dtype().byteSize(), digest);
                    e.dtype().decode(chunk, values, done, count);
                    done += count;
                    at += (long) count * e.dtype().byteSize();
                }
                position = header.dataStart() + e.end();
                loaded.put(e.name(), Tensor.wrap(values, toShape(e)));
            }
            skip(file, ch, chunk, position, header.dataStart() + header.dataLength(), digest);
            Map<String, Tensor> inHeaderOrder = new LinkedHashMap<>();
            for (String name : header.entries().keySet()) {
                inHeaderOrder.put(name, loaded.get(name));
            }
            return new Contents(Collections.unmodifiableMap(inHeaderOrder), header.metadata());
        }
    }

    /**
     * Checks, from the header alone, that every tensor can be read into memory: no empty or over-long tensor,
     * and all of them together (as float32) within {@link MemoryBudget}. Their data spans were already checked
     * against the file by {@link #readHeader}, so a file that passes holds the data it declares: callers that
     * build something from declared shapes (an architecture guessed from a state dict) call this first.
     */
    public static void requireLoadable(Path file, Header header) throws IOException {
        requireLoadable(file.toString(), header);
    }

    /** As {@link #requireLoadable(Path, Header)}, {@code file} naming the input in messages. */
    public static void requireLoadable(String file, Header header) throws IOException {
        long floatBytes = 0;
        for (Entry e : header.entries().values()) {
            if (e.elementCount() > Integer.MAX_VALUE - 8) {
                throw new FileFormatException(file + ": tensor '" + e.name() + "' has " + e.elementCount()
                        + " elements, more than a convnet4j tensor can hold (2^31)");
            }
            for (long d : e.shape) {
                if (d == 0) {
                    throw new FileFormatException(file + ": tensor '" + e.name() + "' has shape "
                            + Arrays.toString(e.shape) + " with no elements; convnet4j tensors cannot be empty");
                }
            }
            floatBytes = MemoryBudget.add(floatBytes, MemoryBudget.bytesOf(4, e.elementCount()));
        }
        MemoryBudget.require(file + ": " + header.entries().size() + " tensors", floatBytes);
    }

    private static Shape toShape(Entry e) {
        int[] dims = new int[e.shape.length];
        for (int i = 0; i < dims.length; i++) {
            dims[i] = (int) e.shape[i];
        }
        return Shape.of(dims);
    }

    /** Reads the bytes between {@code from} and {@code to} only to feed them to the digest (gaps, padding). */
    private static void skip(String file, SeekableByteChannel ch, ByteBuffer chunk, long from, long to, MessageDigest digest)
            throws IOException {
        if (digest == null) {
            return;
        }
        for (long at = from; at < to; ) {
            int n = (int) Math.min(CHUNK_BYTES, to - at);
            fill(file, ch, chunk, at, n, digest);
            at += n;
        }
    }

    /** Fills {@code chunk} with exactly {@code length} bytes from {@code position}, ready to read. */
    private static void fill(String file, SeekableByteChannel ch, ByteBuffer chunk, long position, int length,
                             MessageDigest digest) throws IOException {
        chunk.clear().limit(length);
        while (chunk.hasRemaining()) {
            int n = ch instanceof FileChannel f ? f.read(chunk, position + chunk.position())
                    : ch.position(position + chunk.position()).read(chunk);
            if (n < 0) {
                // The size was checked when the header was read, so the file shrank while we read it.
                throw new EOFException(file + ": file ended early at byte " + (position + chunk.position()));
            }
        }
        chunk.flip();
        if (digest != null) {
            digest.update(chunk.duplicate());
        }
    }

    static Header readHeader(String file, SeekableByteChannel ch) throws IOException {
        long fileSize = ch.size();
        if (fileSize < 8) {
            throw new FileFormatException(file + ": too short to be a safetensors file (" + fileSize
                    + " bytes; the header length alone takes 8)");
        }
        ByteBuffer lengthBytes = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        fill(file, ch, lengthBytes, 0, 8, null);
        long headerLength = lengthBytes.getLong();
        // Unsigned: a negative long is a length of 2^63 or more.
        if (headerLength < 0 || headerLength > fileSize - 8) {
            throw new FileFormatException(file + ": header length " + Long.toUnsignedString(headerLength)
                    + " is larger than the file (" + fileSize + " bytes); the file is truncated or not safetensors");
        }
        if (headerLength > MAX_HEADER_BYTES) {
            throw new FileFormatException(file + ": header length " + headerLength + " exceeds the limit of "
                    + MAX_HEADER_BYTES + " bytes");
        }
        if (headerLength < 2) {
            throw new FileFormatException(file + ": header of " + headerLength + " bytes cannot hold a JSON object");
        }
        ByteBuffer headerBytes = ByteBuffer.allocate((int) headerLength);
        fill(file, ch, headerBytes, 8, (int) headerLength, null);
        String json;
        try {
            json = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(headerBytes).toString();
        } catch (CharacterCodingException e) {
            throw new FileFormatException(file + ": header is not valid UTF-8", e);
        }
        long dataStart = 8 + headerLength;
        long dataLength = fileSize - dataStart;
        return parseHeader(file, json, dataStart, dataLength);
    }

    private static Header parseHeader(String file, String json, long dataStart, long dataLength) throws IOException {
        Map<String, Entry> entries = new LinkedHashMap<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        try (JsonReader in = new JsonReader(new StringReader(json))) {
            in.setStrictness(Strictness.STRICT);
            if (in.peek() != JsonToken.BEGIN_OBJECT) {
                throw new FileFormatException(file + ": header is not a JSON object");
            }
            in.beginObject();
            boolean sawMetadata = false;
            while (in.hasNext()) {
                String name = in.nextName();
                if (name.equals(METADATA_KEY)) {
                    if (sawMetadata) {
                        throw new FileFormatException(file + ": header has two " + METADATA_KEY + " entries");
                    }
                    sawMetadata = true;
                    parseMetadata(file, in, metadata);
                } else {
                    if (entries.containsKey(name)) {
                        throw new FileFormatException(file + ": tensor '" + name + "' appears twice in the header");
                    }
                    entries.put(name, parseEntry(file, name, in, dataLength));
                }
            }
            in.endObject();
            if (in.peek() != JsonToken.END_DOCUMENT) {
                throw new FileFormatException(file + ": header has content after its JSON object");
            }
        } catch (FileFormatException e) {
            throw e;
        } catch (IOException | IllegalStateException | NumberFormatException e) {
            throw new FileFormatException(file + ": header is not valid safetensors JSON: " + Json.syntaxError(e), e);
        }
        checkNoOverlap(file, entries.values());
        return new Header(Collections.unmodifiableMap(entries), Collections.unmodifiableMap(metadata),
                dataStart, dataLength);
    }

    private static void parseMetadata(String file, JsonReader in, Map<String, String> metadata) throws IOException {
        if (in.peek() != JsonToken.BEGIN_OBJECT) {
            throw new FileFormatException(file + ": " + METADATA_KEY + " is not a JSON object");
        }
        in.beginObject();
        while (in.hasNext()) {
            String key = in.nextName();
            if (in.peek() != JsonToken.STRING) {
                throw new FileFormatException(file + ": metadata '" + key + "' is not a string (found " + in.peek() + ")");
            }
            if (metadata.put(key, in.nextString()) != null) {
                throw new FileFormatException(file + ": metadata '" + key + "' appears twice");
            }
        }
        in.endObject();
    }

    private static Entry parseEntry(String file, String name, JsonReader in, long dataLength) throws IOException {
        String where = file + ": tensor '" + name + "'";
        if (in.peek() != JsonToken.BEGIN_OBJECT) {
            throw new FileFormatException(where + ": entry is not a JSON object");
        }
        String dtypeName = null;
        long[] shape = null;
        long[] offsets = null;
        Set<String> seen = new HashSet<>();
        in.beginObject();
        while (in.hasNext()) {
            String key = in.nextName();
            if (!seen.add(key)) {
                throw new FileFormatException(where + ": '" + key + "' appears twice");
            }
            switch (key) {
                case "dtype" -> {
                    if (in.peek() != JsonToken.STRING) {
                        throw new FileFormatException(where + ": dtype is not a string");
                    }
                    dtypeName = in.nextString();
                }
                case "shape" -> shape = readNonNegativeLongs(where, "shape", in);
                case "data_offsets" -> offsets = readNonNegativeLongs(where, "data_offsets", in);
                default -> in.skipValue(); // tolerated, as other readers do, for forward compatibility
            }
        }
        in.endObject();
        if (dtypeName == null || shape == null || offsets == null) {
            throw new FileFormatException(where + ": entry needs dtype, shape and data_offsets");
        }
        DType dtype = DType.fromName(dtypeName);
        if (dtype == null) {
            throw new FileFormatException(where + ": unknown or unsupported dtype '" + dtypeName + "' (readable: "
                    + Arrays.toString(DType.values()) + ")");
        }
        long elements = 1;
        for (long d : shape) {
            if (d > Integer.MAX_VALUE) {
                throw new FileFormatException(where + ": absurd shape " + Arrays.toString(shape));
            }
            try {
                elements = Math.multiplyExact(elements, d);
            } catch (ArithmeticException e) {
                throw new FileFormatException(where + ": absurd shape " + Arrays.toString(shape)
                        + " (element count overflows)");
            }
        }
        if (offsets.length != 2) {
            throw new FileFormatException(where + ": data_offsets must be [begin, end], found "
                    + Arrays.toString(offsets));
        }
        long begin = offsets[0];
        long end = offsets[1];
        if (begin > end || end > dataLength) {
            throw new FileFormatException(where + ": data_offsets [" + begin + ", " + end
                    + "] lie outside the data buffer of " + dataLength + " bytes");
        }
        // elements < 2^62 (each dim < 2^31 and the product did not overflow), so this multiply could overflow
        // only for a product near 2^62; check it too rather than reason about it.
        long expectedBytes;
        try {
            expectedBytes = Math.multiplyExact(elements, dtype.byteSize());
        } catch (ArithmeticException e) {
            throw new FileFormatException(where + ": absurd shape " + Arrays.toString(shape));
        }
        if (end - begin != expectedBytes) {
            throw new FileFormatException(where + ": shape " + Arrays.toString(shape) + " of " + dtype + " needs "
                    + expectedBytes + " bytes, but data_offsets [" + begin + ", " + end + "] hold " + (end - begin));
        }
        return new Entry(name, dtype, shape, begin, end);
    }

    private static long[] readNonNegativeLongs(String where, String what, JsonReader in) throws IOException {
        if (in.peek() != JsonToken.BEGIN_ARRAY) {
            throw new FileFormatException(where + ": " + what + " is not a JSON array");
        }
        List<Long> values = new ArrayList<>();
        in.beginArray();
        while (in.hasNext()) {
            if (in.peek() != JsonToken.NUMBER) {
                throw new FileFormatException(where + ": " + what + " holds a non-number " + in.peek());
            }
            String text = in.nextString();
            long v;
            try {
                v = Long.parseLong(text);
            } catch (NumberFormatException e) {
                throw new FileFormatException(where + ": " + what + " holds " + text
                        + ", not a whole number below 2^63");
            }
            if (v < 0) {
                throw new FileFormatException(where + ": " + what + " holds the negative number " + v);
            }
            values.add(v);
        }
        in.endArray();
        return values.stream().mapToLong(Long::longValue).toArray();
    }

    private static void checkNoOverlap(String file, Iterable<Entry> entries) throws FileFormatException {
        List<Entry> sorted = new ArrayList<>();
        for (Entry e : entries) {
            if (e.byteLength() > 0) { // empty tensors occupy no bytes and cannot overlap anything
                sorted.add(e);
            }
        }
        sorted.sort(Comparator.comparingLong(Entry::begin));
        for (int i = 1; i < sorted.size(); i++) {
            Entry prev = sorted.get(i - 1);
            Entry cur = sorted.get(i);
            // If no neighbours overlap, every end precedes the next begin, so no two entries overlap at all.
            if (cur.begin() < prev.end()) {
                throw new FileFormatException(file + ": tensor '" + cur.name() + "' (bytes " + cur.begin() + ".."
                        + cur.end() + ") overlaps tensor '" + prev.name() + "' (bytes " + prev.begin() + ".."
                        + prev.end() + ")");
            }
        }
    }

    /** A read-only channel over bytes in memory, so that files held as bytes are read by the same code. */
    static final class BytesChannel implements SeekableByteChannel {
        private final byte[] bytes;
        private long position;
        private boolean open = true;

        BytesChannel(byte[] bytes) {
            this.bytes = bytes;
        }

        @Override
        public int read(ByteBuffer dst) {
            if (position >= bytes.length) {
                return -1;
            }
            int n = (int) Math.min(dst.remaining(), bytes.length - position);
            dst.put(bytes, (int) position, n);
            position += n;
            return n;
        }

        @Override
        public int write(ByteBuffer src) {
            throw new NonWritableChannelException();
        }

        @Override
        public long position() {
            return position;
        }

        @Override
        public SeekableByteChannel position(long newPosition) {
            if (newPosition < 0) {
                throw new IllegalArgumentException("negative position " + newPosition);
            }
            position = newPosition;
            return this;
        }

        @Override
        public long size() {
            return bytes.length;
        }

        @Override
        public SeekableByteChannel truncate(long size) {
            throw new NonWritableChannelException();
        }

        @Override
        public boolean isOpen() {
            return open;
        }

        @Override
        public void close() {
            open = false;
        }
    }

    // ---- writing --------------------------------------------------------------------------------

    /** Writes the tensors as F32 in the map's iteration order, with the given metadata; atomic. */
    public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata)
            throws IOException {
        write(file, tensors, metadata, UnaryOperator.identity());
    }

    /**
     * As {@link #write(Path, Map, Map)}, with the output stream passed through {@code wrap} first: tests use
     * it to simulate a disk that fills up midway.
     */
    static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata,
                      UnaryOperator<OutputStream> wrap) throws IOException {
        byte[] header = headerBytes(tensors, metadata);
        AtomicFiles.write(file, raw -> writeTo(wrap.apply(raw), header, tensors));
    }

    /**
     * The bytes {@link #write(Path, Map, Map)} puts in a file, written to {@code out} (flushed, not closed): for
     * writers that make the file atomic on another file system (Spark's checkpoints on HDFS).
     */
    public static void write(OutputStream out, Map<String, Tensor> tensors, Map<String, String> metadata)
            throws IOException {
        writeTo(out, headerBytes(tensors, metadata), tensors);
    }

    private static void writeTo(OutputStream raw, byte[] header, Map<String, Tensor> tensors) throws IOException {
        OutputStream out = new BufferedOutputStream(raw, 1 << 16);
        ByteBuffer length = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length);
        out.write(length.array());
        out.write(header);
        forEachDataChunk(tensors, chunk -> out.write(chunk.array(), 0, chunk.limit()));
        out.flush();
    }

    /** Hex SHA-256 of the data buffer that {@link #write} produces for these tensors. */
    public static String dataSha256(Map<String, Tensor> tensors) throws IOException {
        MessageDigest digest = Digests.sha256();
        forEachDataChunk(tensors, digest::update);
        return Digests.hex(digest);
    }

    @FunctionalInterface
    private interface ChunkSink {
        void accept(ByteBuffer chunk) throws IOException;
    }

    /** The data buffer as little-endian float32 chunks, tensor after tensor, without padding. */
    private static void forEachDataChunk(Map<String, Tensor> tensors, ChunkSink sink) throws IOException {
        ByteBuffer chunk = ByteBuffer.allocate(CHUNK_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        int perChunk = CHUNK_BYTES / 4;
        for (Tensor t : tensors.values()) {
            float[] data = t.data();
            for (int from = 0; from < data.length; from += perChunk) {
                int n = Math.min(perChunk, data.length - from);
                chunk.clear();
                chunk.asFloatBuffer().put(data, from, n);
                chunk.limit(4 * n);
                sink.accept(chunk);
            }
        }
    }

    private static byte[] headerBytes(Map<String, Tensor> tensors, Map<String, String> metadata) {
        StringWriter text = new StringWriter();
        try (JsonWriter json = new JsonWriter(text)) {
            json.setHtmlSafe(false);
            json.beginObject();
            if (!metadata.isEmpty()) {
                json.name(METADATA_KEY).beginObject();
                for (Map.Entry<String, String> m : metadata.entrySet()) {
                    json.name(m.getKey()).value(m.getValue());
                }
                json.endObject();
            }
            long offset = 0;
            for (Map.Entry<String, Tensor> t : tensors.entrySet()) {
                String name = t.getKey();
                if (name.isEmpty() || name.equals(METADATA_KEY)) {
                    throw new IllegalArgumentException("SafeTensors.write: '" + name + "' cannot be a tensor name");
                }
                long bytes = 4L * t.getValue().size();
                json.name(name).beginObject();
                json.name("dtype").value("F32");
                json.name("shape").beginArray();
                for (int d : t.getValue().shape().dims()) {
                    json.value(d);
                }
                json.endArray();
                json.name("data_offsets").beginArray().value(offset).value(offset + bytes).endArray();
                json.endObject();
                offset += bytes;
            }
            json.endObject();
        } catch (IOException e) {
            throw new IllegalStateException("writing JSON to a string cannot fail", e);
        }
        byte[] raw = text.toString().getBytes(StandardCharsets.UTF_8);
        // Pad so the data buffer starts 8-byte aligned: readers that map the file can then view it in place.
        int padded = (raw.length + 7) / 8 * 8;
        byte[] header = Arrays.copyOf(raw, padded);
        Arrays.fill(header, raw.length, padded, (byte) ' ');
        return header;
    }
}

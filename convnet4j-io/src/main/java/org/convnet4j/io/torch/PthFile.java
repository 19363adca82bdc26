package org.convnet4j.io.torch;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.convnet4j.checkpoint.DType;
import org.convnet4j.checkpoint.FileFormatException;
import org.convnet4j.util.MemoryBudget;

/**
 * A state dict saved by {@code torch.save}, read without Python and without running anything from the file
 * ({@link Pickle} interprets only what a state dict needs). Both formats torchvision has published:
 * <ul>
 *   <li><b>zip</b> (torch &gt;= 1.6): a zip archive (entries stored, not compressed) holding {@code <dir>/data.pkl}
 *       (the pickle; each storage is a persistent id {@code ('storage', torch.FloatStorage, key, location, numel)})
 *       and {@code <dir>/data/<key>} (the raw little-endian elements);</li>
 *   <li><b>legacy</b> (older torch, and {@code _use_new_zipfile_serialization=False}): five consecutive pickles
 *       and raw data: a magic number, the protocol version (1001), system info (byte order, type sizes), the
 *       object with persistent ids {@code ('storage', type, key, location, numel, view)}, the sorted list of storage
 *       keys; then for every key in that order an int64 element count followed by the elements.</li>
 * </ul>
 * A checkpoint that wraps its weights ({@code {"state_dict": ...}}, {@code {"model": ...}}) is unwrapped, and the
 * {@code module.} prefix DataParallel adds to every name is removed.
 *
 * <p>Budgets: the pickle is at most {@value #MAX_PICKLE} bytes; every storage lies inside the file; every tensor
 * view lies inside its storage and has at most as many elements as the storage (no stride-0 expansion), so reading
 * a tensor allocates at most what the file holds; all tensors as float32 fit {@link MemoryBudget}. Sizes are
 * checked before any allocation.
 */
public final class PthFile implements StateDict {
    static final long MAX_PICKLE = 64L << 20;
    private static final long LEGACY_MAGIC_HI = 0x1950L;
    private static final long LEGACY_MAGIC_LO = 0xa86a20f9469cfc6cL;

    /** Where a storage's elements are: a file offset (legacy) or a zip entry (zip format). */
    private record Storage(String key, DType dtype, long numel, long fileOffset, String entry) {
    }

    /** A legacy persistent id: the root storage's key and the element offset of a view into it. */
    private record LegacyRef(String key, long start) {
    }

    /** A tensor as a view of a storage; {@code start} is the storage element offset of a legacy view. */
    private record View(Storage storage, long start, Pickle.TensorRef ref) {
    }

    private final Path file;
    private final Map<String, View> tensors;
    private final Map<String, long[]> shapes;

    private PthFile(Path file, Map<String, View> tensors) {
        this.file = file;
        this.tensors = tensors;
        this.shapes = new LinkedHashMap<>();
        tensors.forEach((k, v) -> shapes.put(k, v.ref().size().clone()));
    }

    private static byte[] head(Path file) throws IOException {
        try (InputStream in = java.nio.file.Files.newInputStream(file)) {
            return in.readNBytes(4);
        }
    }

    /** True if the file starts like a PyTorch pickle (a zip archive or a pickle's PROTO opcode). */
    public static boolean isPickle(Path file) throws IOException {
        byte[] h = head(file);
        boolean zip = h.length == 4 && h[0] == 'P' && h[1] == 'K' && h[2] == 3 && h[3] == 4;
        boolean pickle = h.length >= 2 && (h[0] & 0xff) == 0x80 && h[1] >= 2 && h[1] <= 5;
        return zip || pickle;
    }

    /** Reads the file's structure (names, shapes, where the values are); values are read by {@link #values}. */
    public static PthFile open(Path file) throws IOException {
        byte[] h = head(file);
        if (h.length == 4 && h[0] == 'P' && h[1] == 'K') {
            return openZip(file);
        }
        if (h.length >= 2 && (h[0] & 0xff) == 0x80) {
            return openLegacy(file);
        }
        throw new FileFormatException(file + ": not a PyTorch file (neither a zip archive nor a pickle)");
    }

    @Override
    public String source() {
        return file.toString();
    }

    @Override
    public Map<String, long[]> shapes() {
        return shapes;
    }

    @Override
    public float[] values(String name) throws IOException {
        View v = tensors.get(name);
        if (v == null) {
            throw new IllegalArgumentException(file + " has no tensor '" + name + "'");
        }
        Storage s = v.storage();
        Pickle.TensorRef t = v.ref();
        int n = (int) t.numel(); // checked against the storage size when the file was opened
        long first = v.start() + t.offset();
        boolean contiguous = true;
        long expected = 1;
        for (int d = t.size().length - 1; d >= 0; d--) {
            if (t.size()[d] != 1 && t.stride()[d] != expected) {
                contiguous = false;
            }
            expected *= t.size()[d];
        }
        float[] out = new float[n];
        if (n == 0) {
            return out;
        }
        if (contiguous) {
            read(s, first, n, out);
            return out;
        }
        // a strided view (rare in state dicts): read the span it covers, then gather
        long last = first;
        for (int d = 0; d < t.size().length; d++) {
            last += (t.size()[d] - 1) * t.stride()[d];
        }
        float[] span = new float[(int) (last - first + 1)];
        read(s, first, span.length, span);
        int[] idx = new int[t.size().length];
        for (int i = 0; i < n; i++) {
            long off = 0;
            for (int d = 0; d < idx.length; d++) {
                off += idx[d] * t.stride()[d];
            }
            out[i] = span[(int) off];
            for (int d = idx.length - 1; d >= 0; d--) {
                if (++idx[d] < t.size()[d]) {
                    break;
                }
                idx[d] = 0;
            }
        }
        return out;
    }

    /** Reads {@code count} elements from the storage into {@code out}, 1 MB at a time (no second full-size copy). */
    private void read(Storage s, long firstElement, int count, float[] out) throws IOException {
        int size = s.dtype().byteSize();
        int chunk = Math.max(1, (1 << 20) / size);
        ByteBuffer buf = ByteBuffer.allocate(Math.min(count, chunk) * size).order(ByteOrder.LITTLE_ENDIAN);
        if (s.entry() != null) {
            try (ZipFile zip = new ZipFile(file.toFile()); InputStream in = zip.getInputStream(zip.getEntry(s.entry()))) {
                in.skipNBytes(firstElement * size);
                for (int done = 0; done < count; done += chunk) {
                    int n = Math.min(chunk, count - done);
                    if (in.readNBytes(buf.array(), 0, n * size) != n * size) {
                        throw new FileFormatException(file + ": storage " + s.key() + " ends early");
                    }
                    buf.position(0);
                    s.dtype().decode(buf, out, done, n);
                }
            } catch (FileFormatException e) {
                throw e;
            } catch (IOException e) { // ZipException, EOFException, a bad entry size: all mean a damaged archive
                throw new FileFormatException(file + ": damaged zip archive (" + e.getMessage() + ")", e);
            }
        } else {
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
                long pos = s.fileOffset() + firstElement * size;
                for (int done = 0; done < count; done += chunk) {
                    int n = Math.min(chunk, count - done);
                    buf.clear().limit(n * size);
                    while (buf.hasRemaining()) {
                        if (ch.read(buf, pos + buf.position()) < 0) {
                            throw new FileFormatException(file + ": storage " + s.key() + " ends early");
                        }
                    }
                    pos += (long) n * size;
                    buf.position(0);
                    s.dtype().decode(buf, out, done, n);
                }
            }
        }
    }

    // ---- zip format ----

    private static PthFile openZip(Path file) throws IOException {
        try (ZipFile zip = new ZipFile(file.toFile())) {
            ZipEntry pkl = null;
            Map<String, ZipEntry> entries = new HashMap<>();
            for (Enumeration<? extends ZipEntry> en = zip.entries(); en.hasMoreElements(); ) {
                ZipEntry e = en.nextElement();
                entries.put(e.getName(), e);
                if (e.getName().endsWith("data.pkl") && (pkl == null || e.getName().length() < pkl.getName().length())) {
                    pkl = e;
                }
            }
            if (pkl == null) {
                throw new FileFormatException(file + ": a zip archive without data.pkl, not a torch.save file");
            }
            String dir = pkl.getName().substring(0, pkl.getName().length() - "data.pkl".length());
            ZipEntry order = entries.get(dir + "byteorder");
            if (order != null) {
                String bo = new String(zip.getInputStream(order).readNBytes(16), StandardCharsets.US_ASCII).trim();
                if (!bo.equals("little")) {
                    throw new FileFormatException(file + ": byte order '" + bo + "' (only little-endian files are read)");
                }
            }
            if (pkl.getSize() > MAX_PICKLE) {
                throw new FileFormatException(file + ": data.pkl is " + pkl.getSize() + " bytes, more than a state dict"
                        + " needs (limit " + MAX_PICKLE + ")");
            }
            byte[] pickle;
            try (InputStream in = zip.getInputStream(pkl)) {
                pickle = in.readNBytes((int) MAX_PICKLE + 1);
            }
            if (pickle.length > MAX_PICKLE) {
                throw new FileFormatException(file + ": data.pkl is larger than " + MAX_PICKLE + " bytes");
            }
            Map<String, Storage> storages = new HashMap<>();
            Object root = Pickle.load(file.toString(), ByteBuffer.wrap(pickle), pid -> {
                Pickle.Tuple t = storageId(pid, 5);
                String key = (String) t.get(2);
                DType dtype = dtype(t.get(1));
                long numel = Pickle.asLong(t.get(4));
                ZipEntry data = entries.get(dir + "data/" + key);
                if (data == null) {
                    throw new IllegalArgumentException("storage " + key + " is named in data.pkl but the archive has no"
                            + " data/" + key);
                }
                if (numel < 0 || data.getSize() < 0 || Math.multiplyExact(numel, dtype.byteSize()) > data.getSize()) {
                    throw new IllegalArgumentException("storage " + key + " claims " + numel + " elements, its entry"
                            + " holds " + data.getSize() + " bytes");
                }
                return storages.computeIfAbsent(key, k -> new Storage(k, dtype, numel, -1, data.getName()));
            });
            return budgeted(file, views(file, root));
        } catch (FileFormatException | MemoryBudget.TooLargeException e) { // not "damaged": too large, said so
            throw e;
        } catch (IOException e) {
            throw new FileFormatException(file + ": damaged zip archive (" + e.getMessage() + ")", e);
        }
    }

    // ---- legacy format ----

    private static PthFile openLegacy(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size > Integer.MAX_VALUE) {
                throw new FileFormatException(file + ": legacy-format files over 2 GB are not read; re-save it with"
                        + " torch.save (zip format)");
            }
            ByteBuffer in = ch.map(FileChannel.MapMode.READ_ONLY, 0, size).order(ByteOrder.LITTLE_ENDIAN);
            String src = file.toString();
            Object magic = Pickle.load(src, in, PthFile::noPersistentIds);
            if (!(magic instanceof java.math.BigInteger m) || !m.equals(java.math.BigInteger.valueOf(LEGACY_MAGIC_HI)
                    .shiftLeft(64).or(new java.math.BigInteger(Long.toUnsignedString(LEGACY_MAGIC_LO))))) {
                throw new FileFormatException(file + ": a pickle, but not one written by torch.save (no torch magic"
                        + " number)");
            }
            Object version = Pickle.load(src, in, PthFile::noPersistentIds);
            if (!(version instanceof Long v) || v != 1001L) {
                throw new FileFormatException(file + ": torch legacy protocol version " + version + ", expected 1001");
            }
            Object sysInfo = Pickle.load(src, in, PthFile::noPersistentIds);
            if (sysInfo instanceof Map<?, ?> info && Boolean.FALSE.equals(info.get("little_endian"))) {
                throw new FileFormatException(file + ": written on a big-endian machine, which is not supported");
            }
            Map<String, DType> types = new HashMap<>();
            Map<String, Long> numels = new HashMap<>();
            Object root = Pickle.load(src, in, pid -> {
                Pickle.Tuple t = storageId(pid, 6);
                String key = (String) t.get(2);
                DType dtype = dtype(t.get(1));
                long numel = Pickle.asLong(t.get(4));
                DType known = types.putIfAbsent(key, dtype);
                if (known != null && known != dtype) {
                    throw new IllegalArgumentException("storage " + key + " is named with two element types");
                }
                numels.merge(key, numel, Math::max);
                long start = 0;
                if (t.get(5) instanceof Pickle.Tuple view) { // (view key, offset, view size)
                    start = Pickle.asLong(view.get(1));
                    if (start < 0) {
                        throw new IllegalArgumentException("storage view with a negative offset");
                    }
                }
                return new LegacyRef(key, start);
            });
            Object keys = Pickle.load(src, in, PthFile::noPersistentIds);
            if (!(keys instanceof List<?> keyList)) {
                throw new FileFormatException(file + ": the storage key list is missing after the state dict");
            }
            Map<String, Storage> storages = new HashMap<>();
            long pos = in.position();
            for (Object k : keyList) {
                if (!(k instanceof String key) || !types.containsKey(key)) {
                    throw new FileFormatException(file + ": storage key " + k + " is not used by the state dict");
                }
                if (pos + 8 > size) {
                    throw new FileFormatException(file + ": the data of storage " + key + " is missing (file ends)");
                }
                long numel = in.getLong((int) pos);
                DType dtype = types.get(key);
                if (numel < 0 || numel > (size - pos - 8) / dtype.byteSize()) {
                    throw new FileFormatException(file + ": storage " + key + " claims " + numel + " elements, more than"
                            + " the rest of the file holds");
                }
                if (numel < numels.get(key)) {
                    throw new FileFormatException(file + ": storage " + key + " has " + numel + " elements, the state"
                            + " dict expects " + numels.get(key));
                }
                storages.put(key, new Storage(key, dtype, numel, pos + 8, null));
                pos += 8 + numel * dtype.byteSize();
            }
            return budgeted(file, legacyViews(file, root, storages));
        }
    }

    private static Map<String, View> legacyViews(Path file, Object root, Map<String, Storage> storages)
            throws FileFormatException {
        Map<String, View> out = new LinkedHashMap<>();
        for (Map.Entry<String, Pickle.TensorRef> e : tensorsOf(file, root).entrySet()) {
            Pickle.TensorRef t = e.getValue();
            if (!(t.storage() instanceof LegacyRef ref)) {
                throw new FileFormatException(file + ": tensor '" + e.getKey() + "' has no storage");
            }
            Storage s = storages.get(ref.key());
            if (s == null) {
                throw new FileFormatException(file + ": tensor '" + e.getKey() + "' uses storage " + ref.key()
                        + ", which is not in the file");
            }
            out.put(e.getKey(), check(file, e.getKey(), new View(s, ref.start(), t)));
        }
        return out;
    }

    private static Map<String, View> views(Path file, Object root) throws FileFormatException {
        Map<String, View> out = new LinkedHashMap<>();
        for (Map.Entry<String, Pickle.TensorRef> e : tensorsOf(file, root).entrySet()) {
            if (!(e.getValue().storage() instanceof Storage s)) {
                throw new FileFormatException(file + ": tensor '" + e.getKey() + "' has no storage");
            }
            out.put(e.getKey(), check(file, e.getKey(), new View(s, 0, e.getValue())));
        }
        return out;
    }

    /**
     * All tensors as float32 within {@link MemoryBudget}, and within what a file of this size may ask for
     * ({@link MemoryBudget#requireStored}), checked before any value is read: a zip entry declares its own
     * uncompressed size, so a file whose tensor data is DEFLATE-compressed (torch.save never compresses it) could
     * otherwise ask for the heap's whole budget from a few KB, as could many views of one storage.
     */
    private static PthFile budgeted(Path file, Map<String, View> views) throws IOException {
        long bytes = 0;
        for (View v : views.values()) {
            bytes = MemoryBudget.add(bytes, MemoryBudget.bytesOf(4, v.ref().numel()));
        }
        MemoryBudget.requireStored(file + ": " + views.size() + " tensors", bytes, java.nio.file.Files.size(file));
        return new PthFile(file, views);
    }

    /** The view must lie inside its storage and have no more elements than it: the allocation budget. */
    private static View check(Path file, String name, View v) throws FileFormatException {
        Pickle.TensorRef t = v.ref();
        if (t.size().length != t.stride().length || t.size().length > 8) {
            throw new FileFormatException(file + ": tensor '" + name + "' has " + t.size().length + " sizes and "
                    + t.stride().length + " strides");
        }
        long numel;
        long last = v.start() + t.offset();
        try {
            numel = t.numel();
            for (int d = 0; d < t.size().length; d++) {
                if (t.size()[d] < 0 || t.stride()[d] < 0) {
                    throw new FileFormatException(file + ": tensor '" + name + "' has a negative size or stride");
                }
                if (t.size()[d] > 0) {
                    last = Math.addExact(last, Math.multiplyExact(t.size()[d] - 1, t.stride()[d]));
                }
            }
        } catch (ArithmeticException e) {
            throw new FileFormatException(file + ": tensor '" + name + "' has sizes whose product overflows");
        }
        if (t.offset() < 0 || (numel > 0 && last >= v.storage().numel()) || numel > v.storage().numel()
                || numel > Integer.MAX_VALUE - 8) {
            throw new FileFormatException(file + ": tensor '" + name + "' (" + java.util.Arrays.toString(t.size())
                    + ", offset " + t.offset() + ") does not fit its storage of " + v.storage().numel() + " elements");
        }
        return v;
    }

    /**
     * The tensors of the pickled object: a dict of tensors, or a checkpoint holding one under {@code state_dict} or
     * {@code model}; a {@code module.} prefix on every name is dropped.
     */
    private static Map<String, Pickle.TensorRef> tensorsOf(Path file, Object root) throws FileFormatException {
        if (!(root instanceof Map<?, ?> map)) {
            throw new FileFormatException(file + ": holds a " + Pickle.describe(root) + ", not a state dict (a dict of"
                    + " tensors); a whole pickled model (torch.save(model)) is refused: save model.state_dict()");
        }
        Map<?, ?> dict = map;
        if (!hasTensors(dict)) {
            for (String wrapper : List.of("state_dict", "model", "model_state_dict", "net")) {
                if (dict.get(wrapper) instanceof Map<?, ?> inner && hasTensors(inner)) {
                    dict = inner;
                    break;
                }
            }
        }
        Map<String, Pickle.TensorRef> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : dict.entrySet()) {
            if (e.getKey() instanceof String k && e.getValue() instanceof Pickle.TensorRef t) {
                out.put(k, t);
            }
        }
        if (out.isEmpty()) {
            throw new FileFormatException(file + ": no tensors found (looked at the top level and under state_dict /"
                    + " model); keys: " + dict.keySet().stream().limit(10).toList());
        }
        if (out.keySet().stream().allMatch(k -> k.startsWith("module."))) {
            Map<String, Pickle.TensorRef> stripped = new LinkedHashMap<>();
            out.forEach((k, v) -> stripped.put(k.substring("module.".length()), v));
            out = stripped;
        }
        return out;
    }

    private static boolean hasTensors(Map<?, ?> m) {
        return m.values().stream().anyMatch(v -> v instanceof Pickle.TensorRef);
    }

    private static Object noPersistentIds(Object pid) {
        throw new IllegalArgumentException("a persistent id outside the state dict");
    }

    private static Pickle.Tuple storageId(Object pid, int length) {
        if (!(pid instanceof Pickle.Tuple t) || t.size() != length || !"storage".equals(t.get(0))
                || !(t.get(2) instanceof String)) {
            throw new IllegalArgumentException("a persistent id that is not a storage: " + Pickle.describe(pid));
        }
        return t;
    }

    private static DType dtype(Object type) {
        if (type instanceof Pickle.Global g && g.module().equals("torch") && Pickle.STORAGES.containsKey(g.name())) {
            return Pickle.STORAGES.get(g.name());
        }
        throw new IllegalArgumentException("storage type " + Pickle.describe(type) + " is not a torch storage type");
    }
}

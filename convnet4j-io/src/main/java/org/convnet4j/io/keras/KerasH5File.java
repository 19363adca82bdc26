package org.convnet4j.io.keras;

import io.jhdf.HdfFile;
import io.jhdf.api.Attribute;
import io.jhdf.api.Dataset;
import io.jhdf.api.Group;
import io.jhdf.api.Node;
import io.jhdf.api.dataset.ContiguousDataset;
import io.jhdf.exceptions.HdfInvalidPathException;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Array;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import org.convnet4j.checkpoint.FileFormatException;
import org.convnet4j.util.MemoryBudget;

/**
 * A Keras weight file in HDF5 ({@code model.save_weights("w.h5")}, or the weights part of a whole-model
 * {@code model.save("m.h5")}), read with the pure-Java jHDF library.
 *
 * <p>The layout Keras writes: the root (or the group {@code model_weights} of a whole-model file) has the
 * attribute {@code layer_names}, every layer of the model in its {@code model.layers} order, and usually
 * {@code keras_version} and {@code backend}; each layer is a group with the attribute {@code weight_names}
 * (e.g. {@code block1_conv1/kernel:0}, empty for layers without weights), and each weight is the dataset at
 * that path inside the layer's group. Kernels are channels-last: conv {@code (kh, kw, in, out)}, dense
 * {@code (in, out)}.
 *
 * <p>The file is untrusted. Only the header is parsed when opening; a dataset is read when asked for, after
 * its rank, size and element type have been checked, so a lying header cannot make us allocate gigabytes.
 * Every failure of the HDF5 parser is reported as a {@link FileFormatException} naming the file.
 */
public final class KerasH5File implements AutoCloseable {
    /** Largest dataset we read: a convnet4j tensor is backed by one Java float array. */
    public static final long MAX_ELEMENTS = Integer.MAX_VALUE - 8;
    private static final byte[] SIGNATURE = {(byte) 0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};

    /** One weight of a layer: its name as Keras wrote it, its shape in the file and its role. */
    public record Weight(String name, int[] shape, WeightRole role) {
        public Weight {
            shape = shape.clone();
        }

        @Override
        public int[] shape() {
            return shape.clone();
        }

        @Override
        public String toString() {
            return name + Arrays.toString(shape);
        }
    }

    /** A layer of the file and its weights in file order (empty for layers without weights). */
    public record Layer(String name, List<Weight> weights) {
        public Layer {
            weights = List.copyOf(weights);
        }

        public boolean hasWeights() {
            return !weights.isEmpty();
        }
    }

    private final Path file;
    private final HdfFile hdf;
    private final Group root;
    private final List<Layer> layers;
    private long storedWeightBytes;
    private final String kerasVersion;
    private final String backend;

    private KerasH5File(Path file, HdfFile hdf) throws IOException {
        this.file = file;
        this.hdf = hdf;
        Node weights = hdf.getChildren().get("model_weights");
        this.root = weights instanceof Group ? (Group) weights : hdf;
        this.kerasVersion = optionalString(root, "keras_version", hdf);
        this.backend = optionalString(root, "backend", hdf);
        List<String> names = strings(root, "layer_names", "the root group");
        List<Layer> list = new ArrayList<>();
        for (String name : names) {
            Node n = root.getChildren().get(name);
            if (!(n instanceof Group)) {
                throw new FileFormatException(file + ": layer_names lists '" + name + "' but the file has no group of"
                        + " that name");
            }
            Group g = (Group) n;
            List<Weight> ws = new ArrayList<>();
            for (String w : strings(g, "weight_names", "layer '" + name + "'")) {
                ws.add(new Weight(w, dataset(g, name, w).getDimensions(), WeightRole.of(w)));
            }
            list.add(new Layer(name, ws));
        }
        this.layers = Collections.unmodifiableList(list);
        requireStoredData();
    }

    /**
     * Compares what the datasets declare with what the file stores, before anything is built from the shapes: a
     * 46 KB file can declare gigabytes of never-written datasets (HDF5 then reads its fill value). Uncompressed
     * data must be stored in full; compressed data cannot expand beyond deflate's ratio of about 1032:1. The
     * total, as float32, must fit {@link MemoryBudget}.
     */
    private void requireStoredData() throws IOException {
        long total = 0;
        long fileSize = Files.size(file);
        for (Layer layer : layers) {
            Group g = (Group) root.getChildren().get(layer.name());
            for (Weight w : layer.weights()) {
                Dataset d = dataset(g, layer.name(), w.name());
                long elements = 1;
                for (int dim : d.getDimensions()) {
                    elements = dim < 0 ? -1 : MemoryBudget.bytesOf(1, elements, dim);
                }
                if (elements < 0) {
                    throw new FileFormatException(file + ": weight '" + w.name() + "' has an invalid shape "
                            + Arrays.toString(d.getDimensions()));
                }
                long declared = MemoryBudget.bytesOf(d.getDataType().getSize(), elements);
                long stored;
                boolean compressed = false;
                if (d instanceof ContiguousDataset cd) {
                    // never-written contiguous data has no address; written data must lie inside the file
                    long address = cd.getDataAddress();
                    stored = address < 0 || address >= fileSize ? 0 : Math.min(declared, fileSize - address);
                } else {
                    stored = d.getStorageInBytes();
                    compressed = d.getFilters() != null && !d.getFilters().isEmpty();
                }
                if (elements > 0 && (stored <= 0 || (!compressed && stored < declared)
                        || (compressed && declared / 1100 > stored))) {
                    throw new FileFormatException(file + ": weight '" + w.name() + "' of layer '" + layer.name()
                            + "' declares shape " + Arrays.toString(d.getDimensions()) + " (" + MemoryBudget.human(declared)
                            + ") but the file stores " + (stored <= 0 ? "no data for it" : MemoryBudget.human(stored)));
                }
                total = MemoryBudget.add(total, MemoryBudget.bytesOf(4, elements));
            }
        }
        MemoryBudget.require(file + ": its weights", total);
        storedWeightBytes = total;
    }

    /**
     * The weights the file stores, as float32 bytes (checked stored at open): what a model built for the file may
     * ask for is bounded by it ({@link MemoryBudget#fileCapBytes}).
     */
    public long storedWeightBytes() {
        return storedWeightBytes;
    }

    /** Opens and indexes {@code file}; fails with a message naming the file if it is no Keras weight file. */
    public static KerasH5File open(Path file) throws IOException {
        checkSignature(file);
        HdfFile hdf = null;
        try {
            hdf = openHdf(file);
            return new KerasH5File(file, hdf);
        } catch (IOException e) {
            closeQuietly(hdf);
            throw e;
        } catch (RuntimeException | StackOverflowError | InternalError e) {
            // the HDF5 parser signals broken structures with assorted runtime exceptions
            closeQuietly(hdf);
            throw new FileFormatException(file + ": not a readable HDF5 weight file (" + describe(e) + ")", e);
        }
    }

    /**
     * Opens the file for jHDF as a read-only memory map. jHDF reading from a file channel allocates a heap buffer
     * of whatever length a structure declares before reading it (an object header claiming 1 GB in a 107 KB file
     * costs 1 GB and a second of zeroing, then reads the few bytes that exist); over a buffer, a structure that
     * reaches past the end of the file is refused at once (the buffer's limit), without allocating. Files of 2 GB
     * or more cannot be one buffer: they are read through jHDF's channel storage with every read checked first
     * ({@link BoundedHdfStorage}: inside the file and within {@link MemoryBudget}).
     */
    private static HdfFile openHdf(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < Integer.MAX_VALUE) {
                // the mapping stays valid after the channel is closed
                return HdfFile.fromByteBuffer(ch.map(FileChannel.MapMode.READ_ONLY, 0, size));
            }
        }
        return BoundedHdfStorage.open(file);
    }

    private static void checkSignature(Path file) throws IOException {
        byte[] head = new byte[SIGNATURE.length];
        int n;
        try (InputStream in = Files.newInputStream(file)) {
            n = in.readNBytes(head, 0, head.length);
        }
        // HDF5 allows a user block before the superblock, but Keras never writes one
        if (n < head.length || !Arrays.equals(head, SIGNATURE)) {
            throw new FileFormatException(file + ": not an HDF5 file (it does not start with the HDF5 signature)");
        }
    }

    public Path file() {
        return file;
    }

    /** {@code keras_version} as written, or null. */
    public String kerasVersion() {
        return kerasVersion;
    }

    /** {@code backend} as written ({@code tensorflow}, {@code theano}, ...), or null. */
    public String backend() {
        return backend;
    }

    /** Every layer in {@code layer_names} order, with or without weights. */
    public List<Layer> layers() {
        return layers;
    }

    /** The layers that have weights, in file order (the order topology loading follows). */
    public List<Layer> weightedLayers() {
        List<Layer> out = new ArrayList<>();
        for (Layer l : layers) {
            if (l.hasWeights()) {
                out.add(l);
            }
        }
        return out;
    }

    /** The layer named {@code name}, or null. */
    public Layer layer(String name) {
        for (Layer l : layers) {
            if (l.name().equals(name)) {
                return l;
            }
        }
        return null;
    }

    /**
     * The values of one weight, row-major in the file's shape, as float32. Checks size and element type before
     * reading.
     */
    public float[] read(Layer layer, Weight weight) throws FileFormatException {
        String what = file + ": weight '" + weight.name() + "' of layer '" + layer.name() + "'";
        try {
            Node n = root.getChildren().get(layer.name());
            if (!(n instanceof Group)) {
                throw new FileFormatException(what + ": the layer group is missing");
            }
            Dataset d = dataset((Group) n, layer.name(), weight.name());
            long count = 1;
            for (int dim : d.getDimensions()) {
                if (dim < 0) {
                    throw new FileFormatException(what + " has a negative dimension " + Arrays.toString(d.getDimensions()));
                }
                count *= dim;
                if (count > MAX_ELEMENTS) {
                    throw new FileFormatException(what + " has shape " + Arrays.toString(d.getDimensions())
                            + ", more elements than a convnet4j tensor can hold (2^31)");
                }
            }
            if (d.isScalar() || d.isCompound() || d.isVariableLength()) {
                throw new FileFormatException(what + " is not a numeric array");
            }
            Class<?> type = d.getJavaType();
            if (type != float.class && type != double.class) {
                throw new FileFormatException(what + " holds " + type.getSimpleName()
                        + " values; Keras weights are float32 or float64");
            }
            Object flat = d.getDataFlat();
            if (!flat.getClass().isArray() || Array.getLength(flat) != count) {
                throw new FileFormatException(what + ": its data does not match its shape "
                        + Arrays.toString(d.getDimensions()));
            }
            if (flat instanceof float[] f) {
                return f;
            }
            double[] dd = (double[]) flat;
            float[] out = new float[dd.length];
            for (int i = 0; i < dd.length; i++) {
                out[i] = (float) dd[i];
            }
            return out;
        } catch (FileFormatException e) {
            throw e;
        } catch (RuntimeException | StackOverflowError | InternalError e) {
            // InternalError: the mapped file was truncated by someone else while we read it
            throw new FileFormatException(what + " cannot be read (" + describe(e) + ")", e);
        }
    }

    private Dataset dataset(Group layerGroup, String layer, String weightName) throws FileFormatException {
        Node n;
        try {
            n = layerGroup.getByPath(weightName);
        } catch (HdfInvalidPathException e) {
            n = null;
        } catch (RuntimeException | StackOverflowError | InternalError e) {
            throw new FileFormatException(file + ": layer '" + layer + "' lists weight '" + weightName
                    + "' but the HDF5 structure leading to it is broken (" + describe(e) + ")", e);
        }
        if (!(n instanceof Dataset)) {
            throw new FileFormatException(file + ": layer '" + layer + "' lists weight '" + weightName
                    + "' but has no dataset at that path");
        }
        return (Dataset) n;
    }

    private List<String> strings(Node node, String attribute, String where) throws FileFormatException {
        Attribute a = node.getAttributes().get(attribute);
        if (a == null) {
            throw new FileFormatException(file + ": " + where + " has no '" + attribute + "' attribute; is this a Keras"
                    + " weight file (model.save_weights or model.save in HDF5)?");
        }
        if (a.getSize() > 1_000_000) {
            throw new FileFormatException(file + ": " + where + "'s '" + attribute + "' has " + a.getSize() + " entries");
        }
        Object data = a.isEmpty() ? new String[0] : a.getData();
        List<String> out = new ArrayList<>();
        if (data instanceof String s) {
            out.add(s);
        } else if (data instanceof String[] arr) {
            out.addAll(Arrays.asList(arr));
        } else if (data != null && data.getClass().isArray() && Array.getLength(data) == 0) {
            return out; // an empty list stored as an empty numeric array (layers without weights)
        } else {
            throw new FileFormatException(file + ": " + where + "'s '" + attribute + "' is not a list of strings");
        }
        for (String s : out) {
            if (s == null || s.isEmpty()) {
                throw new FileFormatException(file + ": " + where + "'s '" + attribute + "' has an empty name");
            }
        }
        return out;
    }

    private static String optionalString(Group root, String attribute, HdfFile hdf) {
        for (Node n : new Node[] {root, hdf}) {
            Attribute a = n.getAttributes().get(attribute);
            if (a != null && !a.isEmpty()) {
                Object d = a.getData();
                if (d instanceof String s) {
                    return s;
                }
            }
        }
        return null;
    }

    /** The outermost message and, when deeper, the root cause (jHDF wraps the useful detail). */
    private static String describe(Throwable e) {
        Throwable root = e;
        for (int i = 0; i < 16 && root.getCause() != null && root.getCause() != root; i++) {
            root = root.getCause();
        }
        String text = message(e);
        if (root != e) {
            String why = root instanceof IllegalArgumentException && String.valueOf(root.getMessage()).startsWith("newLimit")
                    || root instanceof BoundedHdfStorage.ReachesPastEnd ? "it reaches past the end of the file"
                    : root instanceof org.convnet4j.util.MemoryBudget.TooLargeException ? root.getMessage()
                    : message(root);
            text += ": " + why;
        }
        return text;
    }

    private static String message(Throwable e) {
        String m = e.getMessage();
        return e.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }

    private static void closeQuietly(HdfFile hdf) {
        if (hdf != null) {
            try {
                hdf.close();
            } catch (RuntimeException ignored) {
                // already failing; the first error is the useful one
            }
        }
    }

    @Override
    public void close() {
        hdf.close();
    }
}

package org.convnet4j.transfer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.convnet4j.internal.json.Json;
import org.convnet4j.checkpoint.SafeTensors;
import org.convnet4j.data.Dataset;
import org.convnet4j.nn.ModelSpec;
import org.convnet4j.nn.Sequential;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.util.Digests;

/**
 * Bottleneck features on disk, so that trying several shallow classifiers (or running again) extracts them only
 * once. One safetensors file per (network, dataset): its name is the SHA-256 of the network's architecture and
 * weights up to the cut (which names the cut layer) and of the dataset's fingerprint (shape, labels and every
 * sample value), so a changed model, cut or dataset never reads stale features. Files are written atomically;
 * a cache file that cannot be read is ignored and rewritten.
 */
public final class FeatureCache {
    private final Path dir;

    public FeatureCache(Path dir) {
        this.dir = dir;
    }

    public Path dir() {
        return dir;
    }

    /** Where {@code convnet4j transfer} keeps features unless told otherwise: ~/.cache/convnet4j/features. */
    public static Path defaultFolder() {
        return Path.of(System.getProperty("user.home"), ".cache", "convnet4j", "features");
    }

    /** The cached features of {@code network} on {@code data}, extracting and saving them on a miss. */
    public Features features(Sequential network, Dataset data, int batchSize, FeatureExtractor.Progress progress)
            throws IOException {
        Path file = dir.resolve("features-" + key(network, data).substring(0, 32) + ".safetensors");
        if (Files.isRegularFile(file)) {
            try {
                Features f = read(file, data);
                progress.update(data.size(), data.size());
                return f;
            } catch (IOException | RuntimeException e) {
                // a damaged cache entry is only a lost shortcut: extract again below and overwrite it
            }
        }
        Features f = FeatureExtractor.extract(network, data, batchSize, progress);
        Files.createDirectories(dir);
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put("features", Tensor.wrap(f.values(), f.size(), f.dim()));
        float[] labels = new float[f.size()];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = f.labels()[i];
        }
        tensors.put("labels", Tensor.wrap(labels, f.size()));
        SafeTensors.write(file, tensors, Map.of("format", "convnet4j-features"));
        return f;
    }

    private static Features read(Path file, Dataset data) throws IOException {
        Map<String, Tensor> t = SafeTensors.read(file).tensors();
        Tensor x = t.get("features");
        Tensor y = t.get("labels");
        if (x == null || y == null || x.rank() != 2 || x.dim(0) != data.size() || y.size() != data.size()) {
            throw new IOException(file + ": not a feature cache of this dataset");
        }
        int[] labels = new int[y.size()];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = Math.round(y.data()[i]);
        }
        return new Features(x.data(), x.dim(1), labels, data.classNames());
    }

    /** Hex SHA-256 of the network (architecture + weights) and the dataset's fingerprint. */
    public static String key(Sequential network, Dataset data) {
        MessageDigest d = Digests.sha256();
        d.update(Json.toCompact(Json.toTree(ModelSpec.toMap(network))).getBytes(StandardCharsets.UTF_8));
        network.stateDict().forEach((name, tensor) -> {
            d.update(name.getBytes(StandardCharsets.UTF_8));
            update(d, tensor.data(), tensor.size());
        });
        d.update(fingerprint(data));
        return Digests.hex(d);
    }

    /** SHA-256 of a dataset's sample shape, size, class names, labels and sample values. */
    public static byte[] fingerprint(Dataset data) {
        MessageDigest d = Digests.sha256();
        d.update(data.sampleShape().toString().getBytes(StandardCharsets.UTF_8));
        d.update(String.valueOf(data.classNames()).getBytes(StandardCharsets.UTF_8));
        int n = data.sampleShape().size();
        float[] sample = new float[n];
        ByteBuffer label = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < data.size(); i++) {
            data.copySample(i, sample, 0);
            update(d, sample, n);
            label.clear();
            label.putInt(data.label(i));
            d.update(label.array());
        }
        return d.digest();
    }

    private static void update(MessageDigest d, float[] values, int count) {
        ByteBuffer b = ByteBuffer.allocate(4 * Math.min(count, 4096)).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < count; ) {
            b.clear();
            int m = Math.min(count - i, 4096);
            for (int j = 0; j < m; j++) {
                b.putFloat(values[i + j]);
            }
            d.update(b.array(), 0, 4 * m);
            i += m;
        }
    }
}

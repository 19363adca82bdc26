package org.convnet4j.spark;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.storage.StorageLevel;
import org.convnet4j.data.Dataset;
import org.convnet4j.data.Datasets;
import org.convnet4j.model.Preprocessing;
import org.convnet4j.tensor.Shape;

/**
 * Training or validation pictures decoded and cached on the executors, cut into contiguous shards (one per
 * partition) of the dataset's sample order.
 *
 * <p>What the driver ships is a recipe per shard, as a broadcast: for a {@link PictureFolder} (also behind splits and
 * {@code --limit} views) the file names and labels — the executors read and decode the files themselves; for any
 * other dataset (Fashion-MNIST, arrays in memory) the samples' values, as bytes when they are exactly
 * {@code byte / 255} (4x smaller) and as floats otherwise. The decoded shards are cached on the executors
 * ({@code MEMORY_AND_DISK}); the lineage stays intact (a partition number → its recipe → decoded samples), so when an
 * executor dies, Spark rebuilds its shards on another one from the recipe (the broadcast blocks live on the driver),
 * and training goes on.
 */
public final class ExecutorPictures {
    private final JavaRDD<Shard> shards;
    private final List<? extends Broadcast<?>> recipes;
    private final int size;

    private ExecutorPictures(JavaRDD<Shard> shards, List<? extends Broadcast<?>> recipes, int size) {
        this.shards = shards;
        this.recipes = recipes;
        this.size = size;
    }

    /** Ships {@code data} in {@code partitions} shards and caches them on the executors (lazily, at first use). */
    public static ExecutorPictures of(JavaSparkContext jsc, Dataset data, int partitions) {
        Datasets.Source source = Datasets.source(data);
        if (source.base() instanceof PictureFolder folder && folder.decodedCache() != null) {
            return fromCheckPass(jsc, data, source, folder.decodedCache());
        }
        int n = data.size();
        int parts = Math.max(1, Math.min(partitions, n));
        List<Broadcast<Recipe>> recipes = new ArrayList<>();
        for (int p = 0; p < parts; p++) {
            int from = (int) ((long) n * p / parts);
            int to = (int) ((long) n * (p + 1) / parts);
            recipes.add(jsc.broadcast(recipe(data, source, from, to)));
        }
        List<Integer> ids = new ArrayList<>();
        for (int p = 0; p < parts; p++) {
            ids.add(p);
        }
        // partitions carry only their number; the recipe comes from the broadcast, the decoded shard is cached
        List<Broadcast<Recipe>> r = List.copyOf(recipes);
        JavaRDD<Shard> shards = jsc.parallelize(ids, parts)
                .map(p -> r.get(p).value().decode())
                .persist(StorageLevel.MEMORY_AND_DISK());
        return new ExecutorPictures(shards, recipes, n);
    }

    /**
     * Shards of a view of a folder that {@link PictureFolder#decodable} checked: shard p holds the view's samples whose
     * pictures the check pass cached in its partition p, and shares that cache's values (narrow dependency, nothing
     * decoded again or copied; a lost partition is decoded again from its files).
     */
    private static ExecutorPictures fromCheckPass(JavaSparkContext jsc, Dataset data, Datasets.Source source,
                                                  PictureFolder.DecodedCache cache) {
        int parts = cache.rdd().getNumPartitions();
        List<List<int[]>> members = new ArrayList<>();
        for (int p = 0; p < parts; p++) {
            members.add(new ArrayList<>());
        }
        for (int i = 0; i < data.size(); i++) {
            int b = source.indices()[i];
            members.get(cache.partition()[b]).add(new int[] {i, cache.row()[b], data.label(i)});
        }
        List<Layout> layouts = new ArrayList<>();
        for (List<int[]> m : members) {
            layouts.add(new Layout(m.stream().mapToInt(v -> v[0]).toArray(), m.stream().mapToInt(v -> v[1]).toArray(),
                    m.stream().mapToInt(v -> v[2]).toArray()));
        }
        Broadcast<List<Layout>> l = jsc.broadcast(List.copyOf(layouts));
        int[] dims = data.sampleShape().dims();
        JavaRDD<Shard> shards = cache.rdd().mapPartitionsWithIndex((p, it) -> {
            Layout mine = l.value().get(p);
            return List.of(new Shard(mine.indices(), mine.rows(), dims, it.next().x(), mine.labels())).iterator();
        }, true);
        return new ExecutorPictures(shards, List.of(l), data.size());
    }

    /** Which samples of a view a shard cut from the check pass's cache holds, and where. */
    private record Layout(int[] indices, int[] rows, int[] labels) implements Serializable {
    }

    /** The cached shards, one per partition, in sample order. */
    public JavaRDD<Shard> shards() {
        return shards;
    }

    public int size() {
        return size;
    }

    /** Drops the cached shards and the recipes. */
    public void release() {
        shards.unpersist(false);
        recipes.forEach(b -> b.destroy());
    }

    private static Recipe recipe(Dataset data, Datasets.Source source, int from, int to) {
        int count = to - from;
        int[] labels = new int[count];
        for (int i = 0; i < count; i++) {
            labels[i] = data.label(from + i);
        }
        int[] dims = data.sampleShape().dims();
        if (source.base() instanceof PictureFolder folder) {
            String[] files = new String[count];
            for (int i = 0; i < count; i++) {
                files[i] = folder.file(source.indices()[from + i]);
            }
            return new Recipe(from, dims, labels, files, Prep.of(folder.preprocessing()), folder.conf(), null, null);
        }
        int per = data.sampleShape().size();
        float[] x = new float[Math.multiplyExact(count, per)];
        for (int i = 0; i < count; i++) {
            data.copySample(from + i, x, i * per);
        }
        byte[] bytes = asBytes(x);
        return new Recipe(from, dims, labels, null, null, null, bytes, bytes == null ? x : null);
    }

    /** The values as bytes when every one is exactly {@code b / 255f} for a byte b (8-bit pictures scaled to 0..1). */
    private static byte[] asBytes(float[] x) {
        byte[] b = new byte[x.length];
        for (int i = 0; i < x.length; i++) {
            int v = Math.round(x[i] * 255f);
            if (v < 0 || v > 255 || Float.floatToIntBits(v / 255f) != Float.floatToIntBits(x[i])) {
                return null;
            }
            b[i] = (byte) v;
        }
        return b;
    }

    /** What the executors need to make the samples [from, from + labels.length): files, or the values themselves. */
    record Recipe(int from, int[] dims, int[] labels, String[] files, Prep prep, SerializableHadoopConf conf,
                  byte[] bytes, float[] floats) implements Serializable {
        Shard decode() {
            int per = Shape.of(dims).size();
            float[] x;
            if (files != null) {
                x = new float[Math.multiplyExact(files.length, per)];
                Preprocessing p = prep.toPreprocessing();
                for (int i = 0; i < files.length; i++) {
                    float[] s = PictureFolder.decode(files[i], p, conf.get());
                    System.arraycopy(s, 0, x, i * per, per);
                }
            } else if (bytes != null) {
                x = new float[bytes.length];
                for (int i = 0; i < x.length; i++) {
                    x[i] = (bytes[i] & 0xff) / 255f;
                }
            } else {
                x = floats;
            }
            return Shard.contiguous(from, labels.length, dims, x, labels);
        }
    }

    /** {@link Preprocessing}'s parts (the record itself is not serialisable). */
    record Prep(int channels, int height, int width, float scale, float[] mean, float[] std, boolean bgr,
                int resizeShorter, Preprocessing.Resampling resampling) implements Serializable {
        static Prep of(Preprocessing p) {
            return new Prep(p.channels(), p.height(), p.width(), p.scale(), p.mean(), p.std(), p.bgr(), p.resizeShorter(),
                    p.resampling());
        }

        Preprocessing toPreprocessing() {
            return new Preprocessing(channels, height, width, scale, mean, std, bgr, resizeShorter, resampling);
        }
    }

    /**
     * One partition's samples of the dataset, decoded: {@code indices} (ascending) are their sample indices, sample j
     * is row {@code rows[j]} of {@code x} (a contiguous shard has rows 0..n-1; a shard cut from the check pass's cached
     * pictures shares that cache's array) with label {@code labels[j]}.
     */
    public record Shard(int[] indices, int[] rows, int[] dims, float[] x, int[] labels) implements Serializable {
        static Shard contiguous(int start, int count, int[] dims, float[] x, int[] labels) {
            int[] idx = new int[count];
            int[] rows = new int[count];
            for (int j = 0; j < count; j++) {
                idx[j] = start + j;
                rows[j] = j;
            }
            return new Shard(idx, rows, dims, x, labels);
        }

        Shape sampleShape() {
            return Shape.of(dims);
        }

        public int count() {
            return indices.length;
        }

        /** Where sample {@code index} of the dataset is in this shard, or a negative number if it is not here. */
        int position(int index) {
            return java.util.Arrays.binarySearch(indices, index);
        }

        /** Copies the values of the shard's sample {@code j} to {@code dest} at {@code offset}. */
        void copy(int j, float[] dest, int offset) {
            int per = sampleShape().size();
            System.arraycopy(x, rows[j] * per, dest, offset, per);
        }
    }
}

package org.convnet4j.spark;

import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;
import org.convnet4j.data.Dataset;
import org.convnet4j.nn.Sequential;
import org.convnet4j.run.SavedFeatureStatistics;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.transfer.FeatureStatistics;
import org.convnet4j.transfer.GraphChain;

/**
 * The feature statistics of a saved model ({@link SavedFeatureStatistics}) computed on the executors: the sample
 * {@link FeatureStatistics#sample} chooses is shipped as an {@link ExecutorPictures} recipe (a picture folder's file
 * names; the driver reads no picture), the model file as a broadcast; each task runs its shard through the cut
 * network in batches and returns per-feature sums and sums of squares (doubles), which the driver adds up in shard
 * order. Same values as {@link FeatureStatistics#compute} within float rounding (the forward pass sees other batch
 * boundaries, the sums are taken in another grouping). {@link SparkTrainer} uses it, so a {@code TrainingRun} with
 * Spark as its engine writes the statistics without a driver pass over the pictures.
 */
public final class SparkFeatureStatistics implements SavedFeatureStatistics.Computer {
    private static final int BATCH = 256;
    private final SparkSession spark;
    private final int partitions;

    /** Computes over {@code partitions} shards. */
    public SparkFeatureStatistics(SparkSession spark, int partitions) {
        if (partitions < 1) {
            throw new IllegalArgumentException("SparkFeatureStatistics: partitions must be >= 1, got " + partitions);
        }
        this.spark = spark;
        this.partitions = partitions;
    }

    @Override
    public List<FeatureStatistics> compute(Path file, Sequential chain, List<String> layers, Dataset train,
                                           int samples) throws IOException {
        Dataset d = FeatureStatistics.sample(train, samples);
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        Broadcast<ModelBytes> model = jsc.broadcast(ModelBytes.trusted(Files.readAllBytes(file), file.toString()));
        ExecutorPictures pictures = ExecutorPictures.of(jsc, d, partitions);
        try {
            List<Sums> parts = pictures.shards().map(new ShardSums(model, List.copyOf(layers))).collect();
            List<FeatureStatistics> out = new ArrayList<>();
            for (int l = 0; l < layers.size(); l++) {
                int dim = parts.get(0).sum()[l].length;
                double[] sum = new double[dim];
                double[] sq = new double[dim];
                long n = 0;
                for (Sums p : parts) { // in shard order: the same result on every run
                    n += p.count();
                    for (int j = 0; j < dim; j++) {
                        sum[j] += p.sum()[l][j];
                        sq[j] += p.sq()[l][j];
                    }
                }
                double[] mean = new double[dim];
                double[] var = new double[dim];
                for (int j = 0; j < dim; j++) { // FeatureStatistics.ofRows' formula
                    mean[j] = sum[j] / n;
                    var[j] = Math.max(0, sq[j] / n - mean[j] * mean[j]);
                }
                out.add(new FeatureStatistics(layers.get(l), n, mean, var));
            }
            return out;
        } finally {
            pictures.release();
            model.destroy();
        }
    }

    /** Per layer, per feature: sum and sum of squares over a shard's samples. */
    record Sums(long count, double[][] sum, double[][] sq) implements Serializable {
    }

    /** A task: the shard's samples through each cut network. */
    private static final class ShardSums implements org.apache.spark.api.java.function.Function<ExecutorPictures.Shard,
            Sums> {
        private static final long serialVersionUID = 1L;
        private final Broadcast<ModelBytes> model;
        private final List<String> layers;

        ShardSums(Broadcast<ModelBytes> model, List<String> layers) {
            this.model = model;
            this.layers = layers;
        }

        @Override
        public Sums call(ExecutorPictures.Shard s) {
            double[][] sum = new double[layers.size()][];
            double[][] sq = new double[layers.size()][];
            int per = s.sampleShape().size();
            for (int l = 0; l < layers.size(); l++) {
                String layer = layers.get(l);
                Sequential net = ExecutorModels.borrow(model, "feature-statistics/" + layer, saved ->
                        FeatureStatistics.network(GraphChain.asSequential(saved.model(), model.value().origin()),
                                layer));
                int dim = net.outputShape().size();
                sum[l] = new double[dim];
                sq[l] = new double[dim];
                for (int from = 0; from < s.count(); from += BATCH) {
                    int n = Math.min(BATCH, s.count() - from);
                    int[] dims = new int[s.dims().length + 1];
                    dims[0] = n;
                    System.arraycopy(s.dims(), 0, dims, 1, s.dims().length);
                    float[] values = new float[n * per];
                    for (int j = 0; j < n; j++) {
                        s.copy(from + j, values, j * per);
                    }
                    Tensor x = Tensor.wrap(values, dims);
                    float[] y = net.predict(x).data();
                    for (int i = 0; i < n; i++) {
                        for (int j = 0; j < dim; j++) {
                            double v = y[i * dim + j];
                            sum[l][j] += v;
                            sq[l][j] += v * v;
                        }
                    }
                }
            }
            return new Sums(s.count(), sum, sq);
        }
    }
}

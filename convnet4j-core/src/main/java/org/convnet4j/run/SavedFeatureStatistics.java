package org.convnet4j.run;

import org.convnet4j.internal.json.Json;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.convnet4j.checkpoint.Checkpoint;
import org.convnet4j.data.Dataset;
import org.convnet4j.model.ModelFiles;
import org.convnet4j.nn.Model;
import org.convnet4j.nn.Sequential;
import org.convnet4j.transfer.FeatureStatistics;
import org.convnet4j.transfer.GraphChain;

/**
 * Adds the penultimate feature statistics of a saved model on (a sample of) its training data to the model file,
 * so that {@code advise --base FILE} can measure how far a target's features shift (as {@code experiment transfer}
 * does for its base). The file is rewritten through {@link Checkpoint#save} (temporary file, then rename).
 */
public final class SavedFeatureStatistics {
    /** Training images used at most: enough for stable means and variances, a second or two on a CPU. */
    public static final int SAMPLES = 2000;

    private SavedFeatureStatistics() {
    }

    /**
     * How the statistics of a saved model are computed: {@link #IN_PROCESS} by default; a distributed engine (such as
     * convnet4j-spark's {@code SparkTrainer}, which implements this) computes them where the pictures are.
     */
    @FunctionalInterface
    public interface Computer {
        /**
         * The statistics of each of {@code layers} (a layer of {@code chain}, or {@link FeatureStatistics#INPUT})
         * over the samples {@link FeatureStatistics#sample}{@code (train, samples)} chooses; {@code chain} is the
         * model saved in {@code file} as a chain of layers. Must give {@link FeatureStatistics#compute}'s values
         * within float rounding.
         */
        List<FeatureStatistics> compute(Path file, Sequential chain, List<String> layers, Dataset train, int samples)
                throws IOException;
    }

    /** {@link FeatureStatistics#compute} in this process, one layer after the other. */
    public static final Computer IN_PROCESS = (file, chain, layers, train, samples) ->
            layers.stream().map(l -> FeatureStatistics.compute(chain, l, train, samples)).toList();

    /** The statistics written into {@code file}, or null if the model has no Dense head to take them before. */
    public static FeatureStatistics addTo(Path file, Dataset train, int samples) throws IOException {
        return addTo(file, train, samples, IN_PROCESS);
    }

    /** {@link #addTo(Path, Dataset, int)} with the statistics computed by {@code computer}. */
    public static FeatureStatistics addTo(Path file, Dataset train, int samples, Computer computer) throws IOException {
        Checkpoint c = Checkpoint.load(file);
        Model model = ModelFiles.fromCheckpoint(c, file.toString()).model();
        Sequential chain;
        String layer;
        try {
            chain = GraphChain.asSequential(model, file.toString());
            layer = FeatureStatistics.penultimateLayer(chain);
        } catch (IllegalArgumentException e) {
            return null; // e.g. a fully convolutional model: no penultimate features to describe
        }
        // pixel statistics too: the advisor's similarity measure (see TransferAdvisor)
        List<FeatureStatistics> both = computer.compute(file, chain, List.of(layer, FeatureStatistics.INPUT), train,
                samples);
        FeatureStatistics stats = both.get(0);
        JsonObject d = Json.parseObject(c.description(), file + ": description");
        d.add(FeatureStatistics.KEY, Json.parseObject(stats.toJson(), "feature statistics"));
        d.add(FeatureStatistics.INPUT_KEY, Json.parseObject(both.get(1).toJson(), "feature statistics"));
        Checkpoint.save(file, new Checkpoint(c.parameters(), c.optimizerState(), Json.toCompact(d)));
        return stats;
    }
}

package org.convnet4j.run;

import org.convnet4j.internal.json.Json;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Path;
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

    /** The statistics written into {@code file}, or null if the model has no Dense head to take them before. */
    public static FeatureStatistics addTo(Path file, Dataset train, int samples) throws IOException {
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
        FeatureStatistics stats = FeatureStatistics.compute(chain, layer, train, samples);
        JsonObject d = Json.parseObject(c.description(), file + ": description");
        d.add(FeatureStatistics.KEY, Json.parseObject(stats.toJson(), "feature statistics"));
        // pixel statistics too: the advisor's similarity measure (see TransferAdvisor)
        d.add(FeatureStatistics.INPUT_KEY, Json.parseObject(
                FeatureStatistics.compute(chain, FeatureStatistics.INPUT, train, samples).toJson(), "feature statistics"));
        Checkpoint.save(file, new Checkpoint(c.parameters(), c.optimizerState(), Json.toCompact(d)));
        return stats;
    }
}

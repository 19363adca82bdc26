package org.convnet4j.transfer;

import org.convnet4j.internal.json.Json;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.List;
import org.convnet4j.data.Dataset;
import org.convnet4j.nn.Layer;
import org.convnet4j.nn.Sequential;
import org.convnet4j.nn.layers.Dense;

/**
 * Mean and variance of each feature a network's layer produces over a dataset: a summary of "what the network
 * sees" in its training data, saved in the checkpoint under {@value #KEY} when a base model is trained, so the
 * advisor can later measure how far a target dataset is from it without the original data.
 *
 * <p>{@link #shift} compares two summaries: the diagonal Fréchet distance between the two feature
 * distributions taken as Gaussians with diagonal covariance, relative to the source's spread,
 * {@code sqrt(sum_j [(mu_t - mu_s)^2 + (sd_t - sd_s)^2] / sum_j var_s)}: 0 for identical statistics, about 1 when
 * the target's features move by as much as the source's features vary.
 */
public record FeatureStatistics(String layer, long count, double[] mean, double[] variance) {
    public static final String KEY = "feature_stats";
    /** Key of the pixel statistics (the model's input) in a model file's description. */
    public static final String INPUT_KEY = "input_stats";
    /** The "layer" of pixel statistics: the model's input as it is fed (preprocessed), flattened. */
    public static final String INPUT = "input";

    public FeatureStatistics {
        if (mean.length != variance.length || mean.length == 0) {
            throw new IllegalArgumentException("feature statistics: " + mean.length + " means and " + variance.length
                    + " variances");
        }
    }

    /** The layer before the last Dense (the classifier head): the penultimate features. */
    public static String penultimateLayer(Sequential model) {
        List<Layer> layers = model.layers();
        for (int i = layers.size() - 1; i > 0; i--) {
            if (layers.get(i) instanceof Dense) {
                return layers.get(i - 1).name();
            }
        }
        throw new IllegalArgumentException("feature statistics: model '" + model.name() + "' has no Dense head");
    }

    /** Statistics of {@code layer}'s output over (at most {@code limit} samples of) {@code data}. */
    public static FeatureStatistics compute(Sequential model, String layer, Dataset data, int limit) {
        Dataset d = sample(data, limit);
        Features f = FeatureExtractor.extract(network(model, layer), d, 256, FeatureExtractor.Progress.NONE);
        return of(layer, f);
    }

    /**
     * The samples {@link #compute} describes: all of {@code data}, or (when {@code limit} is positive and smaller) a
     * seeded choice of {@code limit} of them, as a view (nothing is read).
     */
    public static Dataset sample(Dataset data, int limit) {
        return limit > 0 && limit < data.size() ? org.convnet4j.data.Datasets.subset(
                org.convnet4j.data.Datasets.shuffle(data, 7), limit) : data;
    }

    /** The network whose output the statistics describe: the model cut at {@code layer}, or {@link #INPUT}'s identity. */
    public static Sequential network(Sequential model, String layer) {
        if (INPUT.equals(layer) && model.indexOf(INPUT) < 0) {
            return new Sequential(model.inputShapes().get(0), new org.convnet4j.nn.layers.Flatten().named("input_flat"));
        }
        return Transfer.cutAt(model, layer);
    }

    /** Per-feature mean and (population) variance of feature rows. */
    public static FeatureStatistics of(String layer, Features f) {
        int[] all = new int[f.size()];
        for (int i = 0; i < all.length; i++) {
            all[i] = i;
        }
        return ofRows(layer, f.values(), f.dim(), all);
    }

    /**
     * Per-feature mean and (population) variance of the given rows of a row-major {@code values} matrix with
     * {@code dim} columns; a row may be given more than once (a bootstrap resample).
     */
    public static FeatureStatistics ofRows(String layer, float[] values, int dim, int[] rows) {
        double[] mean = new double[dim];
        double[] m2 = new double[dim];
        for (int i : rows) {
            for (int j = 0; j < dim; j++) {
                double v = values[i * dim + j];
                mean[j] += v;
                m2[j] += v * v;
            }
        }
        double[] var = new double[dim];
        for (int j = 0; j < dim; j++) {
            mean[j] /= rows.length;
            var[j] = Math.max(0, m2[j] / rows.length - mean[j] * mean[j]);
        }
        return new FeatureStatistics(layer, rows.length, mean, var);
    }

    /**
     * How far {@code target}'s features lie from these (the source's), as described in the class comment. The
     * squared mean difference of a sample of n pictures overstates the true one by the sampling variance of the
     * means, var_t / n + var_s / n_s; that much is subtracted (the sum stays at least 0), so that a small sample
     * of the same data does not look further away than a large one.
     */
    public double shift(FeatureStatistics target) {
        if (target.mean.length != mean.length) {
            throw new IllegalArgumentException("feature statistics: " + mean.length + " source features against "
                    + target.mean.length + " target features");
        }
        double num = 0;
        double den = 0;
        for (int j = 0; j < mean.length; j++) {
            double dm = target.mean[j] - mean[j];
            double ds = Math.sqrt(target.variance[j]) - Math.sqrt(variance[j]);
            num += dm * dm - target.variance[j] / Math.max(1, target.count) - variance[j] / Math.max(1, count) + ds * ds;
            den += variance[j];
        }
        return Math.sqrt(Math.max(0, num) / Math.max(den, 1e-12));
    }

    /** Layer, count, mean and variance as compact JSON text (an object; {@link #fromJson} reads it). */
    public String toJson() {
        JsonObject o = new JsonObject();
        o.addProperty("layer", layer);
        o.addProperty("count", count);
        o.add("mean", array(mean));
        o.add("var", array(variance));
        return Json.toCompact(o);
    }

    /** Reads {@link #toJson}'s form; {@code what} names the source in error messages. */
    public static FeatureStatistics fromJson(String json, String what) {
        JsonObject o = Json.parseObject(json, what + ": feature statistics");
        try {
            return new FeatureStatistics(o.get("layer").getAsString(), o.get("count").getAsLong(),
                    doubles(o.get("mean")), doubles(o.get("var")));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(what + ": feature statistics are malformed (" + e.getMessage() + ")", e);
        }
    }

    /**
     * The statistics saved under {@code key} ({@link #KEY} or {@link #INPUT_KEY}) in a model file's description
     * (JSON text, e.g. {@code SavedModel.description()}); empty when the file has none.
     */
    public static java.util.Optional<FeatureStatistics> savedIn(String descriptionJson, String key, String what) {
        JsonObject d = Json.parseObject(descriptionJson, what + ": description");
        if (!d.has(key) || !d.get(key).isJsonObject()) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of(fromJson(Json.toCompact(d.get(key)), what));
    }

    /**
     * The statistics the advisor measures a target's similarity with, from a model file's description (JSON text,
     * e.g. {@code SavedModel.description()}): its pixel statistics ({@link #INPUT_KEY}) when it has them, else its
     * penultimate feature statistics ({@link #KEY}); empty when it has neither (as {@code advise --base} reads them).
     */
    public static java.util.Optional<FeatureStatistics> savedIn(String descriptionJson, String what) {
        java.util.Optional<FeatureStatistics> pixels = savedIn(descriptionJson, INPUT_KEY, what);
        return pixels.isPresent() ? pixels : savedIn(descriptionJson, KEY, what);
    }

    private static JsonArray array(double[] v) {
        JsonArray a = new JsonArray();
        for (double x : v) {
            a.add((float) x);
        }
        return a;
    }

    private static double[] doubles(JsonElement e) {
        JsonArray a = e.getAsJsonArray();
        double[] v = new double[a.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = a.get(i).getAsDouble();
        }
        return v;
    }
}

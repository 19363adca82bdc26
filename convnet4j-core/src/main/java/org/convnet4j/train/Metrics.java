package org.convnet4j.train;

import org.convnet4j.internal.json.Json;
import org.convnet4j.tensor.RowOps;
import com.google.gson.JsonObject;
import java.util.List;
import java.util.Locale;
import org.convnet4j.tensor.Tensor;

/**
 * Classification results accumulated over batches: mean loss, accuracy, top-k accuracy and a
 * {@link ConfusionMatrix}. The predicted class is the arg-max of a sample's outputs (first one on ties);
 * a sample counts as top-k correct when fewer than k classes score strictly higher than its true class.
 */
public final class Metrics {
    private final ConfusionMatrix confusion;
    private final long[] rankCounts; // rankCounts[r] = samples whose true class had r classes scoring above it
    private double lossSum;
    private long lossCount;
    private long count;

    public Metrics(List<String> classNames) {
        this.confusion = new ConfusionMatrix(classNames);
        this.rankCounts = new long[classNames.size()];
    }

    /** Adds a batch of outputs [N, K] (K = number of classes: logits or probabilities) and labels. */
    public void add(Tensor outputs, int[] labels) {
        int k = rankCounts.length;
        if (outputs.rank() != 2 || outputs.dim(1) != k || outputs.dim(0) != labels.length) {
            throw new IllegalArgumentException("Metrics: expected outputs [" + labels.length + ", " + k
                    + "] for " + labels.length + " labels and " + k + " classes, got " + outputs.shape());
        }
        float[] o = outputs.data();
        for (int i = 0; i < labels.length; i++) {
            int row = i * k;
            confusion.add(labels[i], RowOps.argmax(o, row, k));
            float truth = o[row + labels[i]];
            int above = 0;
            for (int j = 0; j < k; j++) {
                if (o[row + j] > truth) {
                    above++;
                }
            }
            rankCounts[above]++;
            count++;
        }
    }

    /** Adds a batch's mean loss, weighted by its number of samples. */
    public void addLoss(double meanLoss, int samples) {
        lossSum += meanLoss * samples;
        lossCount += samples;
    }

    /** Samples added through {@link #add}. */
    public long count() {
        return count;
    }

    /** Mean loss per sample; NaN if no loss was added. */
    public double loss() {
        return lossCount == 0 ? Double.NaN : lossSum / lossCount;
    }

    public double accuracy() {
        return confusion.accuracy();
    }

    /** Fraction of samples whose true class is among the k highest outputs; NaN if empty. */
    public double topKAccuracy(int k) {
        if (k < 1) {
            throw new IllegalArgumentException("Metrics.topKAccuracy: k must be >= 1, got " + k);
        }
        if (count == 0) {
            return Double.NaN;
        }
        long hits = 0;
        for (int r = 0; r < Math.min(k, rankCounts.length); r++) {
            hits += rankCounts[r];
        }
        return (double) hits / count;
    }

    public ConfusionMatrix confusion() {
        return confusion;
    }

    /** Samples, loss, accuracy, top-5 accuracy and the confusion matrix as compact JSON text (an object). */
    public String toJson() {
        return Json.toCompact(tree());
    }

    JsonObject tree() {
        JsonObject o = new JsonObject();
        o.addProperty("samples", count);
        if (lossCount > 0) {
            o.addProperty("loss", loss());
        }
        o.addProperty("accuracy", accuracy());
        if (rankCounts.length > 5) {
            o.addProperty("top5_accuracy", topKAccuracy(5));
        }
        o.add("confusion", confusion.tree());
        return o;
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "samples %d", count));
        if (lossCount > 0) {
            b.append(String.format(Locale.ROOT, "  loss %.4f", loss()));
        }
        b.append(String.format(Locale.ROOT, "  accuracy %.4f", accuracy()));
        if (rankCounts.length > 5) {
            b.append(String.format(Locale.ROOT, "  top-5 %.4f", topKAccuracy(5)));
        }
        b.append(String.format(Locale.ROOT, "  macro F1 %.4f%n%n", confusion.macroF1()));
        b.append(confusion);
        return b.toString();
    }
}

package org.convnet4j.run;

import java.util.Locale;
import java.util.Objects;
import com.google.gson.JsonObject;
import org.convnet4j.data.Dataset;
import org.convnet4j.internal.json.Json;
import org.convnet4j.nn.Model;
import org.convnet4j.nn.ModelSummary;
import org.convnet4j.train.Metrics;
import org.convnet4j.train.Trainer;
import org.convnet4j.train.loss.SoftmaxCrossEntropy;
import org.convnet4j.util.MemoryBudget;

/**
 * What {@code convnet4j evaluate} measures and prints, as a library call: a model's loss (softmax cross-entropy),
 * accuracy, top-k accuracy, confusion matrix and per-class precision/recall/F1 on test data whose labels are the
 * model's outputs (for a saved model, make them so with {@link org.convnet4j.dataspec.ClassNames#forModel}).
 *
 * @param model the model's name in the report (a file, a URL)
 * @param data the data's name in the report (a spec, a folder)
 */
public record EvaluationReport(String model, String data, int samples, int topK, Metrics metrics) {
    public EvaluationReport {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(data, "data");
        Objects.requireNonNull(metrics, "metrics");
    }

    /**
     * Runs {@code net} over {@code test} in batches of {@code batch}.
     *
     * @throws IllegalArgumentException batch below 1, top k outside 1 .. the number of classes, or a batch whose
     *     forward pass would not fit the memory budget ({@link MemoryBudget.SettingTooLargeException}, starting with
     *     {@code "batch B: "})
     */
    public static EvaluationReport run(Model net, String model, Dataset test, String data, int batch, int topK) {
        if (batch < 1) {
            throw new IllegalArgumentException("batch: must be at least 1, got " + batch);
        }
        if (topK < 1 || topK > test.numClasses()) {
            throw new IllegalArgumentException("top k: " + topK + " is not between 1 and the " + test.numClasses()
                    + " classes");
        }
        // what a forward pass over one batch keeps (no larger than the data), before any is allocated
        int effective = Math.max(1, Math.min(batch, test.size()));
        MemoryBudget.requireSetting("batch " + batch, "a forward pass of " + effective + " pictures",
                ModelSummary.of(net).inferenceMemoryBytes(effective));
        Metrics m = Trainer.evaluate(net, test, batch, new SoftmaxCrossEntropy());
        return new EvaluationReport(model, data, test.size(), topK, m);
    }

    /** The metrics' JSON ({@link Metrics#toJson()}) with {@code model}, {@code data}, {@code top_k} and its accuracy. */
    public String toJson() {
        JsonObject o = Json.parseObject(metrics.toJson(), "metrics");
        o.addProperty("model", model);
        o.addProperty("data", data);
        o.addProperty("top_k", topK);
        o.addProperty("top_k_accuracy", metrics.topKAccuracy(topK));
        return Json.toCompact(o);
    }

    /**
     * Two lines ({@code MODEL on DATA (N pictures)}; loss, accuracy, top-k accuracy, macro F1), an empty line, then
     * the confusion matrix with precision, recall and F1 per class.
     */
    public String text() {
        return String.format(Locale.ROOT, "%s on %s (%d pictures)%n", model, data, samples)
                + String.format(Locale.ROOT, "loss %.4f  accuracy %.4f  top-%d accuracy %.4f  macro F1 %.4f%n%n",
                        metrics.loss(), metrics.accuracy(), topK, metrics.topKAccuracy(topK),
                        metrics.confusion().macroF1())
                + metrics.confusion();
    }
}

package org.convnet4j.transfer;

import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import org.convnet4j.internal.json.Json;
import org.convnet4j.model.ModelFiles;
import org.convnet4j.model.Preprocessing;
import org.convnet4j.model.RawJson;

/**
 * What one transfer run did, as {@code convnet4j transfer} reports it: the JSON object of {@code --json} (case,
 * base, data, rates, both phases and the refit from {@link TransferHistory} with each phase's own per-epoch
 * {@code history}, the epoch kept and why and whether the tuning was kept over the head and why, the whole run's
 * per-epoch {@code history} numbered on, for Case 1 its classifier's fit as one phase of one row with the training
 * loss and accuracy, frozen and trained layers, sizes, test accuracy, seconds, the output file),
 * the same object without the epochs as stored in the saved model's description, and the one-line summary. The
 * command only prints these.
 *
 * @param outcome      the run ({@link TransferRun#run})
 * @param base         how the base was named (file or zoo name)
 * @param data         the data spec
 * @param classifier   Case 1's shallow classifier (ignored for the other cases)
 * @param trainSamples training pictures
 * @param testSamples  held-out pictures
 * @param out          the model file written
 * @param advice       what chose the case ({@code transfer --case auto}, {@link AutoTransfer}), or null: given, it is
 *                     the {@code advice} object of both JSON objects ({@link AdviceReport#toJson()})
 */
public record TransferReport(TransferRun.Outcome outcome, String base, String data, String classifier,
                             int trainSamples, int testSamples, String out, AdviceReport advice) {
    /** A run whose case was given ({@code transfer --case N}): no advice. */
    public TransferReport(TransferRun.Outcome outcome, String base, String data, String classifier, int trainSamples,
                          int testSamples, String out) {
        this(outcome, base, data, classifier, trainSamples, testSamples, out, null);
    }

    /**
     * What a run is about to do, before it starts: "base B, data D: N training pictures (K per class), M held out"
     * (the base marked when it is a zoo architecture with random weights), then the plan's summary, which starts
     * with the case's name, and Case 1's classifier.
     */
    public static String header(TransferPlan plan, String base, boolean pretrained, String data,
                                org.convnet4j.data.Dataset train, org.convnet4j.data.Dataset test, String classifier) {
        return header(plan, base, pretrained, data, train, test, classifier, FineTuneSettings.defaults().headFit());
    }

    /** As {@link #header(TransferPlan, String, boolean, String, org.convnet4j.data.Dataset, org.convnet4j.data.Dataset, String)}, with phase 1 described as {@code headFit} does it. */
    public static String header(TransferPlan plan, String base, boolean pretrained, String data,
                                org.convnet4j.data.Dataset train, org.convnet4j.data.Dataset test, String classifier,
                                FineTuneSettings.HeadFit headFit) {
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT,
                "base %s%s, data %s: %d training pictures (%.0f per class), %d held out%n", base,
                pretrained ? "" : " (zoo architecture, random weights)", data, train.size(),
                train.size() / (double) train.numClasses(), test.size()));
        b.append(plan.summary(headFit));
        if (plan.transferCase() == TransferCase.BOTTLENECK) {
            b.append("  classifier: ").append(classifier).append(System.lineSeparator());
        }
        return b.toString();
    }

    /** The {@code --json} object: everything, the per-epoch history included. */
    public String toJson() {
        return Json.toCompact(tree(true));
    }

    /** The object saved in the model file under "transfer": as {@link #toJson()} without the history. */
    public String modelDescriptionJson() {
        return Json.toCompact(tree(false));
    }

    /**
     * Saves the run's model to {@code file} as {@code convnet4j transfer} writes it: with {@code preprocessing} and
     * {@link #modelDescriptionJson()} under "transfer" in its description (which {@code evaluate} reads to warn when
     * the model is evaluated on the folder it was trained on: {@code run.TrainedOn}).
     */
    public void save(Path file, Preprocessing preprocessing) throws IOException {
        ModelFiles.save(outcome.model(), file, preprocessing, Map.of("transfer", new RawJson(modelDescriptionJson())));
    }

    /** "held-out accuracy 0.9320 on 500 pictures; 1.5 s; wrote c2.c4j". */
    public String summaryLine() {
        return String.format(Locale.ROOT, "held-out accuracy %.4f on %d pictures; %.1f s; wrote %s",
                outcome.accuracy(), testSamples, outcome.seconds(), out);
    }

    private JsonObject tree(boolean history) {
        TransferPlan plan = outcome.plan();
        TransferCase c = plan.transferCase();
        JsonObject result = new JsonObject();
        result.addProperty("case", c.number());
        result.addProperty("base", base);
        result.addProperty("data", data);
        if (c == TransferCase.BOTTLENECK) {
            result.addProperty("classifier", classifier);
            result.addProperty("cut", plan.cut());
        }
        if (plan.trainsByGradient()) {
            result.addProperty("learning_rate", plan.learningRate());
            if (plan.headLearningRate() > 0) {
                result.addProperty("head_learning_rate", plan.headLearningRate());
            }
            TransferHistory h = outcome.transferHistory();
            result.add("phases", Json.toTree(TransferHistory.tree(h.phases(), history)));
            result.addProperty("refit", !outcome.refit().isEmpty());
            if (!outcome.refit().isEmpty()) {
                result.add("refit_phases", Json.toTree(TransferHistory.tree(h.refit(), history)));
            }
            result.addProperty("val_accuracy", outcome.validationAccuracy()); // the kept model's, as fuse --json names it
            if (history) {
                result.add("history", Json.parseArray(outcome.history().toJson(), "history"));
            }
        } else if (c == TransferCase.BOTTLENECK && outcome.history().size() > 0) {
            // Case 1: its classifier's fit as one phase of one row (train loss and accuracy), in the others' words
            result.add("phases", Json.toTree(TransferHistory.tree(outcome.transferHistory().phases(), history)));
            if (history) {
                result.add("history", Json.parseArray(outcome.history().toJson(), "history"));
            }
        }
        result.add("frozen", Json.toTree(plan.frozenLayers()));
        result.add("trained", Json.toTree(plan.trainedLayers()));
        result.addProperty("train_samples", trainSamples);
        result.addProperty("test_samples", testSamples);
        result.addProperty("test_accuracy", outcome.accuracy());
        result.addProperty("seconds", outcome.seconds());
        result.addProperty("out", out);
        if (advice != null) {
            result.add("advice", Json.parseObject(advice.toJson(), "advice"));
        }
        return result;
    }
}

package org.convnet4j.cli;

import com.google.gson.JsonObject;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.convnet4j.checkpoint.Json;
import org.convnet4j.cli.train.ProgressBarListener;
import org.convnet4j.cli.transfer.BaseModel;
import org.convnet4j.cli.transfer.ExtractionProgressBar;
import org.convnet4j.cli.transfer.TargetData;
import org.convnet4j.cli.transfer.TransferRun;
import org.convnet4j.model.ModelFiles;
import org.convnet4j.train.TrainingListener;
import org.convnet4j.transfer.FeatureCache;
import org.convnet4j.transfer.FeatureExtractor;
import org.convnet4j.transfer.ShallowClassifiers;
import org.convnet4j.transfer.Transfer;
import org.convnet4j.transfer.TransferCase;
import org.convnet4j.transfer.TransferOptions;
import org.convnet4j.transfer.TransferPlan;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code convnet4j transfer}: one of the lecture's transfer-learning cases, evaluated on held-out data, saved. */
@Command(name = "transfer", mixinStandardHelpOptions = true, versionProvider = VersionInfo.class,
        description = {"Transfer learning from a pretrained model (the lecture's cases 0-4).", "",
            "Case 0 predicts with the base as it is; 1 trains a shallow classifier on bottleneck features; 2 fine-tunes",
            "the last layers; 3 fine-tunes everything; 4 retrains the same architecture from scratch.", ""},
        footer = {"", "Examples:",
            "  convnet4j transfer --base base.c4j --case 1 --classifier rbf-svm --data fashion-mnist:5-9 --limit 100 --out c1.c4j",
            "  convnet4j transfer --base base.c4j --case 2 --fine-tune-last 2 --data fashion-mnist:5-9 --epochs 5 --out c2.c4j",
            "  convnet4j transfer --base base.c4j --case 1 --cut pool1 --data opencv-digits --limit 10 --out digits.c4j"})
public final class TransferCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--base", required = true, paramLabel = "MODEL", description = "A convnet4j model file, or a zoo name (random weights, for Case 4).")
    String base;

    @Option(names = "--case", required = true, paramLabel = "0..4", description = "The transfer case.")
    int caseNumber;

    @Option(names = "--data", required = true, paramLabel = "SPEC", description = "fashion-mnist:5-9, fashion-mnist:0,2,4, opencv-digits[:CLASSES] or a folder of class folders.")
    String data;

    @Option(names = "--classifier", paramLabel = "NAME", description = "Case 1: logreg (default), svm, rbf-svm, knn, forest.")
    String classifier = "logreg";

    @Option(names = "--cut", paramLabel = "LAYER", description = "Case 1: the layer whose output are the features. Default: the last layer before the dense head.")
    String cut;

    @Option(names = "--fine-tune-last", paramLabel = "N", description = "Case 2: train the last N layers with weights. Default: 2.")
    int fineTuneLast = TransferOptions.DEFAULT_FINE_TUNE_LAST;

    @Option(names = "--lr", paramLabel = "LR", description = "The from-scratch learning rate (Adam). Cases 2 and 3 use a tenth of it. Default: 0.001.")
    double lr = TransferOptions.DEFAULT_SCRATCH_LR;

    @Option(names = "--discriminative", paramLabel = "F", description = "Case 3: multiply the rate by F per layer towards the input (1 = off). Default: 1.")
    double discriminative = 1;

    @Option(names = "--epochs", paramLabel = "N", description = "Epochs for cases 2-4. Default: 5.")
    int epochs = 5;

    @Option(names = "--batch", paramLabel = "B", description = "Batch size. Default: 32.")
    int batch = 32;

    @Option(names = "--limit", paramLabel = "N", description = "At most N training images per class.")
    Integer limit;

    @Option(names = "--test-limit", paramLabel = "N", description = "At most N held-out images per class. Default: 200.")
    int testLimit = 200;

    @Option(names = "--resize", description = "Convert pictures of another size or channel count to the base's input.")
    boolean resize;

    @Option(names = "--cache", paramLabel = "DIR", description = "Feature cache folder. Default: ~/.cache/convnet4j/features.")
    Path cache;

    @Option(names = "--seed", paramLabel = "S", description = "Seed of new weights and of the data selection. Default: 42.")
    long seed = 42;

    @Option(names = {"-o", "--out"}, required = true, paramLabel = "FILE", description = "Model file to write (CNN part + classifier for Case 1).")
    Path out;

    @Option(names = "--json", description = "Print the final metrics as one JSON object.")
    boolean json;

    @Option(names = "--no-progress", description = "No progress bars on stderr.")
    boolean noProgress;

    @Mixin
    DashboardOptions dashboard;

    @Override
    public Integer call() throws Exception {
        PrintWriter stdout = spec.commandLine().getOut();
        PrintWriter stderr = spec.commandLine().getErr();
        TransferCase c;
        try {
            c = TransferCase.of(caseNumber);
        } catch (IllegalArgumentException e) {
            throw new BadInputException("--case: " + e.getMessage());
        }
        if (c == TransferCase.BOTTLENECK && !ShallowClassifiers.algorithms().contains(classifier)) {
            throw new BadInputException("--classifier " + classifier + ": not known; known: "
                    + String.join(", ", ShallowClassifiers.algorithms()));
        }
        BaseModel b = BaseModel.load(base);
        TargetData loaded = TargetData.load(data, b.preprocessing(), resize, limit, seed);
        TargetData target = new TargetData(loaded.train(), TargetData.perClass(loaded.test(), testLimit, seed), data);
        TransferOptions o = new TransferOptions(c == TransferCase.PREDICT ? List.of() : target.train().classNames(), cut,
                fineTuneLast, lr, TransferOptions.DEFAULT_FINE_TUNE_FACTOR, discriminative, seed);
        TransferPlan plan = Transfer.plan(c, b.copy(), o);
        PrintWriter info = json ? stderr : stdout;
        info.printf(Locale.ROOT, "%s from %s%s on %s: %d training images (%.0f per class), %d held out%n", c, base,
                b.pretrained() ? "" : " (zoo architecture, random weights)", data, target.train().size(),
                target.imagesPerClass(), target.test().size());
        info.print(plan.summary());
        if (c == TransferCase.BOTTLENECK) {
            info.println("  classifier: " + classifier);
        }
        info.flush();
        PrintStream err = new PrintStream(new WriterOutputStream(stderr), true, StandardCharsets.UTF_8);
        List<TrainingListener> listeners = new ArrayList<>();
        ProgressBarListener bar = null;
        if (!noProgress && plan.trainsByGradient()) {
            bar = new ProgressBarListener(err, System.console() != null);
            listeners.add(bar);
        }
        FeatureExtractor.Progress progress = noProgress ? FeatureExtractor.Progress.NONE
                : new ExtractionProgressBar(err, c == TransferCase.BOTTLENECK ? "features" : "frozen prefix");
        FeatureCache featureCache = new FeatureCache(cache != null ? cache
                : Path.of(System.getProperty("user.home"), ".cache", "convnet4j", "features"));
        DashboardOptions.Session ui = dashboard.open(stdout);
        listeners.add(ui.run("transfer-case" + c.number(), target.test()));
        TransferRun.Outcome r;
        try {
            r = TransferRun.run(plan, classifier, target, epochs, batch, featureCache, listeners, progress);
        } finally {
            ui.close();
            if (bar != null) {
                bar.close();
            }
        }
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
            result.addProperty("epochs", epochs);
            result.addProperty("cached_prefix_layers", r.cachedLayers());
        }
        result.add("frozen", Json.toTree(plan.frozenLayers()));
        result.add("trained", Json.toTree(plan.trainedLayers()));
        result.addProperty("train_samples", target.train().size());
        result.addProperty("test_samples", target.test().size());
        result.addProperty("test_accuracy", r.accuracy());
        result.addProperty("seconds", r.seconds());
        result.addProperty("out", out.toString());
        JsonObject extra = new JsonObject();
        extra.add("transfer", result.deepCopy());
        ModelFiles.save(r.model(), out, b.preprocessing(), extra);
        if (json) {
            stdout.println(Json.toCompact(result));
        } else {
            stdout.printf(Locale.ROOT, "held-out accuracy %.4f on %d images; %.1f s; wrote %s%n", r.accuracy(),
                    target.test().size(), r.seconds(), out);
        }
        return 0;
    }

}

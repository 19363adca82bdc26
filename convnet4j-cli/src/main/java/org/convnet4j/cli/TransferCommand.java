package org.convnet4j.cli;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import org.convnet4j.charts.TrainingCurves;
import org.convnet4j.cli.train.ProgressBarListener;
import org.convnet4j.cli.transfer.BaseModel;
import org.convnet4j.cli.transfer.ExtractionProgressBar;
import org.convnet4j.data.Dataset;
import org.convnet4j.dataspec.DataSpec;
import org.convnet4j.model.ModelFiles;
import org.convnet4j.model.RawJson;
import org.convnet4j.train.TrainingListener;
import org.convnet4j.transfer.FeatureCache;
import org.convnet4j.transfer.FeatureExtractor;
import org.convnet4j.transfer.FineTuneSettings;
import org.convnet4j.transfer.ShallowClassifiers;
import org.convnet4j.transfer.Transfer;
import org.convnet4j.transfer.TransferCase;
import org.convnet4j.transfer.TransferPlan;
import org.convnet4j.transfer.TransferReport;
import org.convnet4j.transfer.TransferRun;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code convnet4j transfer}: one of the lecture's transfer-learning cases, evaluated on held-out data, saved. */
@Command(name = "transfer", mixinStandardHelpOptions = true, versionProvider = VersionInfo.class,
        description = {"Transfer learning from a pretrained model (the lecture's cases 0-4).", "",
            "Case 0 predicts with the base as it is; 1 trains a shallow classifier on bottleneck features; 2 fine-tunes"
                + " the last layers; 3 fine-tunes everything; 4 retrains the same architecture from scratch.",
            "Cases 2 and 3 run in two phases. First the new head alone learns on the frozen features, as Case 1's"
                + " logistic regression fitted to convergence (--head-fit). Then the unfrozen layers train at --head-lr"
                + " x --fine-tune-factor with early stopping; they are kept over the head only when their validation"
                + " loss is lower by at least --keep-se standard errors and their validation accuracy is not lower.",
            "The validation data is --val-split of the training data and only chooses the epochs: the model is then"
                + " trained again from the start on all the training data for those epochs (--no-refit keeps the"
                + " early-stopped weights).", ""},
        footer = {"", "Examples:",
            "  convnet4j transfer --base base.c4j --case 1 --classifier rbf-svm --data fashion-mnist:5-9 --limit 100 --out c1.c4j",
            "  convnet4j transfer --base base.c4j --case 2 --data fashion-mnist:5-9 --limit 100 --out c2.c4j --plots plots",
            "  convnet4j transfer --base base.c4j --case 1 --cut pool1 --data opencv-digits --limit 10 --out digits.c4j"})
public final class TransferCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--base", required = true, paramLabel = "MODEL", description = "A convnet4j model file, or a zoo name (random weights, for Case 4).")
    String base;

    @Option(names = "--case", required = true, paramLabel = "0..4", description = "The transfer case.")
    int caseNumber;

    @Option(names = "--data", required = true, paramLabel = "SPEC", description = DataSpec.DATA_HELP
            + " Fashion-MNIST: training set / test set; digits: 400 / 100 per class; a folder: 80%% / 20%% (seeded).")
    String data;

    @Option(names = "--classifier", paramLabel = "NAME", description = "Case 1: logreg (default), svm, rbf-svm, knn, forest.")
    String classifier = "logreg";

    @Option(names = "--cut", paramLabel = "LAYER", description = "Case 1: the layer whose output are the features. Default: the last layer before the dense head.")
    String cut;

    @Mixin
    FineTuneOptions tuning;

    @Option(names = "--limit", paramLabel = "N", description = DataSpec.LIMIT_HELP + " Applies to the training part.")
    Integer limit;

    @Option(names = "--test-limit", paramLabel = "N", description = "At most N held-out pictures per class. Default: 200.")
    int testLimit = 200;

    @Mixin
    BasePreprocessingOption preprocessing;

    @Option(names = "--resize", hidden = true, description = "Accepted for old scripts: pictures are converted to the base's input anyway.")
    boolean resize;

    @Option(names = "--cache", paramLabel = "DIR", description = "Feature cache folder. Default: ~/.cache/convnet4j/features.")
    Path cache;

    @Option(names = "--partial-classes", description = "Case 0: score a target with classes the base does not know"
            + " (their pictures count as wrong answers) instead of refusing it.")
    boolean partialClasses;

    @Option(names = "--seed", paramLabel = "S", description = "Seed of new weights and of the data selection. Default: 42.")
    long seed = 42;

    @Option(names = {"-o", "--out"}, required = true, paramLabel = "FILE", description = "Model file to write (CNN part + classifier for Case 1).")
    Path out;

    @Option(names = "--plots", paramLabel = "DIR", description = "Write the training curves of cases 2-4 (transfer-curves.png) there.")
    Path plots;

    @Option(names = "--json", description = "Print the final metrics and the per-epoch history as one JSON object.")
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
        if (testLimit < 1 || (limit != null && limit < 1)) {
            throw new BadInputException("--limit and --test-limit must be at least 1 picture per class");
        }
        FineTuneSettings settings = tuning.settings(seed);
        DataSpec.of(data).requireAvailable(); // before the base is downloaded or read
        OutputFile.requireTarget(out); // before the features are extracted and the model trained
        BaseModel b = BaseModel.load(base, preprocessing.spec);
        ModelArgument.notePreprocessing(base, b.chosenPreprocessing());
        PrintWriter info = json ? stderr : stdout;
        DataSpec.Loaded loaded = DataSpec.of(data).trainAndTest(b.preprocessing(), seed);
        loaded.conversions().forEach(n -> info.println("converting: " + n));
        Dataset train = DataSpec.limited(loaded.train(), limit, seed);
        Dataset test = DataSpec.perClass(loaded.test(), testLimit, seed);
        TransferPlan plan = Transfer.plan(c, b.copy(),
                tuning.options(train.classNames(), cut, seed).withPartialClasses(partialClasses));
        info.print(TransferReport.header(plan, base, b.pretrained(), data, train, test, classifier,
                settings.headFit()));
        info.flush();
        PrintStream err = new PrintStream(new WriterOutputStream(stderr), true, StandardCharsets.UTF_8);
        List<TrainingListener> listeners = new ArrayList<>();
        ProgressBarListener bar = null;
        if (!noProgress && plan.trainsByGradient()) {
            bar = new ProgressBarListener(err, Terminal.progress());
            listeners.add(bar);
        }
        FeatureExtractor.Progress progress = noProgress ? FeatureExtractor.Progress.NONE
                : new ExtractionProgressBar(err, c == TransferCase.BOTTLENECK ? "features" : "frozen prefix");
        FeatureCache featureCache = new FeatureCache(cache != null ? cache : FeatureCache.defaultFolder());
        Consumer<String> log = line -> {
            info.println(line);
            info.flush();
        };
        DashboardOptions.Session ui = dashboard.open(stdout);
        listeners.add(ui.run("transfer-case" + c.number(), test, "test"));
        TransferRun.Outcome r;
        try {
            r = TransferRun.run(plan, train, test, classifier, settings, featureCache, log, listeners, progress);
        } finally {
            ui.close();
            if (bar != null) {
                bar.close();
            }
        }
        TransferReport report = new TransferReport(r, base, data, classifier, train.size(), test.size(), out.toString());
        if (plots != null && r.history().size() > 0) {
            Files.createDirectories(plots);
            Path png = plots.resolve("transfer-curves.png");
            TrainingCurves.write(r.history(), png);
            info.println("wrote " + png);
        }
        ModelFiles.save(r.model(), out, b.preprocessing(), Map.of("transfer", new RawJson(report.modelDescriptionJson())));
        stdout.println(json ? report.toJson() : report.summaryLine());
        return 0;
    }
}

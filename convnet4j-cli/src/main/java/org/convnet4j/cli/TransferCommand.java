package org.convnet4j.cli;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.convnet4j.charts.TrainingCurves;
import org.convnet4j.util.ProgressOutput;
import org.convnet4j.train.ProgressBarListener;
import org.convnet4j.transfer.ExtractionProgressBar;
import org.convnet4j.data.Dataset;
import org.convnet4j.dataspec.DataSpec;
import org.convnet4j.io.weights.TransferBase;
import org.convnet4j.model.Preprocessing;
import org.convnet4j.train.TrainingListener;
import org.convnet4j.transfer.AdviceReport;
import org.convnet4j.transfer.AutoTransfer;
import org.convnet4j.transfer.FeatureCache;
import org.convnet4j.transfer.FeatureExtractor;
import org.convnet4j.transfer.FineTuneSettings;
import org.convnet4j.transfer.ShallowClassifiers;
import org.convnet4j.transfer.Transfer;
import org.convnet4j.transfer.TransferCase;
import org.convnet4j.transfer.TransferOptions;
import org.convnet4j.transfer.TransferPlan;
import org.convnet4j.transfer.TransferReport;
import org.convnet4j.transfer.TransferRun;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code convnet4j transfer}: one of the lecture's transfer-learning cases, evaluated on held-out data, saved. */
@Command(name = "transfer", resourceBundle = "org.convnet4j.cli.help.transfer")
public final class TransferCommand extends CliCommand {
    @Option(names = "--base", required = true, paramLabel = "MODEL")
    String base;

    @Option(names = "--case", required = true, paramLabel = "0..4|auto")
    String caseText;

    @Mixin
    AdviceOptions advice;

    @Option(names = "--data", required = true, paramLabel = "SPEC", description = DataSpec.DATA_HELP
            + " Fashion-MNIST: training set / test set; digits: 400 / 100 per class; a folder: 80%% / 20%% (seeded).")
    String data;

    @Option(names = "--classifier", paramLabel = "NAME")
    String classifier = "logreg";

    @Option(names = "--cut", paramLabel = "LAYER")
    String cut;

    @Mixin
    FineTuneOptions tuning;

    @Mixin
    LimitOption limit;

    @Option(names = "--test-limit", paramLabel = "N")
    int testLimit = 200;

    @Mixin
    PreprocessingOption preprocessing;

    @Option(names = "--resize", hidden = true)
    boolean resize;

    @Option(names = "--cache", paramLabel = "DIR")
    Path cache;

    @Option(names = "--partial-classes")
    boolean partialClasses;

    @Mixin
    SeedOption seed;

    @Option(names = {"-o", "--out"}, required = true, paramLabel = "FILE", converter = Converters.ModelFile.class)
    Path out;

    @Option(names = "--plots", paramLabel = "DIR")
    Path plots;

    @Mixin
    JsonOption json;

    @Mixin
    ProgressOption noProgress;

    @Mixin
    DashboardOptions dashboard;

    @Override
    public Integer call() throws Exception {
        boolean auto = caseText.trim().equalsIgnoreCase("auto");
        TransferCase c = auto ? null : caseOf(caseText);
        AutoTransfer.Advice asked = advice.advice();
        advice.requireForTransfer(auto, cut);
        if (auto || c == TransferCase.BOTTLENECK) {
            BadInputException.prefixed("--classifier ", () -> ShallowClassifiers.requireKnown(classifier));
        }
        if (testLimit < 1) {
            throw new BadInputException("--test-limit must be at least 1 picture per class");
        }
        FineTuneSettings settings = tuning.settings(seed.value);
        DataSpec.of(data).requireAvailable(); // before the base is downloaded or read
        org.convnet4j.util.AtomicFiles.requireWritable(out); // before the features are extracted and the model trained
        if (plots != null && Files.exists(plots) && !Files.isDirectory(plots)) { // else it fails after the training
            throw new BadInputException("--plots " + plots + ": is a file, not a directory");
        }
        TransferBase b = ModelArgument.base(base, preprocessing.spec);
        Preprocessing prep = BadInputException.prefixed("--base ", b::preprocessing);
        PrintWriter info = json.progress();
        DataSpec.Loaded loaded = DataSpec.of(data).trainAndTest(prep, seed.value);
        loaded.conversions().forEach(n -> info.println("converting: " + n));
        loaded.outsideClassFolders().ifPresent(info::println);
        Dataset train = DataSpec.limited(loaded.train(), limit.perClass, seed.value);
        Dataset test = DataSpec.perClass(loaded.test(), testLimit, seed.value);
        TransferOptions options = tuning.options(train.classNames(), cut, seed.value).withPartialClasses(partialClasses);
        FeatureCache featureCache = new FeatureCache(cache != null ? cache : FeatureCache.defaultFolder());
        Consumer<String> log = lines(info);
        AdviceReport chosen = null;
        if (auto) {
            AdviceOptions.requireSimilarityMeasure(b, asked, "--case auto: ");
            chosen = AutoTransfer.advise(b.model(), b.featureStatistics(), train, asked, options, settings,
                    featureCache, log);
            log.accept(AutoTransfer.line(chosen));
            c = AutoTransfer.transferCase(chosen);
        }
        TransferPlan plan = auto ? AutoTransfer.plan(chosen, b.copy(), options) : Transfer.plan(c, b.copy(), options);
        info.print(TransferReport.header(plan, base, b.pretrained(), data, train, test, classifier,
                settings.headFit()));
        info.flush();
        PrintStream stderr = WriterOutputStream.printStream(err());
        List<TrainingListener> listeners = new ArrayList<>();
        ProgressBarListener bar = null;
        if (!noProgress.given && plan.trainsByGradient()) {
            bar = new ProgressBarListener(stderr, ProgressOutput.Mode.forStderr());
            listeners.add(bar);
        }
        FeatureExtractor.Progress progress = noProgress.given ? FeatureExtractor.Progress.NONE
                : new ExtractionProgressBar(stderr, c == TransferCase.BOTTLENECK ? "features" : "frozen prefix",
                        ProgressOutput.Mode.forStderr());
        DashboardOptions.Session ui = dashboard.open(out());
        listeners.add(ui.run("transfer-case" + c.number(), test, "test"));
        TransferRun.Outcome r;
        try {
            r = TransferRun.run(plan, train, test, classifier, settings, featureCache, log, listeners, progress);
        } catch (org.convnet4j.train.TrainingMemory.TooLargeException e) {
            throw e.from(base); // gradients + optimiser state over the limit: name the model
        } finally {
            ui.close();
            if (bar != null) {
                bar.close();
            }
        }
        TransferReport report = new TransferReport(r, base, data, classifier, train.size(), test.size(), out.toString(),
                chosen);
        report.save(out, prep); // before the curves: a failure there costs no model
        if (plots != null) { // what it drew, or why nothing
            info.println(TrainingCurves.writeTransfer(r, plots).map(png -> "wrote " + png)
                    .orElse("--plots: no curves: case " + c.number() + (c == TransferCase.PREDICT ? " trains nothing"
                            : " fits its classifier in one go: one history row (in --json), no curve")
                    + " (curves are drawn for cases 2-4)"));
        }
        out().println(json.given ? report.toJson() : report.summaryLine());
        return 0;
    }

    private static TransferCase caseOf(String text) {
        try {
            return TransferCase.of(Integer.parseInt(text.trim()));
        } catch (NumberFormatException e) {
            throw new BadInputException("--case " + text + ": expected a case 0..4 or auto");
        } catch (IllegalArgumentException e) {
            throw new BadInputException("--case: " + e.getMessage());
        }
    }
}

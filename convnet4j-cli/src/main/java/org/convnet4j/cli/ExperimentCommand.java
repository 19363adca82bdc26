package org.convnet4j.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.convnet4j.charts.Charts;
import org.convnet4j.transfer.FeatureCache;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code convnet4j experiment transfer}: every transfer case on a similar and a dissimilar target, at three sizes. */
@Command(name = "experiment", mixinStandardHelpOptions = true, versionProvider = VersionInfo.class,
        description = {"Reproducible experiments.", ""},
        subcommands = {ExperimentCommand.TransferExperiment.class})
public final class ExperimentCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return ErrorReporter.BAD_INPUT;
    }

    @Command(name = "transfer", mixinStandardHelpOptions = true, versionProvider = VersionInfo.class,
            description = {"Pretrain LeNet-5 on Fashion-MNIST classes 0-4 and transfer it to two targets at several sizes.",
                "The targets are a similar one (Fashion-MNIST 5-9) and a dissimilar one (OpenCV's handwritten digits);"
                    + " every case runs, with the advisor's verdict, and results.md, results.csv and"
                    + " transfer-accuracy.png are written.",
                "--sizes and --test-per-class count pictures per class, as --limit does everywhere.", ""})
    static final class TransferExperiment implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--out-dir", paramLabel = "DIR", description = "Where results go. Default: transfer-experiment.")
        Path outDir = Path.of("transfer-experiment");

        @Option(names = "--sizes", split = ",", paramLabel = "N,N,..", description = "Training pictures per class. Default: 10,100,400.")
        List<Integer> sizes = List.of(10, 100, 400);

        @Option(names = "--cases", split = ",", paramLabel = "C,C,..", description = "Cases to run (0, 1, 1-early, 2, 3, 4). Default: all.")
        List<String> cases = org.convnet4j.transfer.TransferExperiment.CASES;

        @Option(names = "--targets", split = ",", paramLabel = "similar|dissimilar", description = "Targets. Default: both.")
        List<String> targets = List.of("similar", "dissimilar");

        @Option(names = "--pretrain-per-class", paramLabel = "N", description = "Pretraining pictures per class. Default: 1000.")
        int pretrainPerClass = 1000;

        @Option(names = "--pretrain-epochs", paramLabel = "N", description = "Default: 4.")
        int pretrainEpochs = 4;

        @Option(names = "--test-per-class", paramLabel = "N", description = "Held-out pictures per class. Default: 100.")
        int testPerClass = 100;

        @Option(names = "--classifiers", split = ",", paramLabel = "NAME,..", description = "Case 1's classifiers compared"
                + " side by side on each target (none: skip). Default: logreg,svm,rbf-svm,knn,forest.")
        List<String> classifiers = org.convnet4j.transfer.TransferExperiment.CLASSIFIERS;

        @Option(names = "--classifiers-at", paramLabel = "N", description = "Training pictures per class of the classifier"
                + " comparison. Default: ${DEFAULT-VALUE}.")
        int classifiersAt = 100;

        @Option(names = "--seed", paramLabel = "S", description = "Seed of every random choice but the held-out test"
                + " pictures (the base's weights and pictures, the training pictures, splits, folds, new weights)."
                + " Default: ${DEFAULT-VALUE}.")
        long seed = org.convnet4j.transfer.TransferExperiment.Config.DEFAULT_SEED;

        @Option(names = "--head-fit", paramLabel = "HOW", description = "Phase 1 of cases 2 and 3 (as transfer --head-fit):"
                + " case1, logreg or gradient. Default: ${DEFAULT-VALUE}.")
        String headFit = org.convnet4j.transfer.FineTuneSettings.DEFAULT_HEAD_FIT.optionName();

        @Option(names = "--keep-se", paramLabel = "T", description = "Cases 2 and 3 (as transfer --keep-se): keep phase 2 only"
                + " if its validation loss gain over the head is at least T standard errors. Default: ${DEFAULT-VALUE}.")
        double keepSe = org.convnet4j.transfer.FineTuneSettings.DEFAULT_KEEP_SE;

        @Option(names = "--json", description = "Print the report as JSON (every case's phases: frozen layers, rates, epochs"
                + " run, early stop, kept epoch, whether the tuned weights were kept and why) instead of the tables;"
                + " progress goes to stderr. results.json is written either way.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            org.convnet4j.transfer.FineTuneSettings.HeadFit fit;
            try {
                fit = org.convnet4j.transfer.FineTuneSettings.HeadFit.of(headFit);
            } catch (IllegalArgumentException e) {
                throw new BadInputException("--head-fit: " + e.getMessage());
            }
            for (String c : cases) {
                if (!org.convnet4j.transfer.TransferExperiment.CASES.contains(c)) {
                    throw new BadInputException("--cases " + c + ": expected some of " + org.convnet4j.transfer.TransferExperiment.CASES);
                }
            }
            List<String> shallow = classifiers.equals(List.of("none")) ? List.of() : classifiers;
            for (String c : shallow) {
                if (!org.convnet4j.transfer.ShallowClassifiers.algorithms().contains(c)) {
                    throw new BadInputException("--classifiers " + c + ": not known; known: "
                            + String.join(", ", org.convnet4j.transfer.ShallowClassifiers.algorithms()) + " (or none)");
                }
            }
            if (classifiersAt < 1) {
                throw new BadInputException("--classifiers-at must be at least 1 picture per class");
            }
            org.convnet4j.transfer.TransferExperiment.Config d = org.convnet4j.transfer.TransferExperiment.Config.defaults();
            org.convnet4j.transfer.FineTuneSettings ft;
            try {
                ft = d.fineTune().withHeadFit(fit).withKeepSe(keepSe);
            } catch (IllegalArgumentException e) {
                throw new BadInputException("--keep-se: " + e.getMessage());
            }
            Files.createDirectories(outDir);
            Map<String, String> t = new LinkedHashMap<>();
            d.targets().forEach((k, v) -> {
                if (targets.stream().anyMatch(k::startsWith)) {
                    t.put(k, v);
                }
            });
            org.convnet4j.transfer.TransferExperiment.Config cfg = new org.convnet4j.transfer.TransferExperiment.Config(sizes, pretrainPerClass, pretrainEpochs,
                    testPerClass, t, cases, ft, d.options(), shallow, classifiersAt, seed);
            PrintWriter progress = json ? spec.commandLine().getErr() : out;
            org.convnet4j.transfer.TransferExperiment.Report report = org.convnet4j.transfer.TransferExperiment.run(cfg, outDir,
                    new FeatureCache(outDir.resolve("feature-cache")), line -> {
                        progress.println(line);
                        progress.flush();
                    });
            report.write(outDir);
            Charts.transferAccuracy(report.chartValues(), outDir.resolve("transfer-accuracy.png"));
            if (json) {
                out.println(report.toJson());
            } else {
                out.println();
                out.print(report.markdown());
            }
            progress.println("wrote " + outDir.resolve("results.md") + ", results.csv, results.json, transfer-accuracy.png");
            return 0;
        }
    }
}

package org.convnet4j.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.convnet4j.charts.Charts;
import org.convnet4j.dataspec.DataSpec;
import org.convnet4j.transfer.FeatureCache;
import org.convnet4j.transfer.FineTuneSettings;
import org.convnet4j.transfer.ShallowClassifiers;
import org.convnet4j.transfer.TransferExperiment;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code convnet4j experiment transfer}: every transfer case on a similar and a dissimilar target, at three sizes. */
@Command(name = "experiment", resourceBundle = "org.convnet4j.cli.help.experiment",
        subcommands = {ExperimentCommand.Transfer.class})
public final class ExperimentCommand extends CliCommand {
    @Command(name = "transfer", resourceBundle = "org.convnet4j.cli.help.experiment-transfer")
    static final class Transfer extends CliCommand {
        @Option(names = "--out-dir", paramLabel = "DIR")
        Path outDir = Path.of("transfer-experiment");

        @Option(names = "--sizes", split = ",", paramLabel = "N,N,..")
        List<Integer> sizes = List.of(10, 100, 400);

        @Option(names = "--cases", split = ",", paramLabel = "C,C,..")
        List<String> cases = TransferExperiment.CASES;

        @Option(names = "--targets", split = ",", paramLabel = "similar|dissimilar")
        List<String> targets = List.of("similar", "dissimilar");

        @Option(names = "--data", paramLabel = "SPEC", description = "A target of your own instead of the built-in"
                + " ones (repeatable; named by its spec): " + DataSpec.DATA_HELP)
        List<String> data = List.of();

        @Option(names = "--pretrain-per-class", paramLabel = "N")
        int pretrainPerClass = 1000;

        @Option(names = "--pretrain-epochs", paramLabel = "N")
        int pretrainEpochs = 4;

        @Option(names = "--test-per-class", paramLabel = "N")
        int testPerClass = 100;

        @Option(names = "--classifiers", split = ",", paramLabel = "NAME,..")
        List<String> classifiers = TransferExperiment.CLASSIFIERS;

        @Option(names = "--classifiers-at", paramLabel = "N")
        int classifiersAt = 100;

        @Mixin
        SeedOption seed;

        @Option(names = "--head-fit", paramLabel = "HOW")
        String headFit = FineTuneSettings.DEFAULT_HEAD_FIT.optionName();

        @Option(names = "--keep-se", paramLabel = "T")
        double keepSe = FineTuneSettings.DEFAULT_KEEP_SE;

        @Mixin
        JsonOption json;

        @Override
        public Integer call() throws Exception {
            FineTuneSettings.HeadFit fit = BadInputException.prefixed("--head-fit: ",
                    () -> FineTuneSettings.HeadFit.of(headFit));
            List<String> shallow = classifiers.equals(List.of("none")) ? List.of() : classifiers;
            for (String c : shallow) {
                if (!ShallowClassifiers.algorithms().contains(c)) {
                    throw new BadInputException("--classifiers " + c + ": not known; known: "
                            + String.join(", ", ShallowClassifiers.algorithms()) + " (or none)");
                }
            }
            if (classifiersAt < 1) {
                throw new BadInputException("--classifiers-at must be at least 1 picture per class");
            }
            for (String t : targets) {
                if (!t.equals("similar") && !t.equals("dissimilar")) {
                    throw new BadInputException("--targets " + t + ": expected similar or dissimilar (for other data,"
                            + " --data SPEC)");
                }
            }
            if (!data.isEmpty() && given("--targets")) {
                throw new BadInputException("--data and --targets: give one (--data replaces the built-in targets)");
            }
            data.forEach(d -> DataSpec.of(d).requireAvailable()); // before the base is trained
            TransferExperiment.Config d = TransferExperiment.Config.defaults();
            FineTuneSettings ft = BadInputException.prefixed("--keep-se: ",
                    () -> d.fineTune().withHeadFit(fit).withKeepSe(keepSe));
            Map<String, String> t = new LinkedHashMap<>();
            d.targets().forEach((k, v) -> {
                if (data.isEmpty() && targets.stream().anyMatch(k::startsWith)) {
                    t.put(k, v);
                }
            });
            data.forEach(s -> t.put(s, s)); // the user's own targets, named by their spec
            TransferExperiment.Config cfg = BadInputException.prefixed("--", // --cases
                    () -> new TransferExperiment.Config(sizes, pretrainPerClass, pretrainEpochs, testPerClass, t, cases,
                            ft, d.options(), shallow, classifiersAt, seed.value));
            PrintWriter progress = json.progress();
            TransferExperiment.Report report = TransferExperiment.run(cfg, outDir,
                    new FeatureCache(outDir.resolve("feature-cache")), lines(progress));
            report.write(outDir);
            Charts.transferAccuracy(report.chartValues(), outDir.resolve("transfer-accuracy.png"));
            out().print(json.given ? report.toJson() + System.lineSeparator()
                    : System.lineSeparator() + report.markdown());
            progress.println("wrote " + outDir.resolve("results.md") + ", results.csv, results.json,"
                    + " transfer-accuracy.png");
            return 0;
        }
    }
}

package org.convnet4j.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.convnet4j.cli.transfer.BaseModel;
import org.convnet4j.data.Dataset;
import org.convnet4j.dataspec.DataSpec;
import org.convnet4j.transfer.AdviceReport;
import org.convnet4j.transfer.FeatureCache;
import org.convnet4j.transfer.FineTuneSettings;
import org.convnet4j.transfer.TransferAdvisor;
import org.convnet4j.transfer.TransferOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code convnet4j advise}: which transfer case the lecture's table recommends for a target data set. */
@Command(name = "advise", resourceBundle = "org.convnet4j.cli.help.advise",
        mixinStandardHelpOptions = true, versionProvider = VersionInfo.class,
        description = {"Recommend a transfer-learning case from the target data's size and its similarity to the base"
                + " model's training data.",
            "The similarity is the shift of the base's feature statistics (saved in its file by 'train' and"
                + " 'experiment transfer') with a 90%% bootstrap interval, 'uncertain' when the interval straddles the"
                + " threshold; bases without statistics need a linear probe (--probe-samples N).",
            "--try measures instead of guessing: every viable case by cross-validation, ranked by its held-out Brier"
                + " score (how confident its answers were, lower is better), and the best measured wins; exact ties go"
                + " to the cheaper case.",
            "",
            "Sizes: small < " + TransferAdvisor.SMALL_BELOW + " images per class, large > " + TransferAdvisor.LARGE_ABOVE
                + "; similar: feature shift <= " + TransferAdvisor.SIMILARITY_THRESHOLD + ".",
            "--data takes " + DataSpec.DATA_HELP, ""})
public final class AdviseCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--base", paramLabel = "MODEL")
    String base;

    @Option(names = "--data", paramLabel = "SPEC")
    String data;

    @Option(names = "--size", paramLabel = "small|medium|large")
    String sizeText;

    @Option(names = "--similarity", paramLabel = "similar|dissimilar")
    String similarityText;

    @Mixin
    LimitOption limit;

    @Mixin
    PreprocessingOption preprocessing;

    @Option(names = "--resize", hidden = true)
    boolean resize;

    @Option(names = "--probe-samples", paramLabel = "N")
    int probeSamples;

    @Option(names = "--try")
    boolean tryThem;

    @Option(names = "--budget", paramLabel = "SECONDS")
    double budget = 600;

    @Mixin
    JsonOption json;

    /** After a measured recommendation without --try: the table is a guess, and how to measure instead. */
    static final String TRY_HINT = "The table is a rule of thumb: --try trains every viable case on these pictures,"
            + " measures each by cross-validation (held-out Brier score) and recommends the best measured (no new case starts after --budget"
            + " wall-clock seconds).";

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter info = json.progress();
        TransferAdvisor.Size size = sizeText == null ? null : parse(TransferAdvisor.Size.class, sizeText, "--size");
        TransferAdvisor.Similarity similarity = similarityText == null ? null
                : parse(TransferAdvisor.Similarity.class, similarityText, "--similarity");
        AdviceReport report;
        BaseModel b = null;
        Dataset train = null;
        if (size != null && similarity != null && data == null) {
            report = AdviceReport.of(TransferAdvisor.table(size, similarity), null);
        } else {
            if (base == null || data == null) {
                throw new BadInputException("advise: give --base and --data to measure, or --size and --similarity");
            }
            DataSpec.of(data).requireAvailable(); // before the base is downloaded or read
            b = BaseModel.load(base, preprocessing.spec);
            ModelArgument.notePreprocessing(base, b.chosenPreprocessing());
            DataSpec.Loaded loaded = DataSpec.of(data).trainAndTest(b.preprocessing(), 42);
            loaded.conversions().forEach(n -> info.println("converting: " + n));
            train = DataSpec.limited(loaded.train(), limit.perClass, 42);
            if (b.featureStatistics() == null && probeSamples == 0 && similarity == null) {
                throw new BadInputException("--base " + b.origin() + " has no feature statistics (saved by 'train' and"
                        + " 'experiment transfer'): nothing measures the similarity; give --similarity or"
                        + " --probe-samples N");
            }
            report = AdviceReport.of(AdviceReport.recommend(b.model(), b.featureStatistics(), train, probeSamples, size,
                    similarity, 42), b.model());
        }
        if (tryThem) {
            if (b == null) {
                throw new BadInputException("--try needs --base and --data");
            }
            List<TransferAdvisor.Trial> trials = TransferAdvisor.tryCases(b.model(), train,
                    TransferOptions.forClasses(train.classNames()), FineTuneSettings.defaults(),
                    new FeatureCache(Path.of(System.getProperty("java.io.tmpdir"), "convnet4j-advise")), budget, line -> {
                        info.println(line);
                        info.flush();
                    });
            report = report.withTrials(trials, TransferAdvisor.choose(trials, report.tableLabel()),
                    TransferAdvisor.notTried(trials));
        }
        if (json.given) {
            out.println(report.toJson());
        } else {
            report.lines().forEach(out::println);
            if (!tryThem && b != null) {
                out.println(TRY_HINT);
            }
        }
        return 0;
    }

    private static <E extends Enum<E>> E parse(Class<E> type, String text, String option) {
        try {
            return Enum.valueOf(type, text.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new BadInputException(option + " " + text + ": expected one of "
                    + java.util.Arrays.toString(type.getEnumConstants()).toLowerCase(Locale.ROOT));
        }
    }
}

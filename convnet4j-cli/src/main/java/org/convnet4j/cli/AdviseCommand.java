package org.convnet4j.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import org.convnet4j.data.Dataset;
import org.convnet4j.dataspec.DataSpec;
import org.convnet4j.io.weights.TransferBase;
import org.convnet4j.transfer.AdviceReport;
import org.convnet4j.transfer.AutoTransfer;
import org.convnet4j.transfer.FeatureCache;
import org.convnet4j.transfer.FineTuneSettings;
import org.convnet4j.transfer.TransferAdvisor;
import org.convnet4j.transfer.TransferOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code convnet4j advise}: which transfer case the lecture's table recommends for a target data set. */
@Command(name = "advise", resourceBundle = "org.convnet4j.cli.help.advise",
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
public final class AdviseCommand extends CliCommand {
    @Option(names = "--base", paramLabel = "MODEL")
    String base;

    @Option(names = "--data", paramLabel = "SPEC")
    String data;

    @Mixin
    LimitOption limit;

    @Mixin
    PreprocessingOption preprocessing;

    @Option(names = "--resize", hidden = true)
    boolean resize;

    @Mixin
    AdviceOptions advice;

    @Mixin
    JsonOption json;

    /** After a measured recommendation without --try: the table is a guess, and how to measure instead. */
    static final String TRY_HINT = "The table is a rule of thumb: --try trains every viable case on these pictures,"
            + " measures each by cross-validation (held-out Brier score) and recommends the best measured (no new case starts after --budget"
            + " wall-clock seconds).";

    @Override
    public Integer call() throws Exception {
        PrintWriter out = out();
        PrintWriter info = json.progress();
        AutoTransfer.Advice asked = advice.advice();
        advice.requireBudgetWithTry();
        AdviceReport report;
        if (asked.size() != null && asked.similarity() != null && data == null && !asked.tryCases()) {
            report = AdviceReport.of(TransferAdvisor.table(asked.size(), asked.similarity()), null);
        } else {
            if (base == null || data == null) {
                throw new BadInputException(asked.tryCases() ? "--try needs --base and --data"
                        : "advise: give --base and --data to measure, or --size and --similarity");
            }
            DataSpec.of(data).requireAvailable(); // before the base is downloaded or read
            TransferBase b = ModelArgument.base(base, preprocessing.spec);
            DataSpec.Loaded loaded = DataSpec.of(data)
                    .trainAndTest(BadInputException.prefixed("--base ", b::preprocessing), 42);
            loaded.conversions().forEach(n -> info.println("converting: " + n));
            Dataset train = DataSpec.limited(loaded.train(), limit.perClass, 42);
            AdviceOptions.requireSimilarityMeasure(b, asked, "");
            report = AutoTransfer.advise(b.model(), b.featureStatistics(), train, asked,
                    TransferOptions.forClasses(train.classNames()), FineTuneSettings.defaults(),
                    new FeatureCache(Path.of(System.getProperty("java.io.tmpdir"), "convnet4j-advise")), lines(info));
        }
        if (json.given) {
            out.println(report.toJson());
        } else {
            report.lines().forEach(out::println);
            if (!asked.tryCases() && data != null) {
                out.println(TRY_HINT);
            }
        }
        return 0;
    }
}

package org.convnet4j.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.convnet4j.charts.Charts;
import org.convnet4j.data.Dataset;
import org.convnet4j.dataspec.DataSpec;
import org.convnet4j.model.Preprocessing;
import org.convnet4j.run.ZooBenchmark;
import org.convnet4j.run.ZooReport;
import org.convnet4j.tensor.Shape;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code convnet4j zoo-benchmark}: trains zoo models on Fashion-MNIST and tabulates accuracy, size and speed. */
@Command(name = "zoo-benchmark", resourceBundle = "org.convnet4j.cli.help.zoo-benchmark", sortOptions = false)
public final class ZooBenchmarkCommand extends CliCommand {
    @Mixin
    ZooPlanOptions planOptions;

    @Option(names = "--data", paramLabel = "SPEC", description = DataSpec.DATA_HELP
            + " Fashion-MNIST: training set / test set; digits: 400 / 100 per class; a folder: 80%% / 20%% (seeded)."
            + " Default: ${DEFAULT-VALUE}.")
    String data = "fashion-mnist";

    @Option(names = "--picture", paramLabel = "CxHxW")
    String picture = "1x28x28";

    @Option(names = "--test-limit", paramLabel = "N")
    Integer testLimit;

    @Option(names = {"-o", "--out"}, paramLabel = "DIR")
    Path out = Path.of("zoo-benchmark");

    @Mixin
    DashboardOptions dashboard;

    @Override
    public Integer call() throws IOException {
        java.io.PrintWriter stdout = out();
        ZooBenchmark.Plan plan = planOptions.plan();
        if (testLimit != null) {
            BadInputException.requireAtLeast("--test-limit", testLimit, 1);
        }
        if (Files.exists(out) && !Files.isDirectory(out)) {
            throw new BadInputException("--out " + out + ": exists and is not a directory");
        }
        plan.requireBuildable(model -> "set it with --input " + model + "=SIZE");
        // the data is read (and any problem with it reported) before anything is written
        Shape pictureShape = BadInputException.prefixed("--picture: ", () -> Shape.parseGreyOrRgbPicture(picture));
        DataSpec.Loaded loaded = DataSpec.of(data).trainAndTest(Preprocessing.forInput(pictureShape),
                planOptions.seed.value);
        loaded.conversions().forEach(n -> stdout.println("converting: " + n));
        Files.createDirectories(out);

        Dataset test = testLimit == null ? loaded.test() : DataSpec.perClass(loaded.test(), testLimit, 42);
        ZooBenchmark.requireBatchFits(plan.setups(), loaded.train(), plan.training());
        // originalArgs() starts with the subcommand's own name
        Map<String, String> env = ZooBenchmark.environment("convnet4j " + String.join(" ",
                spec.commandLine().getParseResult().originalArgs()), data, loaded.train().numClasses());
        List<ZooBenchmark.Result> results;
        try (DashboardOptions.Session ui = dashboard.open(stdout)) {
            results = ZooBenchmark.run(plan, loaded.train(), test, lines(stdout),
                    (model, testIn) -> ui.run("zoo-" + model, testIn, "test"), (latest, all) -> {
                        env.put("load average at end", ZooBenchmark.loadAverage());
                        ZooReport report = new ZooReport(data, all, plan.training(), env);
                        report.write(out);
                        Charts.bars(report.chart(), out.resolve(ZooReport.CHART));
                    });
        }
        stdout.println();
        stdout.print(new ZooReport(data, results, plan.training(), env).markdown());
        stdout.printf("wrote %s, %s, %s%n", out.resolve(ZooReport.MARKDOWN), out.resolve(ZooReport.JSON),
                out.resolve(ZooReport.CHART));
        stdout.flush();
        return 0;
    }
}

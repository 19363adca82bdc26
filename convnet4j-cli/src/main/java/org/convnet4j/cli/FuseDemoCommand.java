package org.convnet4j.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.convnet4j.charts.Charts;
import org.convnet4j.run.FusionComparison;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The fusion experiment of docs/FUSION.md: Fashion-MNIST pixels and their Sobel edges; single-input models, early,
 * intermediate and late fusion (every combiner), each measured on clean test data and with one input corrupted
 * ({@link FusionComparison}); this command prints its lines and writes the table, the JSON and the chart.
 */
@Command(name = "fuse-demo", resourceBundle = "org.convnet4j.cli.help.fuse-demo", sortOptions = false)
final class FuseDemoCommand extends CliCommand {
    @Option(names = "--train", paramLabel = "N", defaultValue = "10000")
    int trainN;

    @Option(names = "--test", paramLabel = "N", defaultValue = "5000")
    int testN;

    @Option(names = "--epochs", paramLabel = "N", defaultValue = "3")
    int epochs;

    @Option(names = "--noise", paramLabel = "STD", defaultValue = "0.5")
    double noise;

    @Mixin
    SeedOption seed;

    @Option(names = {"-o", "--out-dir"}, paramLabel = "DIR", defaultValue = "fusion-demo")
    Path outDir;

    @Override
    public Integer call() throws Exception {
        PrintWriter log = out();
        FusionComparison.Settings settings = BadInputException.prefixed("--",
                () -> new FusionComparison.Settings(trainN, testN, epochs, noise, seed.value));
        Files.createDirectories(outDir);
        FusionComparison.Report r = FusionComparison.run(settings, lines(log));
        log.println();
        log.print(r.markdown());
        r.write(outDir);
        Charts.groupedBars(r.chartTitle(), "accuracy", r.accuracy(), 0.0, outDir.resolve("robustness.png"));
        log.printf(Locale.ROOT, "wrote %s, %s, %s; %.1f s in total%n", outDir.resolve("results.md"),
                outDir.resolve("results.json"), outDir.resolve("robustness.png"), r.totalSeconds());
        return 0;
    }
}

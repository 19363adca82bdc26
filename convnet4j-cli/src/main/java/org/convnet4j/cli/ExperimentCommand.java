package org.convnet4j.cli;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import javax.imageio.ImageIO;
import org.convnet4j.transfer.FeatureCache;
import org.convnet4j.util.AtomicFiles;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.data.category.DefaultCategoryDataset;
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
            description = {"Pretrain LeNet-5 on Fashion-MNIST classes 0-4, then transfer it to a similar target",
                "(Fashion-MNIST 5-9) and a dissimilar one (OpenCV's handwritten digits) at several sizes, with every",
                "case and the advisor's verdict; writes results.md, results.csv and transfer-accuracy.png.",
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

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
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
            Files.createDirectories(outDir);
            org.convnet4j.transfer.TransferExperiment.Config d = org.convnet4j.transfer.TransferExperiment.Config.defaults();
            Map<String, String> t = new LinkedHashMap<>();
            d.targets().forEach((k, v) -> {
                if (targets.stream().anyMatch(k::startsWith)) {
                    t.put(k, v);
                }
            });
            org.convnet4j.transfer.TransferExperiment.Config cfg = new org.convnet4j.transfer.TransferExperiment.Config(sizes, pretrainPerClass, pretrainEpochs,
                    testPerClass, t, cases, d.fineTune(), d.options(), shallow, classifiersAt);
            org.convnet4j.transfer.TransferExperiment.Report report = org.convnet4j.transfer.TransferExperiment.run(cfg, outDir,
                    new FeatureCache(outDir.resolve("feature-cache")), line -> {
                        out.println(line);
                        out.flush();
                    });
            List<String[]> rows = new ArrayList<>();
            rows.add(new String[] {"target", "per class", "case", "test accuracy", "held-out accuracy (5-fold, answers)",
                "seconds"});
            DefaultCategoryDataset chart = new DefaultCategoryDataset();
            for (org.convnet4j.transfer.TransferExperiment.Row r : report.rows()) {
                rows.add(new String[] {r.target(), Integer.toString(r.perClass()), r.description(),
                    String.format(Locale.ROOT, "%.3f", r.accuracy()),
                    Double.isNaN(r.heldOutAccuracy()) ? "" : String.format(Locale.ROOT, "%.3f (%d)", r.heldOutAccuracy(),
                            r.heldOutAnswers()),
                    String.format(Locale.ROOT, "%.1f", r.seconds())});
                chart.addValue(r.accuracy(), "case " + r.caseLabel(), (r.target().startsWith("similar") ? "similar "
                        : "dissimilar ") + r.perClass() + "/class");
            }
            List<String[]> adv = new ArrayList<>();
            adv.add(new String[] {"target", "per class", "similarity (bootstrap)", "table says", "--try picks",
                "its test accuracy", "best test accuracy"});
            for (org.convnet4j.transfer.TransferExperiment.Advice a : report.advice()) {
                double picked = Double.NaN;
                double best = Double.NaN;
                for (org.convnet4j.transfer.TransferExperiment.Row r : report.rows()) {
                    if (r.target().equals(a.target()) && r.perClass() == a.perClass()) {
                        if (r.caseLabel().equals(a.tried())) {
                            picked = r.accuracy();
                        }
                        best = Double.isNaN(best) ? r.accuracy() : Math.max(best, r.accuracy());
                    }
                }
                adv.add(new String[] {a.target(), Integer.toString(a.perClass()),
                    a.table().reasons().get(1), "case " + a.table().transferCase().number()
                        + (a.table().earlyCut() ? " early cut" : ""), "case " + a.tried(),
                    String.format(Locale.ROOT, "%.3f", picked), String.format(Locale.ROOT, "%.3f", best)});
            }
            List<String[]> cls = new ArrayList<>();
            List<String> names = new ArrayList<>(cfg.targets().keySet());
            List<String> head = new ArrayList<>(List.of("classifier"));
            names.forEach(n -> {
                head.add(n + ", " + classifiersAt + "/class");
                head.add("seconds");
            });
            cls.add(head.toArray(String[]::new));
            for (String c : shallow) {
                List<String> row = new ArrayList<>(List.of(c));
                for (String n : names) {
                    report.classifiers().stream().filter(r -> r.target().equals(n) && r.classifier().equals(c))
                            .findFirst().ifPresentOrElse(r -> {
                                row.add(String.format(Locale.ROOT, "%.3f", r.accuracy()));
                                row.add(String.format(Locale.ROOT, "%.1f", r.seconds()));
                            }, () -> {
                                row.add("");
                                row.add("");
                            });
                }
                cls.add(row.toArray(String[]::new));
            }
            StringBuilder md = new StringBuilder();
            md.append(String.format(Locale.ROOT, "Base: LeNet-5 on Fashion-MNIST 0-4, %d per class, %d epochs: test"
                    + " accuracy %.3f.%n%n", pretrainPerClass, pretrainEpochs, report.baseAccuracy()));
            md.append(table(rows)).append('\n').append(table(adv));
            if (!shallow.isEmpty()) {
                md.append("\nCase 1's classifiers side by side (default cut):\n\n").append(table(cls));
            }
            md.append(String.format(Locale.ROOT, "%nTotal time %.0f s.%n", report.seconds()));
            AtomicFiles.writeString(outDir.resolve("results.md"), md.toString());
            StringBuilder csv = new StringBuilder();
            for (String[] r : rows) {
                csv.append(String.join(",", List.of(r).stream().map(s -> "\"" + s + "\"").toList())).append('\n');
            }
            AtomicFiles.writeString(outDir.resolve("results.csv"), csv.toString());
            writeChart(chart, outDir.resolve("transfer-accuracy.png"));
            out.println();
            out.print(md);
            out.println("wrote " + outDir.resolve("results.md") + ", results.csv, transfer-accuracy.png");
            return 0;
        }

        private static String table(List<String[]> rows) {
            StringBuilder b = new StringBuilder();
            for (int i = 0; i < rows.size(); i++) {
                b.append("| ").append(String.join(" | ", rows.get(i))).append(" |\n");
                if (i == 0) {
                    b.append("|").append("---|".repeat(rows.get(0).length)).append('\n');
                }
            }
            return b.toString();
        }

        private static void writeChart(DefaultCategoryDataset data, Path png) throws java.io.IOException {
            JFreeChart chart = ChartFactory.createBarChart("Transfer learning: held-out accuracy by case",
                    "target and training images per class", "accuracy", data, PlotOrientation.VERTICAL, true, false, false);
            chart.setBackgroundPaint(Color.WHITE);
            BufferedImage img = chart.createBufferedImage(1100, 500);
            AtomicFiles.write(png, o -> ImageIO.write(img, "png", o));
        }
    }
}

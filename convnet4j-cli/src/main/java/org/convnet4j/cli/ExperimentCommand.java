package org.convnet4j.cli;

import com.google.gson.JsonObject;
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
import org.convnet4j.cli.transfer.BaseModel;
import org.convnet4j.cli.transfer.TargetData;
import org.convnet4j.cli.transfer.TransferRun;
import org.convnet4j.data.Dataset;
import org.convnet4j.model.ModelFiles;
import org.convnet4j.model.Preprocessing;
import org.convnet4j.nn.Sequential;
import org.convnet4j.train.TrainConfig;
import org.convnet4j.train.Trainer;
import org.convnet4j.train.optim.Adam;
import org.convnet4j.transfer.FeatureCache;
import org.convnet4j.transfer.FeatureExtractor;
import org.convnet4j.transfer.FeatureStatistics;
import org.convnet4j.transfer.Transfer;
import org.convnet4j.transfer.TransferAdvisor;
import org.convnet4j.transfer.TransferCase;
import org.convnet4j.transfer.TransferOptions;
import org.convnet4j.util.AtomicFiles;
import org.convnet4j.zoo.LeNet5;
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
                "case; writes results.md, results.csv and transfer-accuracy.png.", ""})
    static final class TransferExperiment implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--out-dir", paramLabel = "DIR", description = "Where results go. Default: transfer-experiment.")
        Path outDir = Path.of("transfer-experiment");

        @Option(names = "--sizes", split = ",", paramLabel = "N,N,..", description = "Training images per class. Default: 10,100,400.")
        List<Integer> sizes = List.of(10, 100, 400);

        @Option(names = "--pretrain-per-class", paramLabel = "N", description = "Pretraining images per class. Default: 1000.")
        int pretrainPerClass = 1000;

        @Option(names = "--pretrain-epochs", paramLabel = "N", description = "Default: 4.")
        int pretrainEpochs = 4;

        @Option(names = "--test-per-class", paramLabel = "N", description = "Held-out images per class. Default: 100.")
        int testPerClass = 100;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            Files.createDirectories(outDir);
            long t0 = System.nanoTime();
            Path basePath = outDir.resolve("base-fashion-0-4.c4j");
            pretrain(basePath, out);
            BaseModel base = BaseModel.load(basePath.toString());
            FeatureCache cache = new FeatureCache(outDir.resolve("feature-cache"));
            List<String[]> rows = new ArrayList<>();
            rows.add(new String[] {"target", "per class", "advisor (measured)", "case", "accuracy", "seconds"});
            DefaultCategoryDataset chart = new DefaultCategoryDataset();
            Map<String, String> targets = new LinkedHashMap<>();
            targets.put("similar: Fashion-MNIST 5-9", "fashion-mnist:5-9");
            targets.put("dissimilar: digits 0-9", "opencv-digits");
            for (Map.Entry<String, String> t : targets.entrySet()) {
                TargetData full = TargetData.load(t.getValue(), base.model().inputShapes().get(0), false, null, 42);
                Dataset test = TargetData.perClass(full.test(), testPerClass, 7);
                double shift = AdviseCommand.measureShift(base, full);
                for (int n : sizes) {
                    TargetData data = new TargetData(TargetData.perClass(full.train(), n, 42), test, t.getValue());
                    TransferAdvisor.Recommendation rec = TransferAdvisor.measured(data.imagesPerClass(), shift);
                    String advice = String.format(Locale.ROOT, "case %d%s (shift %.2f)", rec.transferCase().number(),
                            rec.earlyCut() ? " early cut" : "", shift);
                    int epochs = Math.max(3, Math.min(30, (int) Math.ceil(1600.0 / data.train().size())));
                    String setting = (t.getKey().startsWith("similar") ? "similar" : "dissimilar") + " " + n + "/class";
                    for (String label : List.of("0", "1", "1-early", "2", "3", "4")) {
                        Sequential copy = base.copy();
                        TransferCase c = TransferCase.of(label.charAt(0) - '0');
                        TransferOptions o = new TransferOptions(c == TransferCase.PREDICT ? List.of()
                                : data.train().classNames(), label.equals("1-early") ? Transfer.earlyCut(copy) : null,
                                2, 1e-3, 0.1, 1, 42);
                        TransferRun.Outcome r = TransferRun.run(copy, c, o, "logreg", data, epochs, 32, cache, List.of(),
                                FeatureExtractor.Progress.NONE);
                        String caseLabel = label.equals("1-early") ? "1 (early cut " + o.cut() + ")"
                                : label.equals("1") ? "1 (cut " + r.plan().cut() + ")"
                                : "" + c.number() + (c == TransferCase.PREDICT ? "" : " (" + epochs + " epochs, lr " + r.plan().learningRate() + ")");
                        rows.add(new String[] {t.getKey(), Integer.toString(n), advice, caseLabel,
                                String.format(Locale.ROOT, "%.3f", r.accuracy()),
                                String.format(Locale.ROOT, "%.1f", r.seconds())});
                        chart.addValue(r.accuracy(), "case " + label, setting);
                        out.printf(Locale.ROOT, "%-28s %4d/class  %-22s %.3f  %6.1f s%n", t.getKey(), n, caseLabel,
                                r.accuracy(), r.seconds());
                        out.flush();
                    }
                }
            }
            // the shallow classifiers side by side on one setting
            List<String[]> classifierRows = new ArrayList<>();
            classifierRows.add(new String[] {"classifier", "similar 100/class", "seconds", "dissimilar 100/class", "seconds"});
            Map<String, String[]> byClassifier = new LinkedHashMap<>();
            for (String spec : List.of("fashion-mnist:5-9", "opencv-digits")) {
                TargetData full = TargetData.load(spec, base.model().inputShapes().get(0), false, null, 42);
                TargetData data = new TargetData(TargetData.perClass(full.train(), 100, 42),
                        TargetData.perClass(full.test(), testPerClass, 7), spec);
                for (String cl : List.of("logreg", "svm", "rbf-svm", "knn", "forest")) {
                    TransferRun.Outcome r = TransferRun.run(base.copy(), TransferCase.BOTTLENECK,
                            TransferOptions.forClasses(data.train().classNames()), cl, data, 1, 32, cache, List.of(),
                            FeatureExtractor.Progress.NONE);
                    String[] row = byClassifier.computeIfAbsent(cl, k -> new String[] {k, "", "", "", ""});
                    int col = spec.startsWith("fashion") ? 1 : 3;
                    row[col] = String.format(Locale.ROOT, "%.3f", r.accuracy());
                    row[col + 1] = String.format(Locale.ROOT, "%.1f", r.seconds());
                    out.printf(Locale.ROOT, "case 1 %-8s on %-18s %.3f %6.1f s%n", cl, spec, r.accuracy(), r.seconds());
                    out.flush();
                }
            }
            classifierRows.addAll(byClassifier.values());
            StringBuilder md = new StringBuilder();
            md.append(table(rows)).append('\n').append(table(classifierRows));
            md.append(String.format(Locale.ROOT, "%nTotal time %.0f s.%n", (System.nanoTime() - t0) / 1e9));
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

        private void pretrain(Path basePath, PrintWriter out) throws Exception {
            Sequential net = LeNet5.build(org.convnet4j.tensor.Shape.of(1, 28, 28), 5, LeNet5.Variant.MODERN);
            net.initialize(42);
            TargetData src = TargetData.load("fashion-mnist:0-4", net.inputShapes().get(0), false, pretrainPerClass, 42);
            net.setClassNames(src.train().classNames());
            long start = System.nanoTime();
            Trainer.fit(net, src.train(), null, TrainConfig.builder(new Adam(net, 1e-3)).epochs(pretrainEpochs)
                    .batchSize(32).seed(42).build());
            double acc = Trainer.evaluate(net, TargetData.perClass(src.test(), 200, 7), 256).accuracy();
            FeatureStatistics stats = FeatureStatistics.compute(net, FeatureStatistics.penultimateLayer(net), src.train(),
                    1000);
            JsonObject extra = new JsonObject();
            extra.add(FeatureStatistics.KEY, stats.toJson());
            extra.addProperty("pretrain_test_accuracy", acc);
            ModelFiles.save(net, basePath, Preprocessing.forInput(net.inputShapes().get(0)), extra);
            out.printf(Locale.ROOT, "pretrained LeNet-5 on Fashion-MNIST 0-4 (%d images, %d epochs): test accuracy %.3f,"
                    + " %.0f s; saved %s with feature statistics of '%s'%n", src.train().size(), pretrainEpochs, acc,
                    (System.nanoTime() - start) / 1e9, basePath, stats.layer());
            out.flush();
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

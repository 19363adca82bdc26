package org.convnet4j.cli;

import org.convnet4j.tensor.RowOps;
import com.google.gson.JsonObject;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.convnet4j.internal.json.Json;
import org.convnet4j.cli.viz.BarCharts;
import org.convnet4j.data.Dataset;
import org.convnet4j.fusion.Corruption;
import org.convnet4j.fusion.EarlyFusion;
import org.convnet4j.fusion.FashionMnistSobel;
import org.convnet4j.fusion.FusionSources;
import org.convnet4j.fusion.FusionNets;
import org.convnet4j.fusion.IntermediateFusion;
import org.convnet4j.fusion.Join;
import org.convnet4j.fusion.LateFusion;
import org.convnet4j.fusion.MultiInputDataset;
import org.convnet4j.nn.Graph;
import org.convnet4j.nn.Model;
import org.convnet4j.nn.layers.DecisionFusion;
import org.convnet4j.train.TrainConfig;
import org.convnet4j.train.Trainer;
import org.convnet4j.train.optim.Adam;
import org.convnet4j.util.AtomicFiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The fusion experiment of docs/FUSION.md: Fashion-MNIST pixels and their Sobel edges; single-input models, early,
 * intermediate and late fusion (every combiner), each measured on clean test data and with one input corrupted.
 */
@Command(name = "fuse-demo", mixinStandardHelpOptions = true, versionProvider = VersionInfo.class, sortOptions = false,
        header = "Compare single-input models with early, intermediate and late fusion on Fashion-MNIST pixels + edges.",
        description = {
            "Trains a small CNN on the pixels, one on the Sobel edges (magnitude and direction), an early-fusion CNN on "
                + "both stacked, and an intermediate-fusion network (branches joined after pool2); combines the two "
                + "single-input models by every late-fusion rule (weighted and stack fitted on a validation split). "
                + "Then measures every model on test images, clean and with one input corrupted by noise or missing "
                + "(zeros). Writes results.md, results.json and robustness.png to --out-dir.",
            ""
        },
        footer = {"", "Example:", "  convnet4j fuse-demo --train 10000 --test 5000 --epochs 3 --out-dir docs/fusion"})
final class FuseDemoCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--train", paramLabel = "N", defaultValue = "10000", description = "Training images (10% of them "
            + "validate / fit the late-fusion combiners). Default: ${DEFAULT-VALUE}.")
    int trainN;

    @Option(names = "--test", paramLabel = "N", defaultValue = "5000", description = "Test images. Default: ${DEFAULT-VALUE}.")
    int testN;

    @Option(names = "--epochs", paramLabel = "N", defaultValue = "3", description = "Default: ${DEFAULT-VALUE}.")
    int epochs;

    @Option(names = "--noise", paramLabel = "STD", defaultValue = "0.5", description = "Std of the Gaussian noise "
            + "added to a corrupted input. Default: ${DEFAULT-VALUE}.")
    double noise;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "42", description = "Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = {"-o", "--out-dir"}, paramLabel = "DIR", defaultValue = "fusion-demo", description = "Default: ${DEFAULT-VALUE}.")
    Path outDir;

    private PrintWriter log;

    @Override
    public Integer call() throws Exception {
        log = spec.commandLine().getOut();
        if (trainN < 100 || testN < 10 || epochs < 1) {
            throw new BadInputException("--train must be at least 100, --test at least 10, --epochs at least 1");
        }
        Files.createDirectories(outDir);
        long t0 = System.nanoTime();
        MultiInputDataset all = FashionMnistSobel.load(FusionSources.Part.TRAIN, trainN);
        MultiInputDataset test = FashionMnistSobel.load(FusionSources.Part.TEST, testN);
        MultiInputDataset.Split split = all.split(0.1, seed);
        MultiInputDataset train = split.train();
        MultiInputDataset val = split.validation();
        log.printf(Locale.ROOT, "data: %d training, %d validation, %d test samples of %s (%.1f s)%n", train.size(),
                val.size(), test.size(), all.shapesByName(), secondsSince(t0));

        Map<String, Double> trainSeconds = new LinkedHashMap<>();
        Model pixels = FusionNets.smallCnn(all.shapesByName().get(FashionMnistSobel.PIXELS), 10);
        trainSeconds.put("pixels only", fit("pixels only", pixels, train.input(FashionMnistSobel.PIXELS), val.input(FashionMnistSobel.PIXELS)));
        Model edges = FusionNets.smallCnn(all.shapesByName().get(FashionMnistSobel.EDGES), 10);
        trainSeconds.put("edges only", fit("edges only", edges, train.input(FashionMnistSobel.EDGES), val.input(FashionMnistSobel.EDGES)));
        Graph early = EarlyFusion.build(all.shapesByName(), s -> FusionNets.smallCnn(s, 10));
        trainSeconds.put("early", fit("early fusion", early, train, val));
        Graph inter = IntermediateFusion.builder(10)
                .branch(FashionMnistSobel.PIXELS, FusionNets.smallCnn(all.shapesByName().get(FashionMnistSobel.PIXELS), 10), "pool2")
                .branch(FashionMnistSobel.EDGES, FusionNets.smallCnn(all.shapesByName().get(FashionMnistSobel.EDGES), 10), "pool2")
                .join(Join.CONCAT).build();
        trainSeconds.put("intermediate", fit("intermediate fusion (concat after pool2)", inter, train, val));

        pixels.setClassNames(all.classNames());
        edges.setClassNames(all.classNames());
        Map<String, Model> members = new LinkedHashMap<>();
        members.put(FashionMnistSobel.PIXELS, pixels);
        members.put(FashionMnistSobel.EDGES, edges);
        Map<String, DecisionFusion> combiners = new LinkedHashMap<>();
        JsonObject fitted = new JsonObject();
        for (DecisionFusion.Mode mode : DecisionFusion.Mode.values()) {
            Graph g = LateFusion.fit(members, val, mode);
            DecisionFusion d = (DecisionFusion) g.node("fusion").layer();
            combiners.put("late " + mode.id(), d);
            if (d.weights() != null) {
                fitted.add("late_weighted_weights", Json.toTree(List.of(d.weights()[0], d.weights()[1])));
                log.printf(Locale.ROOT, "late weighted: fitted weights pixels %.2f, edges %.2f%n", d.weights()[0], d.weights()[1]);
            }
        }

        Map<String, MultiInputDataset> conditions = new LinkedHashMap<>();
        conditions.put("clean", test);
        conditions.put("pixels noisy", test.corrupted(FashionMnistSobel.PIXELS, Corruption.gaussianNoise(noise, seed)));
        conditions.put("pixels missing", test.corrupted(FashionMnistSobel.PIXELS, Corruption.zeros()));
        conditions.put("edges noisy", test.corrupted(FashionMnistSobel.EDGES, Corruption.gaussianNoise(noise, seed)));
        conditions.put("edges missing", test.corrupted(FashionMnistSobel.EDGES, Corruption.zeros()));

        // accuracy[model][condition]
        Map<String, Map<String, Double>> acc = new LinkedHashMap<>();
        for (Map.Entry<String, MultiInputDataset> c : conditions.entrySet()) {
            long tc = System.nanoTime();
            MultiInputDataset d = c.getValue();
            int[] labels = labels(d);
            double[][] pp = LateFusion.probabilities(pixels, d.input(FashionMnistSobel.PIXELS), 256);
            double[][] pe = LateFusion.probabilities(edges, d.input(FashionMnistSobel.EDGES), 256);
            put(acc, "pixels only", c.getKey(), accuracy(pp, labels));
            put(acc, "edges only", c.getKey(), accuracy(pe, labels));
            put(acc, "early", c.getKey(), Trainer.evaluate(early, d, 256).accuracy());
            put(acc, "intermediate", c.getKey(), Trainer.evaluate(inter, d, 256).accuracy());
            // the late-fusion graphs would run both members again per combiner; their combiner on the members'
            // probabilities computes exactly what the graph's last layer does
            for (Map.Entry<String, DecisionFusion> e : combiners.entrySet()) {
                put(acc, e.getKey(), c.getKey(), lateAccuracy(e.getValue(), pp, pe, labels));
            }
            log.printf(Locale.ROOT, "evaluated %-15s (%.1f s)%n", c.getKey(), secondsSince(tc));
        }
        String table = table(acc, trainSeconds);
        log.println();
        log.print(table);
        JsonObject json = new JsonObject();
        json.addProperty("train_samples", train.size());
        json.addProperty("val_samples", val.size());
        json.addProperty("test_samples", test.size());
        json.addProperty("epochs", epochs);
        json.addProperty("noise_std", noise);
        json.addProperty("seed", seed);
        json.add("accuracy", Json.toTree(acc));
        json.add("train_seconds", Json.toTree(trainSeconds));
        json.add("fitted", fitted);
        json.addProperty("total_seconds", secondsSince(t0));
        AtomicFiles.writeString(outDir.resolve("results.json"), Json.toPretty(json) + "\n");
        AtomicFiles.writeString(outDir.resolve("results.md"), table);
        BarCharts.grouped(String.format(Locale.ROOT, "Fashion-MNIST pixels + Sobel edges: test accuracy (%d test images, "
                + "noise std %.2f)", test.size(), noise), "accuracy", acc, 0.0, outDir.resolve("robustness.png"));
        log.printf(Locale.ROOT, "wrote %s, %s, %s; %.1f s in total%n", outDir.resolve("results.md"),
                outDir.resolve("results.json"), outDir.resolve("robustness.png"), secondsSince(t0));
        return 0;
    }

    private double fit(String what, Model m, Dataset train, Dataset val) {
        long t = System.nanoTime();
        m.initialize(seed);
        TrainConfig cfg = TrainConfig.builder(new Adam(m, 0.002)).epochs(epochs).batchSize(64).seed(seed).build();
        var h = Trainer.fit(m, train, val, cfg);
        double s = secondsSince(t);
        log.printf(Locale.ROOT, "trained %-40s val accuracy %.4f (%.1f s)%n", what,
                h.last().get(org.convnet4j.train.History.VAL_ACCURACY), s);
        log.flush();
        return s;
    }

    private static double lateAccuracy(DecisionFusion d, double[][] pp, double[][] pe, int[] labels) {
        double[] out = new double[pp[0].length];
        int correct = 0;
        for (int i = 0; i < labels.length; i++) {
            d.combine(new double[][] {pp[i], pe[i]}, out);
            if (RowOps.argmax(out) == labels[i]) {
                correct++;
            }
        }
        return (double) correct / labels.length;
    }

    private static double accuracy(double[][] p, int[] labels) {
        int correct = 0;
        for (int i = 0; i < labels.length; i++) {
            if (RowOps.argmax(p[i]) == labels[i]) {
                correct++;
            }
        }
        return (double) correct / labels.length;
    }


    private static int[] labels(Dataset d) {
        int[] y = new int[d.size()];
        for (int i = 0; i < y.length; i++) {
            y[i] = d.label(i);
        }
        return y;
    }

    private static void put(Map<String, Map<String, Double>> acc, String model, String condition, double v) {
        acc.computeIfAbsent(model, k -> new LinkedHashMap<>()).put(condition, v);
    }

    static String table(Map<String, Map<String, Double>> acc, Map<String, Double> trainSeconds) {
        List<String> conds = new ArrayList<>(acc.values().iterator().next().keySet());
        StringBuilder b = new StringBuilder("| model |");
        conds.forEach(c -> b.append(' ').append(c).append(" |"));
        b.append(" training s |\n|---|");
        conds.forEach(c -> b.append("---:|"));
        b.append("---:|\n");
        for (Map.Entry<String, Map<String, Double>> e : acc.entrySet()) {
            b.append("| ").append(e.getKey()).append(" |");
            for (String c : conds) {
                b.append(String.format(Locale.ROOT, " %.4f |", e.getValue().get(c)));
            }
            Double s = trainSeconds.get(e.getKey());
            b.append(s == null ? " (members) |" : String.format(Locale.ROOT, " %.0f |", s)).append('\n');
        }
        return b.toString();
    }

    private static double secondsSince(long t) {
        return (System.nanoTime() - t) / 1e9;
    }
}

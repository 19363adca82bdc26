package org.convnet4j.run;

import com.google.gson.JsonObject;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import org.convnet4j.data.Dataset;
import org.convnet4j.fusion.Corruption;
import org.convnet4j.fusion.EarlyFusion;
import org.convnet4j.fusion.FashionMnistSobel;
import org.convnet4j.fusion.FusionNets;
import org.convnet4j.fusion.FusionSources;
import org.convnet4j.fusion.IntermediateFusion;
import org.convnet4j.fusion.Join;
import org.convnet4j.fusion.LateFusion;
import org.convnet4j.fusion.MultiInputDataset;
import org.convnet4j.internal.json.Json;
import org.convnet4j.nn.Graph;
import org.convnet4j.nn.Model;
import org.convnet4j.nn.layers.DecisionFusion;
import org.convnet4j.tensor.RowOps;
import org.convnet4j.train.History;
import org.convnet4j.train.TrainConfig;
import org.convnet4j.train.Trainer;
import org.convnet4j.train.optim.Adam;

/**
 * The fusion experiment of docs/FUSION.md ({@code convnet4j fuse-demo}) as a library call: Fashion-MNIST pixels and
 * their Sobel edges; a small CNN on each input alone, early fusion (both stacked), intermediate fusion (branches
 * joined after pool2) and late fusion of the two single-input models by every {@link DecisionFusion.Mode}
 * (weighted and stack fitted on the validation split); each measured on the clean test pictures and with one input
 * corrupted by Gaussian noise or missing (zeros).
 *
 * <pre>
 *   FusionComparison.Report r = FusionComparison.run(new FusionComparison.Settings(10000, 5000, 3, 0.5, 42),
 *           System.out::println);
 *   Files.writeString(Path.of("results.md"), r.markdown());
 * </pre>
 */
public final class FusionComparison {
    /** The test conditions, in the order of the report's columns. */
    public static final List<String> CONDITIONS = List.of("clean", "pixels noisy", "pixels missing", "edges noisy",
            "edges missing");

    private FusionComparison() {
    }

    /**
     * @param train  training pictures (10% of them validate and fit the late-fusion combiners), at least 100
     * @param test   test pictures, at least 10
     * @param epochs epochs of every network, at least 1
     * @param noise  standard deviation of the Gaussian noise added to a corrupted input
     * @param seed   seed of the split, the weights, the data order and the noise
     */
    public record Settings(int train, int test, int epochs, double noise, long seed) {
        /** @throws IllegalArgumentException naming the setting that is out of range */
        public Settings {
            atLeast("train", train, 100);
            atLeast("test", test, 10);
            atLeast("epochs", epochs, 1);
            if (!(noise >= 0) || Double.isInfinite(noise)) {
                throw new IllegalArgumentException("noise: must be a finite number of at least 0, got " + noise);
            }
        }

        private static void atLeast(String what, int value, int min) {
            if (value < min) {
                throw new IllegalArgumentException(what + ": must be at least " + min + ", got " + value);
            }
        }
    }

    /**
     * What the experiment measured.
     *
     * @param accuracy     test accuracy per model ("pixels only", ..., "late stack") and condition
     *                     ({@link #CONDITIONS})
     * @param trainSeconds training time per trained model (the late-fusion models reuse the single-input ones)
     * @param lateWeights  the weights fitted by late {@code weighted} fusion: pixels, edges
     */
    public record Report(Settings settings, int trainSamples, int valSamples, int testSamples,
                         Map<String, Map<String, Double>> accuracy, Map<String, Double> trainSeconds,
                         List<Double> lateWeights, double totalSeconds) {
        public Report {
            accuracy = Collections.unmodifiableMap(new LinkedHashMap<>(accuracy));
            trainSeconds = Collections.unmodifiableMap(new LinkedHashMap<>(trainSeconds));
            lateWeights = List.copyOf(lateWeights);
        }

        /** File names {@link #write} gives the report in its folder: the JSON, then the table. */
        public static final List<String> FILES = List.of("results.json", "results.md");

        /** Writes {@link #toJson()} and {@link #markdown()} to {@code dir} (which must exist) as {@link #FILES}, atomically. */
        public void write(java.nio.file.Path dir) throws IOException {
            org.convnet4j.util.AtomicFiles.writeString(dir.resolve(FILES.get(0)), toJson() + "\n");
            org.convnet4j.util.AtomicFiles.writeString(dir.resolve(FILES.get(1)), markdown());
        }

        /** The title of the accuracy chart ({@code fuse-demo}'s robustness.png): test images and noise. */
        public String chartTitle() {
            return String.format(Locale.ROOT, "Fashion-MNIST pixels + Sobel edges: test accuracy (%d test images, "
                    + "noise std %.2f)", testSamples, settings.noise());
        }

        /** A markdown table: one row per model, one column per condition, then the training seconds. */
        public String markdown() {
            List<String> conds = new ArrayList<>(accuracy.values().iterator().next().keySet());
            StringBuilder b = new StringBuilder("| model |");
            conds.forEach(c -> b.append(' ').append(c).append(" |"));
            b.append(" training s |\n|---|");
            conds.forEach(c -> b.append("---:|"));
            b.append("---:|\n");
            for (Map.Entry<String, Map<String, Double>> e : accuracy.entrySet()) {
                b.append("| ").append(e.getKey()).append(" |");
                for (String c : conds) {
                    b.append(String.format(Locale.ROOT, " %.4f |", e.getValue().get(c)));
                }
                Double s = trainSeconds.get(e.getKey());
                b.append(s == null ? " (members) |" : String.format(Locale.ROOT, " %.0f |", s)).append('\n');
            }
            return b.toString();
        }

        /** The report as pretty-printed JSON (sample counts, settings, accuracy, training seconds, fitted weights). */
        public String toJson() {
            JsonObject json = new JsonObject();
            json.addProperty("train_samples", trainSamples);
            json.addProperty("val_samples", valSamples);
            json.addProperty("test_samples", testSamples);
            json.addProperty("epochs", settings.epochs());
            json.addProperty("noise_std", settings.noise());
            json.addProperty("seed", settings.seed());
            json.add("accuracy", Json.toTree(accuracy));
            json.add("train_seconds", Json.toTree(trainSeconds));
            JsonObject fitted = new JsonObject();
            if (!lateWeights.isEmpty()) {
                // the weights are float32: written as such, without the digits a widening to double adds
                fitted.add("late_weighted_weights", Json.toTree(lateWeights.stream().map(Double::floatValue).toList()));
            }
            json.add("fitted", fitted);
            json.addProperty("total_seconds", totalSeconds);
            return Json.toPretty(json);
        }
    }

    /**
     * Loads the data, trains and measures every model; {@code log} hears one line per step (data, each trained
     * model with its validation accuracy, the fitted late weights, each evaluated condition).
     *
     * @throws IOException when Fashion-MNIST cannot be read
     */
    public static Report run(Settings s, Consumer<String> log) throws IOException {
        long t0 = System.nanoTime();
        MultiInputDataset all = FashionMnistSobel.load(FusionSources.Part.TRAIN, s.train());
        MultiInputDataset test = FashionMnistSobel.load(FusionSources.Part.TEST, s.test());
        MultiInputDataset.Split split = all.split(0.1, s.seed());
        MultiInputDataset train = split.train();
        MultiInputDataset val = split.validation();
        log.accept(String.format(Locale.ROOT, "data: %d training, %d validation, %d test samples of %s (%.1f s)",
                train.size(), val.size(), test.size(), all.shapesByName(), secondsSince(t0)));

        String px = FashionMnistSobel.PIXELS;
        String ed = FashionMnistSobel.EDGES;
        Map<String, Double> trainSeconds = new LinkedHashMap<>();
        Model pixels = FusionNets.smallCnn(all.shapesByName().get(px), 10);
        trainSeconds.put("pixels only", fit(s, log, "pixels only", pixels, train.input(px), val.input(px)));
        Model edges = FusionNets.smallCnn(all.shapesByName().get(ed), 10);
        trainSeconds.put("edges only", fit(s, log, "edges only", edges, train.input(ed), val.input(ed)));
        Graph early = EarlyFusion.build(all.shapesByName(), shape -> FusionNets.smallCnn(shape, 10));
        trainSeconds.put("early", fit(s, log, "early fusion", early, train, val));
        Graph inter = IntermediateFusion.builder(10)
                .branch(px, FusionNets.smallCnn(all.shapesByName().get(px), 10), "pool2")
                .branch(ed, FusionNets.smallCnn(all.shapesByName().get(ed), 10), "pool2")
                .join(Join.CONCAT).build();
        trainSeconds.put("intermediate", fit(s, log, "intermediate fusion (concat after pool2)", inter, train, val));

        pixels.setClassNames(all.classNames());
        edges.setClassNames(all.classNames());
        Map<String, Model> members = new LinkedHashMap<>();
        members.put(px, pixels);
        members.put(ed, edges);
        Map<String, DecisionFusion> combiners = new LinkedHashMap<>();
        List<Double> lateWeights = List.of();
        for (DecisionFusion.Mode mode : DecisionFusion.Mode.values()) {
            DecisionFusion d = (DecisionFusion) LateFusion.fit(members, val, mode).node("fusion").layer();
            combiners.put("late " + mode.id(), d);
            if (d.weights() != null) {
                lateWeights = List.of((double) d.weights()[0], (double) d.weights()[1]);
                log.accept(String.format(Locale.ROOT, "late weighted: fitted weights pixels %.2f, edges %.2f",
                        d.weights()[0], d.weights()[1]));
            }
        }

        Map<String, MultiInputDataset> conditions = new LinkedHashMap<>();
        conditions.put(CONDITIONS.get(0), test);
        conditions.put(CONDITIONS.get(1), test.corrupted(px, Corruption.gaussianNoise(s.noise(), s.seed())));
        conditions.put(CONDITIONS.get(2), test.corrupted(px, Corruption.zeros()));
        conditions.put(CONDITIONS.get(3), test.corrupted(ed, Corruption.gaussianNoise(s.noise(), s.seed())));
        conditions.put(CONDITIONS.get(4), test.corrupted(ed, Corruption.zeros()));

        Map<String, Map<String, Double>> acc = new LinkedHashMap<>(); // accuracy[model][condition]
        for (Map.Entry<String, MultiInputDataset> c : conditions.entrySet()) {
            long tc = System.nanoTime();
            MultiInputDataset d = c.getValue();
            int[] labels = labels(d);
            double[][] pp = LateFusion.probabilities(pixels, d.input(px), 256);
            double[][] pe = LateFusion.probabilities(edges, d.input(ed), 256);
            put(acc, "pixels only", c.getKey(), accuracy(pp, labels));
            put(acc, "edges only", c.getKey(), accuracy(pe, labels));
            put(acc, "early", c.getKey(), Trainer.evaluate(early, d, 256).accuracy());
            put(acc, "intermediate", c.getKey(), Trainer.evaluate(inter, d, 256).accuracy());
            // the late-fusion graphs would run both members again per combiner; their combiner on the members'
            // probabilities computes exactly what the graph's last layer does
            for (Map.Entry<String, DecisionFusion> e : combiners.entrySet()) {
                put(acc, e.getKey(), c.getKey(), lateAccuracy(e.getValue(), pp, pe, labels));
            }
            log.accept(String.format(Locale.ROOT, "evaluated %-15s (%.1f s)", c.getKey(), secondsSince(tc)));
        }
        return new Report(s, train.size(), val.size(), test.size(), acc, trainSeconds, lateWeights, secondsSince(t0));
    }

    private static double fit(Settings s, Consumer<String> log, String what, Model m, Dataset train, Dataset val) {
        long t = System.nanoTime();
        m.initialize(s.seed());
        TrainConfig cfg = TrainConfig.builder(new Adam(m, 0.002)).epochs(s.epochs()).batchSize(64).seed(s.seed()).build();
        History h = Trainer.fit(m, train, val, cfg);
        double seconds = secondsSince(t);
        log.accept(String.format(Locale.ROOT, "trained %-40s val accuracy %.4f (%.1f s)", what,
                h.last().get(History.VAL_ACCURACY), seconds));
        return seconds;
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

    private static double secondsSince(long t) {
        return (System.nanoTime() - t) / 1e9;
    }
}

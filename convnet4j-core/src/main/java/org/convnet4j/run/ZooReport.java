package org.convnet4j.run;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.convnet4j.internal.json.Json;
import org.convnet4j.util.AtomicFiles;

/**
 * The results of a zoo benchmark ({@link ZooBenchmark}) as a markdown table ({@link #markdown()}), a JSON document
 * ({@link #toJson()}) and the data of a bar chart of test accuracy next to the published Fashion-MNIST figures
 * ({@link #chart()}; drawing it is the application's: the CLI uses JFreeChart). {@link #write} writes the table and
 * the JSON atomically.
 */
public final class ZooReport {
    /** File name of the markdown table inside the output folder. */
    public static final String MARKDOWN = "zoo-results.md";
    /** File name of the JSON document inside the output folder. */
    public static final String JSON = "zoo-results.json";
    /** File name under which {@code convnet4j zoo-benchmark} draws {@link #chart()} in the output folder. */
    public static final String CHART = "zoo-accuracy.png";

    /**
     * The bar chart of test accuracy: one bar per model and series ("convnet4j ..." and, on the whole of
     * Fashion-MNIST, "published ..."; NaN where a model has no published figure), the value axis from
     * {@code yMin} to {@code yMax}.
     */
    public record Chart(String title, String valueAxis, List<String> labels, Map<String, double[]> series,
                        double yMin, double yMax) {
    }

    /**
     * Test accuracies submitted to the benchmark table of the Fashion-MNIST README (zalandoresearch/fashion-mnist;
     * Debian's dataset-fashion-mnist). Full-size models, trained on GPUs for many epochs; the ResNet18 entry used
     * augmentation (flips, translation, rotation), AlexNet was trained with a triplet loss.
     */
    public static final Map<String, Double> PUBLISHED = Map.of(
            "resnet18", 0.949, "googlenet", 0.937, "vgg16", 0.935, "alexnet", 0.899);

    private final String dataSpec;
    private final Map<String, Double> published;
    private final List<ZooBenchmark.Result> results;
    private final ZooBenchmark.Training training;
    private final Map<String, String> environment;

    /** On Fashion-MNIST; {@code environment}: machine notes (cores, load, JVM) shown with the table, in order. */
    public ZooReport(List<ZooBenchmark.Result> results, ZooBenchmark.Training training, Map<String, String> environment) {
        this("fashion-mnist", results, training, environment);
    }

    /**
     * On the data of {@code dataSpec} (a {@code --data} spec); the published figures are shown only for the whole of
     * Fashion-MNIST, the data they were measured on.
     */
    public ZooReport(String dataSpec, List<ZooBenchmark.Result> results, ZooBenchmark.Training training,
                     Map<String, String> environment) {
        this.dataSpec = dataSpec;
        this.published = dataSpec.equalsIgnoreCase("fashion-mnist") ? PUBLISHED : Map.of();
        this.results = List.copyOf(results);
        this.training = training;
        this.environment = new LinkedHashMap<>(environment);
    }

    /** Writes {@link #MARKDOWN} and {@link #JSON} into {@code dir} (which must exist), each atomically. */
    public void write(Path dir) throws IOException {
        AtomicFiles.writeString(dir.resolve(MARKDOWN), markdown());
        AtomicFiles.writeString(dir.resolve(JSON), toJson() + "\n");
    }

    private String augmentation() {
        return training.augment() ? "augmentation: random crop (2-pixel padding) and left-right flip" : "no augmentation";
    }

    /** The settings line, the table (one row per model) and the environment notes, as markdown. */
    public String markdown() {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%s, %s lr %s with a cosine schedule to 0, batch %d, seed %d, "
                        + "%s.%n%n", title(), training.optimizer().equals("sgd") ? "SGD (Nesterov momentum 0.9)"
                        : "Adam", fmt(training.lr()), training.batchSize(), training.seed(), augmentation()));
        sb.append("| model | input | width | params | MACs/image | epochs | train images | s/epoch | train images/s"
                + " | test images | test accuracy | published |\n");
        sb.append("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (ZooBenchmark.Result r : results) {
            Double published = this.published.get(r.model());
            String notes = r.setup().notes();
            sb.append(String.format(Locale.ROOT, "| %s%s | %dx%d | %s | %,d | %s | %d | %,d | %.1f | %.0f | %,d | %.4f | %s |%n",
                    r.model(), notes.isEmpty() ? "" : " (" + notes + ")", r.setup().size(), r.setup().size(),
                    fmt(r.setup().width()), r.params(), humanMacs(r.macs()), r.epochs(), r.trainImages(),
                    r.secondsPerEpoch(), r.trainImagesPerSecond(), r.testImages(), r.testAccuracy(),
                    published == null ? "-" : String.format(Locale.ROOT, "%.3f", published)));
        }
        if (!environment.isEmpty()) {
            sb.append('\n');
            environment.forEach((k, v) -> sb.append("- ").append(k).append(": ").append(v).append('\n'));
        }
        return sb.toString();
    }

    /** The report as a pretty-printed JSON document: dataset, training settings, environment, one row per model. */
    public String toJson() {
        return Json.toPretty(json());
    }

    private JsonObject json() {
        JsonObject o = new JsonObject();
        o.addProperty("dataset", dataSpec);
        JsonObject t = new JsonObject();
        t.addProperty("batch", training.batchSize());
        t.addProperty("optimizer", training.optimizer());
        t.addProperty("lr", training.lr());
        t.addProperty("schedule", "cosine to 0 over all steps");
        t.addProperty("seed", training.seed());
        t.addProperty("augmentation", augmentation());
        o.add("training", t);
        JsonObject env = new JsonObject();
        environment.forEach(env::addProperty);
        o.add("environment", env);
        JsonArray rows = new JsonArray();
        for (ZooBenchmark.Result r : results) {
            JsonObject row = new JsonObject();
            row.addProperty("model", r.model());
            row.addProperty("input", r.setup().size());
            row.addProperty("width", r.setup().width());
            row.addProperty("notes", r.setup().notes());
            row.addProperty("params", r.params());
            row.addProperty("macs", r.macs());
            row.addProperty("epochs", r.epochs());
            row.addProperty("train_images", r.trainImages());
            row.addProperty("test_images", r.testImages());
            row.addProperty("test_accuracy", r.testAccuracy());
            row.addProperty("train_accuracy", r.trainAccuracy());
            row.addProperty("seconds_per_epoch", r.secondsPerEpoch());
            row.addProperty("train_images_per_second", r.trainImagesPerSecond());
            if (!Double.isNaN(r.testSeconds())) {
                row.addProperty("test_seconds", r.testSeconds());
            }
            Double published = this.published.get(r.model());
            if (published != null) {
                row.addProperty("published_accuracy", published);
            }
            row.add("epoch_seconds", array(r.epochSeconds()));
            if (!r.epochTestAccuracy().isEmpty()) {
                row.add("epoch_test_accuracy", array(r.epochTestAccuracy()));
            }
            rows.add(row);
        }
        o.add("results", rows);
        return o;
    }

    /** The accuracy bar chart's data. */
    public Chart chart() {
        List<String> labels = new ArrayList<>();
        double[] ours = new double[results.size()];
        double[] published = new double[results.size()];
        for (int i = 0; i < results.size(); i++) {
            ZooBenchmark.Result r = results.get(i);
            labels.add(String.format(Locale.ROOT, "%s %dpx w%s", r.model(), r.setup().size(), fmt(r.setup().width())));
            ours[i] = r.testAccuracy();
            published[i] = this.published.getOrDefault(r.model(), Double.NaN);
        }
        Map<String, double[]> series = new LinkedHashMap<>();
        series.put("convnet4j (reduced width, few epochs, 2 CPU cores)", ours);
        if (!this.published.isEmpty()) {
            series.put("published (Fashion-MNIST README)", published);
        }
        double lowest = 1;
        for (double v : ours) {
            lowest = Math.min(lowest, v);
        }
        // start the axis below the lowest bar, so that differences of a few points stay visible
        double yMin = Math.max(0, Math.floor((lowest - 0.05) * 10) / 10);
        return new Chart(title() + " test accuracy", "test accuracy", labels, series, yMin, 1.0);
    }

    private String title() {
        return dataSpec.equalsIgnoreCase("fashion-mnist") ? "Fashion-MNIST" : dataSpec;
    }

    private static JsonArray array(List<Double> values) {
        JsonArray a = new JsonArray();
        values.forEach(a::add);
        return a;
    }

    /** 0.25 → "0.25", 1.0 → "1". */
    static String fmt(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }

    /** 12_345_678 → "12.3 M". */
    static String humanMacs(long macs) {
        if (macs >= 1_000_000_000L) {
            return String.format(Locale.ROOT, "%.2f G", macs / 1e9);
        }
        if (macs >= 1_000_000L) {
            return String.format(Locale.ROOT, "%.1f M", macs / 1e6);
        }
        return String.format(Locale.ROOT, "%.0f k", macs / 1e3);
    }
}

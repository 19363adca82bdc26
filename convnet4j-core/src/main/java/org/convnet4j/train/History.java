package org.convnet4j.train;

import org.convnet4j.internal.json.Json;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Metrics per epoch, in order: one record per finished epoch, mapping names to values. The trainer writes
 * {@code epoch} (1-based), {@code train_loss}, {@code train_accuracy}, {@code val_loss}, {@code val_accuracy}
 * (with validation data), {@code lr}, {@code seconds} and {@code images_per_second}. {@link #series} gives one
 * metric over the epochs for plotting; the history is saved in checkpoints.
 */
public final class History {
    public static final String EPOCH = "epoch";
    public static final String TRAIN_LOSS = "train_loss";
    public static final String TRAIN_ACCURACY = "train_accuracy";
    public static final String VAL_LOSS = "val_loss";
    public static final String VAL_ACCURACY = "val_accuracy";
    public static final String LR = "lr";
    public static final String SECONDS = "seconds";
    public static final String IMAGES_PER_SECOND = "images_per_second";

    /**
     * The keys that count rather than measure, written to JSON as whole numbers when whole: {@code epoch}, and the
     * {@code phase} and {@code refit} columns of a two-phase fit's history (transfer's FineTuning).
     */
    public static final Set<String> COUNTERS = Set.of(EPOCH, "phase", "refit");

    private final List<Map<String, Double>> epochs = new ArrayList<>();

    public void add(Map<String, Double> record) {
        epochs.add(Collections.unmodifiableMap(new LinkedHashMap<>(record)));
    }

    /** Number of recorded epochs. */
    public int size() {
        return epochs.size();
    }

    public List<Map<String, Double>> epochs() {
        return Collections.unmodifiableList(epochs);
    }

    /** The last record, or null if none. */
    public Map<String, Double> last() {
        return epochs.isEmpty() ? null : epochs.get(epochs.size() - 1);
    }

    /** Names of all recorded metrics, in first-seen order. */
    public List<String> metricNames() {
        Set<String> names = new LinkedHashSet<>();
        epochs.forEach(r -> names.addAll(r.keySet()));
        return List.copyOf(names);
    }

    /** The metric over the epochs; NaN where an epoch did not record it. */
    public double[] series(String metric) {
        return series(epochs, metric);
    }

    /** One metric over a list of epochs in this class's form; NaN where an epoch did not record it. */
    public static double[] series(List<Map<String, Double>> epochs, String metric) {
        double[] s = new double[epochs.size()];
        for (int i = 0; i < s.length; i++) {
            Double v = epochs.get(i).get(metric);
            s[i] = v == null ? Double.NaN : v;
        }
        return s;
    }

    /** The epochs as compact JSON text, an array of objects ({@link #fromJson} reads it). */
    public String toJson() {
        return Json.toCompact(tree());
    }

    JsonArray tree() {
        JsonArray a = new JsonArray();
        for (Map<String, Double> r : epochs) {
            JsonObject o = new JsonObject();
            // JSON has no NaN; a missing key stands for it. Counters are written as whole numbers ("epoch": 3, not
            // 3.0), as TransferHistory's per-phase rows and the kept-epoch keys write them
            r.forEach((k, v) -> {
                if (Double.isFinite(v)) {
                    if (COUNTERS.contains(k) && v == Math.rint(v) && Math.abs(v) < 1e15) {
                        o.addProperty(k, (long) (double) v);
                    } else {
                        o.addProperty(k, v);
                    }
                }
            });
            a.add(o);
        }
        return a;
    }

    /** Reads {@link #toJson}'s form. */
    public static History fromJson(String json) {
        return fromTree(Json.parseArray(json, "History.fromJson"));
    }

    static History fromTree(JsonArray array) {
        History h = new History();
        for (JsonElement e : array) {
            if (!e.isJsonObject()) {
                throw new IllegalArgumentException("History.fromJson: each epoch must be an object, got " + e);
            }
            Map<String, Double> r = new LinkedHashMap<>();
            for (Map.Entry<String, JsonElement> m : e.getAsJsonObject().entrySet()) {
                try {
                    r.put(m.getKey(), m.getValue().getAsDouble());
                } catch (RuntimeException ex) {
                    throw new IllegalArgumentException("History.fromJson: '" + m.getKey() + "' is not a number: "
                            + m.getValue(), ex);
                }
            }
            h.add(r);
        }
        return h;
    }

    @Override
    public String toString() {
        return "History" + epochs;
    }
}

package org.convnet4j.train;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Which epoch's weights a training ended with and why, in the one vocabulary every command's JSON uses for a fit:
 * {@code train --json}, each phase of {@code transfer --json} and of {@code experiment transfer}'s results.json,
 * {@code fuse --json} (and each trained member of a late fusion). The keys ({@link #KEYS}): {@code epochs} (run),
 * {@code max_epochs} (allowed), {@code kept_epoch} (1-based: the epoch whose weights were kept), {@code kept_because}
 * (why that one, in words), {@code early_stop} (whether early stopping ended the training before its most epochs),
 * and, when the fit had validation data, {@code val_loss} and {@code val_accuracy} of the kept epoch. The per-epoch
 * rows go under {@value #HISTORY}, each with {@link History}'s keys ({@code epoch}, {@code train_loss},
 * {@code train_accuracy}, {@code val_loss}, {@code val_accuracy}, {@code lr}, {@code seconds}, ...).
 *
 * @param epochs      epochs run
 * @param maxEpochs   most epochs allowed
 * @param epoch       the epoch whose weights were kept (1-based; 0 when no epoch ran)
 * @param because     why that epoch, in words
 * @param earlyStop   true when early stopping ended the training before {@code maxEpochs}
 * @param valLoss     the kept epoch's validation loss (NaN without validation)
 * @param valAccuracy the kept epoch's validation accuracy (NaN without validation)
 */
public record KeptEpoch(int epochs, int maxEpochs, int epoch, String because, boolean earlyStop, double valLoss,
                        double valAccuracy) {
    public static final String EPOCHS = "epochs";
    public static final String MAX_EPOCHS = "max_epochs";
    public static final String KEPT_EPOCH = "kept_epoch";
    public static final String KEPT_BECAUSE = "kept_because";
    public static final String EARLY_STOP = "early_stop";
    /** The key of a fit's per-epoch rows. */
    public static final String HISTORY = "history";
    /** The keys every fit's JSON object has (the validation figures only with validation data). */
    public static final List<String> KEYS = List.of(EPOCHS, MAX_EPOCHS, KEPT_EPOCH, KEPT_BECAUSE, EARLY_STOP);

    public KeptEpoch {
        if (epoch < 0 || epoch > epochs) {
            throw new IllegalArgumentException("kept epoch " + epoch + " of " + epochs + " epochs run");
        }
    }

    /**
     * The epoch a training without a choice ended with: the last one of {@code history}, its validation figures if
     * it recorded them, {@code because} saying why the last (e.g. "no validation data to choose by").
     */
    public static KeptEpoch last(History history, int maxEpochs, String because) {
        int n = history.size();
        Map<String, Double> r = n == 0 ? Map.of() : history.epochs().get(n - 1);
        return new KeptEpoch(n, maxEpochs, n, because, false, value(r, History.VAL_LOSS),
                value(r, History.VAL_ACCURACY));
    }

    /**
     * The epoch a {@link CheckpointListener} saving the best epoch by {@code monitor} keeps (the first epoch that
     * no later one improves on by more than the monitor's margin), {@code earlyStop} when early stopping ended the
     * training. {@code because} reads "highest validation accuracy (0.9120) of the 5 epochs run; the training ran its
     * most epochs" or "...; early stopping ended the training after epoch 5".
     *
     * @throws IllegalArgumentException when no epoch recorded a finite value of the monitored metric
     */
    public static KeptEpoch best(History history, int maxEpochs, Monitor monitor, boolean earlyStop) {
        int best = 0;
        double value = Double.NaN;
        List<Map<String, Double>> rows = history.epochs();
        for (int i = 0; i < rows.size(); i++) {
            Double v = rows.get(i).get(monitor.metric());
            if (v != null && monitor.improves(v, value)) {
                best = i + 1;
                value = v;
            }
        }
        if (best == 0) {
            throw new IllegalArgumentException("KeptEpoch.best: no epoch recorded " + monitor.metric());
        }
        int n = rows.size();
        String because = String.format(Locale.ROOT, "%s %s (%.4f) of the %d %s run%s",
                monitor.higherIsBetter() ? "highest" : "lowest", words(monitor.metric()), value, n,
                n == 1 ? "epoch" : "epochs", earlyStop ? "; early stopping ended the training after epoch " + n
                        : n >= maxEpochs ? "; the training ran its most epochs" : "");
        Map<String, Double> r = rows.get(best - 1);
        return new KeptEpoch(n, maxEpochs, best, because, earlyStop, value(r, History.VAL_LOSS),
                value(r, History.VAL_ACCURACY));
    }

    /** The JSON-ready keys in their order ({@link #KEYS}, then the validation figures that are finite). */
    public Map<String, Object> tree() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put(EPOCHS, epochs);
        m.put(MAX_EPOCHS, maxEpochs);
        m.put(KEPT_EPOCH, epoch);
        m.put(KEPT_BECAUSE, because);
        m.put(EARLY_STOP, earlyStop);
        if (Double.isFinite(valLoss)) {
            m.put(History.VAL_LOSS, valLoss);
        }
        if (Double.isFinite(valAccuracy)) {
            m.put(History.VAL_ACCURACY, valAccuracy);
        }
        return m;
    }

    private static String words(String metric) {
        return metric.replace('_', ' ').replace("val ", "validation ");
    }

    private static double value(Map<String, Double> r, String key) {
        Double v = r.get(key);
        return v == null ? Double.NaN : v;
    }
}

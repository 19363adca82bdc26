package org.convnet4j.train;

import java.util.Map;

/**
 * A metric of the epoch records to watch and which direction is better: lower for names containing "loss",
 * higher otherwise (accuracy), unless given.
 */
public record Monitor(String metric, boolean higherIsBetter, double minDelta) {
    public Monitor {
        if (metric == null || metric.isEmpty() || !(minDelta >= 0)) {
            throw new IllegalArgumentException("Monitor: needs a metric name and minDelta >= 0, got '" + metric + "', "
                    + minDelta);
        }
    }

    /** val_loss → lower is better; val_accuracy → higher is better. */
    public static Monitor of(String metric) {
        return new Monitor(metric, !metric.contains("loss"), 0);
    }

    /** The metric's value in a record; fails naming the metrics there are (no validation data, say). */
    public double valueIn(Map<String, Double> record) {
        Double v = record.get(metric);
        if (v == null) {
            throw new IllegalStateException("monitored metric '" + metric + "' is not recorded; the epoch has "
                    + record.keySet() + (metric.startsWith("val_") ? " (was validation data given?)" : ""));
        }
        return v;
    }

    /** Whether {@code value} beats {@code best} by more than minDelta (anything finite beats NaN). */
    public boolean improves(double value, double best) {
        if (!Double.isFinite(value)) {
            return false;
        }
        if (Double.isNaN(best)) {
            return true;
        }
        return higherIsBetter ? value > best + minDelta : value < best - minDelta;
    }
}

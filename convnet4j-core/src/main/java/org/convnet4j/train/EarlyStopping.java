package org.convnet4j.train;

import java.util.Locale;
import java.util.Map;
import org.convnet4j.tensor.Tensor;

/**
 * Stops training when the monitored metric has not improved for {@code patience} epochs, and optionally puts
 * back the parameters of the best epoch when training ends.
 *
 * <p>After a resume the best value and the epochs without improvement are recomputed from the history; the
 * best parameters themselves are not in the checkpoint, so restoring then only covers epochs after the resume.
 */
public final class EarlyStopping implements TrainingListener {
    private final Monitor monitor;
    private final int patience;
    private final boolean restoreBest;
    private double best = Double.NaN;
    private int bestEpoch;
    private int waited;
    private Map<String, Tensor> bestParameters;
    private int stoppedAt;
    private int startFromEpoch = 1;

    /** Which weights the model keeps when training stops. */
    public enum AtEnd {
        /** The last epoch's. */
        KEEP_LAST,
        /** The best epoch's (copied when it was reached). */
        RESTORE_BEST
    }

    /** Stops after {@code patience} epochs without improvement of {@code monitor}; {@code atEnd}: which weights stay. */
    public EarlyStopping(Monitor monitor, int patience, AtEnd atEnd) {
        this(monitor, patience, atEnd == AtEnd.RESTORE_BEST);
    }

    /** Monitor {@code val_loss} or {@code val_accuracy} (direction from the name); {@code atEnd}: which weights stay. */
    public EarlyStopping(String metric, int patience, AtEnd atEnd) {
        this(Monitor.of(metric), patience, atEnd);
    }

    /**
     * Stops after {@code patience} epochs without improvement; {@code restoreBest} restores the best epoch's weights.
     *
     * @deprecated the boolean does not say what it means at the call site; use {@link #EarlyStopping(Monitor, int, AtEnd)}
     */
    @Deprecated
    public EarlyStopping(Monitor monitor, int patience, boolean restoreBest) {
        if (patience < 1) {
            throw new IllegalArgumentException("EarlyStopping: patience must be >= 1, got " + patience);
        }
        this.monitor = monitor;
        this.patience = patience;
        this.restoreBest = restoreBest;
    }

    /**
     * Monitor {@code val_loss} or {@code val_accuracy} (direction from the name).
     *
     * @deprecated the boolean does not say what it means at the call site; use {@link #EarlyStopping(String, int, AtEnd)}
     */
    @Deprecated
    public EarlyStopping(String metric, int patience, boolean restoreBest) {
        this(Monitor.of(metric), patience, restoreBest);
    }

    /**
     * Epochs before {@code epoch} (1-based) are not monitored: they can be neither the best nor count towards the
     * patience, as Keras' {@code EarlyStopping(start_from_epoch=...)}. A network trained from random weights can
     * have its lowest validation loss in its first epoch, while it still predicts almost uniformly.
     */
    public EarlyStopping startFromEpoch(int epoch) {
        if (epoch < 1) {
            throw new IllegalArgumentException("EarlyStopping: start epoch must be >= 1, got " + epoch);
        }
        this.startFromEpoch = epoch;
        return this;
    }

    @Override
    public void onTrainStart(TrainingContext ctx) {
        best = Double.NaN;
        bestEpoch = 0;
        waited = 0;
        bestParameters = null;
        stoppedAt = 0;
        for (Map<String, Double> r : ctx.history().epochs()) {
            observe(r, null, ctx);
        }
    }

    @Override
    public void onEpochEnd(TrainingContext ctx, int epoch, Map<String, Double> record) {
        observe(record, ctx, ctx);
        if (waited >= patience) {
            stoppedAt = epoch;
            ctx.requestStop(String.format(Locale.ROOT, "early stopping: %s did not improve for %d epochs; best %.6g at epoch %d",
                    monitor.metric(), waited, best, bestEpoch));
        }
    }

    private void observe(Map<String, Double> record, TrainingContext snapshotFrom, TrainingContext ctx) {
        if (record.get(History.EPOCH).intValue() < startFromEpoch) {
            return;
        }
        double value = monitor.valueIn(record);
        if (monitor.improves(value, best)) {
            best = value;
            bestEpoch = record.get(History.EPOCH).intValue();
            waited = 0;
            if (restoreBest && snapshotFrom != null) {
                bestParameters = TrainingCheckpoints.snapshot(ctx.model());
            }
        } else {
            waited++;
        }
    }

    @Override
    public void onTrainEnd(TrainingContext ctx) {
        if (restoreBest && bestParameters != null && bestEpoch != ctx.history().size()) {
            TrainingCheckpoints.restore(ctx.model(), bestParameters);
        }
    }

    public double best() {
        return best;
    }

    /** 1-based epoch of the best value; 0 if none yet. */
    public int bestEpoch() {
        return bestEpoch;
    }

    /** Epoch at which a stop was requested; 0 if training ran to the end. */
    public int stoppedAt() {
        return stoppedAt;
    }
}

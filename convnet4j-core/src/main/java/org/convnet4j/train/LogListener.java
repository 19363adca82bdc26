package org.convnet4j.train;

import java.io.PrintStream;
import java.lang.System.Logger.Level;
import java.util.Locale;
import java.util.Map;

/**
 * One line per epoch: epoch, train loss and accuracy, validation loss and accuracy, learning rate, images per
 * second and time. A stop requested by another listener is reported with its reason.
 *
 * <p>{@link #LogListener()} logs each line at INFO through {@link System.Logger} (logger
 * {@code org.convnet4j.train}), so an application decides where it goes; {@link #LogListener(PrintStream)}
 * writes to a stream the caller owns (the command line's standard output).
 */
public final class LogListener implements TrainingListener {
    private static final System.Logger LOG = System.getLogger("org.convnet4j.train");
    private final PrintStream out;

    /** Epoch lines go to the {@code org.convnet4j.train} logger at INFO. */
    public LogListener() {
        this.out = null;
    }

    /** Epoch lines are printed to {@code out}. */
    public LogListener(PrintStream out) {
        this.out = java.util.Objects.requireNonNull(out, "out");
    }

    @Override
    public void onEpochEnd(TrainingContext ctx, int epoch, Map<String, Double> r) {
        emit(format(epoch, ctx.config().epochs(), r));
    }

    @Override
    public void onTrainEnd(TrainingContext ctx) {
        if (ctx.stopRequested()) {
            emit("stopped: " + ctx.stopReason());
        }
    }

    private void emit(String line) {
        if (out != null) {
            out.println(line);
        } else {
            LOG.log(Level.INFO, line);
        }
    }

    static String format(int epoch, int epochs, Map<String, Double> r) {
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "epoch %d/%d  train loss %.4f acc %.4f", epoch,
                epochs, get(r, History.TRAIN_LOSS), get(r, History.TRAIN_ACCURACY)));
        if (r.containsKey(History.VAL_LOSS)) {
            b.append(String.format(Locale.ROOT, "  val loss %.4f acc %.4f", get(r, History.VAL_LOSS),
                    get(r, History.VAL_ACCURACY)));
        }
        b.append(String.format(Locale.ROOT, "  lr %.3g  %.0f img/s  %.1f s", get(r, History.LR),
                get(r, History.IMAGES_PER_SECOND), get(r, History.SECONDS)));
        return b.toString();
    }

    private static double get(Map<String, Double> r, String key) {
        Double v = r.get(key);
        return v == null ? Double.NaN : v;
    }
}

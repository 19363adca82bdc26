package org.convnet4j.train;

import java.io.PrintStream;
import java.util.Locale;
import java.util.Map;

/**
 * One line per epoch: epoch, train loss and accuracy, validation loss and accuracy, learning rate, images per
 * second and time. A stop requested by another listener is printed with its reason.
 */
public final class LogListener implements TrainingListener {
    private final PrintStream out;

    public LogListener() {
        this(System.out);
    }

    public LogListener(PrintStream out) {
        this.out = out;
    }

    @Override
    public void onEpochEnd(TrainingContext ctx, int epoch, Map<String, Double> r) {
        out.println(format(epoch, ctx.config().epochs(), r));
    }

    @Override
    public void onTrainEnd(TrainingContext ctx) {
        if (ctx.stopRequested()) {
            out.println("stopped: " + ctx.stopReason());
        }
    }

    /** The line printed for one epoch record. */
    public static String format(int epoch, int epochs, Map<String, Double> r) {
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

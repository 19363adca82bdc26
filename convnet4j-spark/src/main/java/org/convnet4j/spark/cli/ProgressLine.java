package org.convnet4j.spark.cli;

import java.util.Locale;
import java.util.Map;
import org.convnet4j.train.TrainingContext;
import org.convnet4j.train.TrainingListener;

/** One line on stderr, rewritten at most once a second: epoch, batch, running loss. */
final class ProgressLine implements TrainingListener {
    private long shown;

    @Override
    public void onBatchEnd(TrainingContext ctx, int epoch, int batch, int batches, double loss) {
        long now = System.nanoTime();
        if (System.console() != null && now - shown > 1_000_000_000L || batch == batches) {
            shown = now;
            System.err.printf(Locale.ROOT, "\repoch %d: batch %d/%d, loss %.4f ", epoch, batch, batches,
                    ctx.runningMetrics() == null ? loss : ctx.runningMetrics().loss());
            System.err.flush();
        }
    }

    @Override
    public void onEpochEnd(TrainingContext ctx, int epoch, Map<String, Double> record) {
        if (System.console() == null) {
            return;
        }
        System.err.print("\r\033[K");
        System.err.flush();
    }
}

package org.convnet4j.spark.cli;

import java.io.PrintStream;
import java.util.Locale;
import java.util.Map;
import org.convnet4j.train.TrainingContext;
import org.convnet4j.train.TrainingListener;
import org.convnet4j.util.ProgressOutput;

/**
 * Progress of each epoch on stderr ({@link ProgressOutput}): batches done, batches per second, time left and the
 * running loss; a bar redrawn in place at a terminal, whole lines in a log (at its end, and within a long epoch at
 * its 10% steps or after 30 s, at most every 5 s).
 */
final class ProgressLine implements TrainingListener {
    private final PrintStream out;
    private final ProgressOutput.Mode mode;
    private ProgressOutput epochProgress;

    ProgressLine() {
        this(System.err, ProgressOutput.Mode.forStderr());
    }

    ProgressLine(PrintStream out, ProgressOutput.Mode mode) {
        this.out = out;
        this.mode = mode;
    }

    @Override
    public void onBatchEnd(TrainingContext ctx, int epoch, int batch, int batches, double loss) {
        if (epochProgress == null) {
            epochProgress = new ProgressOutput(out, mode, String.format(Locale.ROOT, "epoch %d", epoch),
                    ProgressOutput.Unit.count("batches")).atMostEvery(ProgressOutput.EPOCH_GAP_NANOS);
        }
        epochProgress.message(String.format(Locale.ROOT, "loss %.4f",
                ctx.runningMetrics() == null ? loss : ctx.runningMetrics().loss()));
        epochProgress.update(batch, batches);
    }

    @Override
    public void onEpochEnd(TrainingContext ctx, int epoch, Map<String, Double> record) {
        close();
    }

    @Override
    public void onTrainEnd(TrainingContext ctx) {
        close();
    }

    private void close() {
        if (epochProgress != null) {
            epochProgress.finish();
            epochProgress = null;
        }
    }
}

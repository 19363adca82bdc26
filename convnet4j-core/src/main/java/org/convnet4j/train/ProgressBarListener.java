package org.convnet4j.train;

import java.io.PrintStream;
import java.util.Locale;
import java.util.Map;
import org.convnet4j.util.ProgressOutput;

/**
 * Progress of each epoch ({@link ProgressOutput}): images done of the epoch, images per second, time left in the
 * epoch, and the running loss and accuracy of the epoch's batches. A bar redrawn in place at a terminal; in a log
 * (stderr a file or a pipe), one line when the epoch ends and, within a long epoch, a line at its 10% steps (or after
 * 30 s) at most every {@link ProgressOutput#EPOCH_GAP_NANOS 5 s}; never a carriage return.
 * The command line's {@code train} and {@code transfer} draw it on standard error with {@link
 * ProgressOutput.Mode#forStderr()}; {@link LogListener} is the line per epoch beside it.
 */
public final class ProgressBarListener implements TrainingListener {
    private final PrintStream out;
    private final ProgressOutput.Mode mode;
    private ProgressOutput epochProgress;
    private int batchSize;
    private long epochImages;

    public ProgressBarListener(PrintStream out, ProgressOutput.Mode mode) {
        this.out = out;
        this.mode = mode;
    }

    @Override
    public void onEpochStart(TrainingContext ctx, int epoch) {
        close();
        batchSize = ctx.config().batchSize();
        epochImages = ctx.samplesPerEpoch(); // exact from the start: the last batch may be smaller than the others
        String task = String.format(Locale.ROOT, "epoch %d/%d", epoch, ctx.config().epochs());
        epochProgress = new ProgressOutput(out, mode, task, ProgressOutput.Unit.count("img"))
                .atMostEvery(ProgressOutput.EPOCH_GAP_NANOS);
        epochProgress.update(0, epochImages);
    }

    @Override
    public void onBatchEnd(TrainingContext ctx, int epoch, int batch, int batches, double loss) {
        if (epochProgress == null) {
            return;
        }
        Metrics m = ctx.runningMetrics();
        long done = m != null ? m.count() : Math.min((long) batch * batchSize, epochImages);
        if (m != null) {
            epochProgress.message(String.format(Locale.ROOT, "loss %.4f acc %.4f", m.loss(), m.accuracy()));
        }
        epochProgress.update(done, epochImages);
    }

    @Override
    public void onEpochEnd(TrainingContext ctx, int epoch, Map<String, Double> record) {
        close();
    }

    @Override
    public void onTrainEnd(TrainingContext ctx) {
        close();
    }

    /** Ends the epoch's progress (its closing line, or the bar's line); also when training fails. */
    public void close() {
        if (epochProgress != null) {
            epochProgress.finish();
            epochProgress = null;
        }
    }
}

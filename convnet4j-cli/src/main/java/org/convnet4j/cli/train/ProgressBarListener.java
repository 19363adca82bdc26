package org.convnet4j.cli.train;

import java.io.PrintStream;
import java.util.Locale;
import java.util.Map;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.InteractiveConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.convnet4j.train.Metrics;
import org.convnet4j.train.TrainingContext;
import org.convnet4j.train.TrainingListener;

/**
 * A live progress bar per epoch (me.tongfei progressbar): images done of the epoch, images per second, time left
 * in the epoch, and the running loss and accuracy of the epoch's batches. Unicode blocks and in-place redraws on
 * a terminal; plain ASCII redrawn with carriage returns every few seconds otherwise (a log file stays small).
 */
public final class ProgressBarListener implements TrainingListener {
    private final PrintStream out;
    private final boolean terminal;
    private ProgressBar bar;
    private int batchSize;
    private long epochImages;

    /** @param terminal whether {@code out} is an interactive terminal (decides the style and refresh rate) */
    public ProgressBarListener(PrintStream out, boolean terminal) {
        this.out = out;
        this.terminal = terminal;
    }

    /** On standard error; a terminal when the JVM has a console. */
    public static ProgressBarListener onStderr() {
        return new ProgressBarListener(System.err, System.console() != null);
    }

    @Override
    public void onEpochStart(TrainingContext ctx, int epoch) {
        batchSize = ctx.config().batchSize();
        epochImages = (long) ctx.batchesPerEpoch() * batchSize; // refined at the last batch (it may be smaller)
        bar = new ProgressBarBuilder()
                .setTaskName(String.format(Locale.ROOT, "epoch %d/%d", epoch, ctx.config().epochs()))
                .setInitialMax(epochImages)
                .setStyle(terminal ? ProgressBarStyle.COLORFUL_UNICODE_BLOCK : ProgressBarStyle.ASCII)
                .setUnit(" img", 1)
                .showSpeed()
                .setSpeedUnit(java.time.temporal.ChronoUnit.SECONDS)
                .setUpdateIntervalMillis(terminal ? 250 : 5000)
                .setConsumer(terminal ? new InteractiveConsoleProgressBarConsumer(out, 120)
                        : new ConsoleProgressBarConsumer(out, 120))
                .build();
    }

    @Override
    public void onBatchEnd(TrainingContext ctx, int epoch, int batch, int batches, double loss) {
        if (bar == null) {
            return;
        }
        Metrics m = ctx.runningMetrics();
        long done = m != null ? m.count() : (long) batch * batchSize;
        if (batch == batches) {
            bar.maxHint(done);
        }
        bar.stepTo(done);
        if (m != null) {
            bar.setExtraMessage(String.format(Locale.ROOT, " loss %.4f acc %.4f", m.loss(), m.accuracy()));
        }
    }

    @Override
    public void onEpochEnd(TrainingContext ctx, int epoch, Map<String, Double> record) {
        close();
    }

    @Override
    public void onTrainEnd(TrainingContext ctx) {
        close();
    }

    /** Also to be called when training fails, so that the bar's refresh thread ends. */
    public void close() {
        if (bar != null) {
            bar.close();
            bar = null;
        }
    }
}

package org.convnet4j.cli.transfer;

import java.io.PrintStream;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.convnet4j.transfer.FeatureExtractor;

/** A progress bar on stderr for feature extraction (bottleneck features, cached frozen prefix). */
public final class ExtractionProgressBar implements FeatureExtractor.Progress, AutoCloseable {
    private final PrintStream out;
    private final String task;
    private ProgressBar bar;

    public ExtractionProgressBar(PrintStream out, String task) {
        this.out = out;
        this.task = task;
    }

    @Override
    public void update(long done, long total) {
        if (bar == null) {
            bar = new ProgressBarBuilder().setTaskName(task).setInitialMax(total).setUnit(" img", 1)
                    .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(1000)
                    .setConsumer(new ConsoleProgressBarConsumer(out, 100)).build();
        }
        bar.stepTo(done);
        if (done >= total) {
            close();
        }
    }

    @Override
    public void close() {
        if (bar != null) {
            bar.close();
            bar = null;
        }
    }
}

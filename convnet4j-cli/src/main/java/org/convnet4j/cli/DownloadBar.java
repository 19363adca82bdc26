package org.convnet4j.cli;

import java.io.PrintStream;
import java.time.temporal.ChronoUnit;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.convnet4j.io.weights.Downloads;

/**
 * Size, speed and ETA of a download on stderr: a bar redrawn in place when stderr is a terminal, whole lines
 * ({@link DownloadLines}) when it is a file or pipe, nothing with {@code CONVNET4J_PROGRESS=none}
 * ({@link Terminal#progress}).
 */
public final class DownloadBar implements Downloads.Progress, AutoCloseable {
    private final PrintStream out;
    private final Terminal.Progress mode;
    private final DownloadLines lines;
    private ProgressBar bar;

    public DownloadBar(PrintStream out) {
        this(out, Terminal.progress());
    }

    DownloadBar(PrintStream out, Terminal.Progress mode) {
        this.out = out;
        this.mode = mode;
        this.lines = mode == Terminal.Progress.LINES ? new DownloadLines(out) : null;
    }

    @Override
    public void update(String file, long done, long total) {
        if (mode == Terminal.Progress.NONE) {
            return;
        }
        if (lines != null) {
            lines.update(file, done, total);
            return;
        }
        if (bar == null) {
            bar = new ProgressBarBuilder().setTaskName(file).setInitialMax(Math.max(total, -1))
                    .setUnit(total >= 0 && total < 10 << 20 ? " KB" : " MB", total >= 0 && total < 10 << 20 ? 1 << 10 : 1 << 20)
                    .showSpeed().setSpeedUnit(ChronoUnit.SECONDS)
                    .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(500)
                    .setConsumer(new ConsoleProgressBarConsumer(out, 100)).build();
        }
        bar.stepTo(done);
    }

    @Override
    public void finished(String file) {
        if (lines != null) {
            lines.finished(file);
        }
        close();
    }

    @Override
    public void close() {
        if (bar != null) {
            bar.close();
            bar = null;
        }
    }
}

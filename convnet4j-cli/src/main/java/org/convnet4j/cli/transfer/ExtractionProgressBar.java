package org.convnet4j.cli.transfer;

import java.io.PrintStream;
import org.convnet4j.cli.Terminal;
import org.convnet4j.transfer.FeatureExtractor;
import org.convnet4j.util.ProgressOutput;

/**
 * Progress of feature extraction (bottleneck features, cached frozen prefix) on stderr ({@link ProgressOutput}):
 * a bar at a terminal, lines in a log.
 */
public final class ExtractionProgressBar implements FeatureExtractor.Progress, AutoCloseable {
    private final PrintStream out;
    private final String task;
    private final ProgressOutput.Mode mode;
    private ProgressOutput current;

    public ExtractionProgressBar(PrintStream out, String task) {
        this(out, task, Terminal.progress());
    }

    public ExtractionProgressBar(PrintStream out, String task, ProgressOutput.Mode mode) {
        this.out = out;
        this.task = task;
        this.mode = mode;
    }

    @Override
    public void update(long done, long total) {
        if (current == null) {
            current = new ProgressOutput(out, mode, task, ProgressOutput.Unit.count("img"))
                    .opening("extracting " + task);
        }
        current.update(done, total);
        if (done >= total) {
            close();
        }
    }

    @Override
    public void close() {
        if (current != null) {
            current.finish();
            current = null;
        }
    }
}

package org.convnet4j.transfer;

import java.io.PrintStream;
import org.convnet4j.util.ProgressOutput;

/**
 * Progress of feature extraction (bottleneck features, cached frozen prefix) on {@code out} ({@link ProgressOutput}):
 * a bar at a terminal, lines in a log ({@code mode}; the command line passes {@link ProgressOutput.Mode#forStderr()}).
 */
public final class ExtractionProgressBar implements FeatureExtractor.Progress, AutoCloseable {
    private final PrintStream out;
    private final String task;
    private final ProgressOutput.Mode mode;
    private ProgressOutput current;

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

package org.convnet4j.io.weights;

import java.io.PrintStream;
import org.convnet4j.util.ProgressOutput;

/**
 * Size, speed and ETA of each download on {@code out} ({@link ProgressOutput}), as {@code mode} says: a bar redrawn in
 * place ({@code bar}), whole lines ({@code downloading NAME (SIZE)}, every 10% or 30 s, a closing line) or nothing. The
 * command line passes standard error and {@link ProgressOutput.Mode#forStderr()} (a bar at a terminal, lines in a log,
 * {@code CONVNET4J_PROGRESS=bar|lines|none}); give it to {@link ModelLoader.Options#withProgress}.
 */
public final class DownloadBar implements Downloads.Progress, AutoCloseable {
    private final PrintStream out;
    private final ProgressOutput.Mode mode;
    private ProgressOutput current;

    public DownloadBar(PrintStream out, ProgressOutput.Mode mode) {
        this.out = out;
        this.mode = mode;
    }

    @Override
    public void update(String file, long done, long total) {
        if (current == null) {
            current = new ProgressOutput(out, mode, file, ProgressOutput.Unit.bytes()).opening("downloading " + file);
        }
        current.update(done, total);
    }

    @Override
    public void finished(String file) {
        close();
    }

    @Override
    public void close() {
        if (current != null) {
            current.finish();
            current = null;
        }
    }
}

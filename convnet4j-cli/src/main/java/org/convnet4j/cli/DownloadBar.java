package org.convnet4j.cli;

import java.io.PrintStream;
import org.convnet4j.io.weights.Downloads;
import org.convnet4j.util.ProgressOutput;

/**
 * Size, speed and ETA of a download on stderr ({@link ProgressOutput}): a bar redrawn in place when stderr is a
 * terminal, whole lines ({@code downloading NAME (SIZE)}, every 10% or 30 s, a closing line) when it is a file or
 * pipe, nothing with {@code CONVNET4J_PROGRESS=none} ({@link Terminal#progress}).
 */
public final class DownloadBar implements Downloads.Progress, AutoCloseable {
    private final PrintStream out;
    private final ProgressOutput.Mode mode;
    private ProgressOutput current;

    public DownloadBar(PrintStream out) {
        this(out, Terminal.progress());
    }

    DownloadBar(PrintStream out, ProgressOutput.Mode mode) {
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

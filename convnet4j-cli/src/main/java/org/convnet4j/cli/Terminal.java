package org.convnet4j.cli;

import org.convnet4j.util.ProgressOutput;

/**
 * How the command line shows progress on standard error: {@link ProgressOutput.Mode#forStderr()} (a bar at a
 * terminal, whole lines in a log, {@code CONVNET4J_PROGRESS=bar|lines|none} to choose), with a bad setting reported
 * as bad input.
 */
public final class Terminal {
    private Terminal() {
    }

    /** The progress mode for standard error; a bad {@code CONVNET4J_PROGRESS} is one line, exit 2. */
    public static ProgressOutput.Mode progress() {
        return ProgressOutput.Mode.forStderr(); // its IllegalArgumentException is bad input (ErrorReporter)
    }
}

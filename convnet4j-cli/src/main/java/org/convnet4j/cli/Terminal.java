package org.convnet4j.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Whether standard error is a terminal, so progress can be a bar redrawn in place there and plain lines in a log
 * ({@code 2>log}, CI). The JVM cannot ask about standard error directly, so in order: the property
 * {@code convnet4j.stderr.terminal} (the {@code convnet4j} launcher sets it from {@code [ -t 2 ]}, because it pipes
 * the JVM's stderr through a filter), then where {@code /proc/self/fd/2} points (Linux: a {@code /dev/pts/N} or
 * {@code /dev/ttyN} is a terminal, a file or pipe is not), then whether the JVM has a console.
 */
public final class Terminal {
    private Terminal() {
    }

    /** How progress is shown: a redrawn bar, a line now and then, or not at all. */
    public enum Progress { BAR, LINES, NONE }

    /**
     * {@code CONVNET4J_PROGRESS} (or property {@code convnet4j.progress}) = {@code bar}, {@code lines} or
     * {@code none} if set; otherwise a bar when standard error is a terminal ({@link #stderrIsTerminal}), else lines.
     */
    public static Progress progress() {
        String p = System.getProperty("convnet4j.progress");
        if (p == null) {
            p = System.getenv("CONVNET4J_PROGRESS");
        }
        if (p != null && !p.isBlank()) {
            switch (p.trim().toLowerCase(Locale.ROOT)) {
                case "bar":
                    return Progress.BAR;
                case "lines":
                    return Progress.LINES;
                case "none": case "off": case "0":
                    return Progress.NONE;
                default:
                    throw new BadInputException("CONVNET4J_PROGRESS='" + p + "': give bar, lines or none");
            }
        }
        return stderrIsTerminal() ? Progress.BAR : Progress.LINES;
    }

    /** True if standard error is a terminal, as far as the JVM can tell (see the class comment). */
    public static boolean stderrIsTerminal() {
        String told = System.getProperty("convnet4j.stderr.terminal");
        if (told != null && !told.isBlank()) {
            return Boolean.parseBoolean(told.trim());
        }
        Path fd = Path.of("/proc/self/fd/2");
        if (Files.isSymbolicLink(fd)) {
            try {
                String target = Files.readSymbolicLink(fd).toString();
                return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty") || target.equals("/dev/console");
            } catch (IOException | UnsupportedOperationException | SecurityException e) {
                // fall through to the console test
            }
        }
        return System.console() != null;
    }
}

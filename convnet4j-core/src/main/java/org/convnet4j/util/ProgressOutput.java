package org.convnet4j.util;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * Progress of one task (a download, an epoch, an extraction) on a stream the caller gives, in the form that suits
 * where the stream goes: at a terminal a bar redrawn in place with carriage returns ({@link Mode#BAR}); in a file or
 * pipe ({@code 2>log}, CI) whole lines, as pip and wget write them there ({@link Mode#LINES}): an opening line, a
 * line each time another {@code stepPercent} percent is done or {@code everyNanos} have passed without one (a slow
 * task still shows it is alive; with an unknown total only the latter), never two of them closer than
 * {@link #atMostEvery} apart (an epoch: {@link #EPOCH_GAP_NANOS}, so a fast epoch is one line, as Keras'
 * {@code verbose=2} prints it), and a closing line with the amount, the time and the rate, or where it stopped. {@link Mode#NONE} writes nothing. {@link Mode#forStderr()} chooses as the
 * command line does.
 *
 * <p>Not thread-safe: one task, updated from one thread at a time. The library never writes to stderr itself;
 * the stream is the caller's.
 */
public final class ProgressOutput implements AutoCloseable {
    /** How progress is shown: a bar redrawn in place, a line now and then, or not at all. */
    public enum Mode {
        BAR, LINES, NONE;

        /**
         * {@code CONVNET4J_PROGRESS} (or the property {@code convnet4j.progress}) = {@code bar}, {@code lines} or
         * {@code none} when set; otherwise a bar when standard error is a terminal ({@link #stderrIsTerminal()}),
         * else lines.
         *
         * @throws IllegalArgumentException for another value, naming it
         */
        public static Mode forStderr() {
            String p = System.getProperty("convnet4j.progress");
            if (p == null) {
                p = System.getenv("CONVNET4J_PROGRESS");
            }
            if (p != null && !p.isBlank()) {
                switch (p.trim().toLowerCase(Locale.ROOT)) {
                    case "bar":
                        return BAR;
                    case "lines":
                        return LINES;
                    case "none": case "off": case "0":
                        return NONE;
                    default:
                        throw new IllegalArgumentException("CONVNET4J_PROGRESS='" + TerminalText.escape(p)
                                + "': give bar, lines or none");
                }
            }
            return stderrIsTerminal() ? BAR : LINES;
        }
    }

    /** How amounts and rates are written: bytes as MB, or a count of things with their name. */
    public static final class Unit {
        private final String name;

        private Unit(String name) {
            this.name = name;
        }

        /** Bytes, written as {@code 17.9 MB} and {@code 3.2 MB/s} (or {@code kB/s}). */
        public static Unit bytes() {
            return new Unit(null);
        }

        /** A count of things, written as {@code 21,600 img} and {@code 950 img/s}. */
        public static Unit count(String name) {
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException("a unit needs a name");
            }
            return new Unit(name);
        }

        String amount(long n) {
            return name == null ? String.format(Locale.ROOT, "%.1f MB", n / 1e6)
                    : String.format(Locale.ROOT, "%,d %s", n, name);
        }

        String of(long done, long total) {
            return name == null ? amount(done) + " of " + amount(total)
                    : String.format(Locale.ROOT, "%,d of %,d %s", done, total, name);
        }

        String rate(double perSecond) {
            if (name != null) {
                return String.format(Locale.ROOT, "%,.0f %s/s", perSecond, name);
            }
            return perSecond >= 1e6 ? String.format(Locale.ROOT, "%.1f MB/s", perSecond / 1e6)
                    : String.format(Locale.ROOT, "%.0f kB/s", perSecond / 1e3);
        }
    }

    /**
     * The least time between two lines within one epoch in {@link Mode#LINES} (5 s): an epoch shorter than that is
     * its closing line alone; a long one adds a line at its 10% steps no more often than this.
     */
    public static final long EPOCH_GAP_NANOS = 5_000_000_000L;

    private static final int BAR_CELLS = 24;
    private static final long REDRAW_NANOS = 200_000_000L;

    private final PrintStream out;
    private final Mode mode;
    private final String task;
    private final Unit unit;
    private final LongSupplier clock;
    private final int stepPercent;
    private final long everyNanos;
    private long gapNanos;
    private String opening;
    private String extra = "";
    private boolean begun;
    private boolean ended;
    private long total = -1;
    private long done;
    private long startDone;
    private long started;
    private long lastLine;
    private long lastDraw;
    private int lastStep;
    private int drawnWidth;

    /** A line every 10% or every 30 s in {@link Mode#LINES}; a bar redrawn at most 5 times a second. */
    public ProgressOutput(PrintStream out, Mode mode, String task, Unit unit) {
        this(out, mode, task, unit, System::nanoTime, 10, 30_000_000_000L);
    }

    /**
     * @param nanoClock    the time in nanoseconds (tests give their own)
     * @param stepPercent  in {@link Mode#LINES}, a line each time this many more percent are done (1..100)
     * @param everyNanos   in {@link Mode#LINES}, a line when this long has passed without one
     */
    public ProgressOutput(PrintStream out, Mode mode, String task, Unit unit, LongSupplier nanoClock, int stepPercent,
            long everyNanos) {
        if (stepPercent < 1 || stepPercent > 100 || everyNanos <= 0) {
            throw new IllegalArgumentException("progress: stepPercent must be 1..100 and everyNanos > 0");
        }
        this.out = out;
        this.mode = mode;
        this.task = task;
        this.unit = unit;
        this.clock = nanoClock;
        this.stepPercent = stepPercent;
        this.everyNanos = everyNanos;
    }

    /**
     * In {@link Mode#LINES}, the first line is {@code TEXT (TOTAL)}, with {@code , resuming at DONE} when the task
     * starts part way (e.g. {@code downloading model.pth (44.7 MB)}); without an opening there is no first line.
     */
    public ProgressOutput opening(String text) {
        this.opening = text;
        return this;
    }

    /**
     * In {@link Mode#LINES}, no line within the task sooner than {@code nanos} after the previous one (the opening
     * counts; the closing line is always written). 0, the default, lets every step have its line.
     */
    public ProgressOutput atMostEvery(long nanos) {
        if (nanos < 0) {
            throw new IllegalArgumentException("progress: the gap between lines must be >= 0, not " + nanos);
        }
        this.gapNanos = nanos;
        return this;
    }

    /** The mode this output writes in. */
    public Mode mode() {
        return mode;
    }

    /** Text shown after the numbers (e.g. {@code loss 0.4123 acc 0.8510}), from the next line or redraw on. */
    public void message(String text) {
        this.extra = text == null || text.isEmpty() ? "" : " " + text;
    }

    /** @param total the whole amount, or a negative number when it is not known */
    public void update(long done, long total) {
        if (mode == Mode.NONE || ended) {
            return;
        }
        long now = clock.getAsLong();
        this.done = done;
        this.total = total;
        if (!begun) {
            begun = true;
            started = now;
            lastLine = now;
            startDone = done;
            lastStep = step(done);
            if (mode == Mode.LINES) {
                if (opening != null) {
                    println(opening + (total >= 0 ? " (" + unit.amount(total) + ")" : " (size not given)")
                            + (done > 0 ? ", resuming at " + unit.amount(done) : ""));
                }
            } else {
                draw(now);
            }
            return;
        }
        if (mode == Mode.BAR) {
            if (now - lastDraw >= REDRAW_NANOS) {
                draw(now);
            }
            return;
        }
        int s = step(done);
        if (now - lastLine < gapNanos) {
            return; // a step passed this soon keeps its line for later (or the closing line says it)
        }
        if (s > lastStep && done < total || now - lastLine >= everyNanos) {
            lastStep = Math.max(lastStep, s);
            lastLine = now;
            println(task + ": " + numbers(now) + extra);
        }
    }

    /**
     * The end of the task: in {@link Mode#LINES} its closing line ({@code TASK: 44.7 MB in 0:00:14 (3.2 MB/s)}, or
     * {@code TASK: stopped at DONE of TOTAL} when it ended short); a bar is drawn a last time and its line ended,
     * so the next output starts on a line of its own. Further calls do nothing.
     */
    public void finish() {
        if (mode == Mode.NONE || ended) {
            return;
        }
        ended = true;
        if (!begun) {
            return;
        }
        long now = clock.getAsLong();
        if (mode == Mode.BAR) {
            draw(now);
            out.print('\n');
            out.flush();
            return;
        }
        double seconds = (now - started) / 1e9;
        if (total < 0 || done >= total) {
            println(task + ": " + unit.amount(done) + " in " + clockTime(seconds) + " ("
                    + unit.rate(seconds > 0 ? (done - startDone) / seconds : 0) + ")" + extra);
        } else {
            println(task + ": stopped at " + unit.of(done, total) + extra);
        }
    }

    /** {@link #finish()}. */
    @Override
    public void close() {
        finish();
    }

    private int step(long n) {
        return total > 0 ? (int) (Math.min(n, total) * 100 / total) / stepPercent : 0;
    }

    private String numbers(long now) {
        double seconds = (now - started) / 1e9;
        double rate = seconds > 0 ? (done - startDone) / seconds : 0;
        StringBuilder b = new StringBuilder();
        if (total > 0) {
            b.append(done * 100 / total).append("% ").append(unit.of(done, total));
        } else {
            b.append(unit.amount(done));
        }
        b.append(", ").append(unit.rate(rate));
        if (total > 0 && rate > 0 && done < total) {
            b.append(", ETA ").append(clockTime((total - done) / rate));
        }
        return b.toString();
    }

    private void draw(long now) {
        lastDraw = now;
        StringBuilder b = new StringBuilder("\r").append(task).append(' ');
        if (total > 0) {
            int cells = (int) (Math.min(done, total) * BAR_CELLS / total);
            b.append(String.format(Locale.ROOT, "%3d%% [", Math.min(done, total) * 100 / total))
                    .append("=".repeat(cells)).append(cells < BAR_CELLS ? ">" : "")
                    .append(" ".repeat(Math.max(0, BAR_CELLS - cells - 1))).append("] ");
        }
        String numbers = numbers(now);
        b.append(total > 0 ? numbers.substring(numbers.indexOf(' ') + 1) : numbers).append(extra);
        int width = b.length() - 1;
        if (width < drawnWidth) {
            b.append(" ".repeat(drawnWidth - width)); // clear what a longer drawing left
        }
        drawnWidth = width;
        out.print(b);
        out.flush();
    }

    private void println(String line) {
        out.println(line);
        out.flush();
    }

    static String clockTime(double seconds) {
        long s = Math.round(seconds);
        return String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60);
    }

    /**
     * True if standard error is a terminal, as far as the JVM can tell. It cannot ask directly, so in order: the
     * property {@code convnet4j.stderr.terminal} (the {@code convnet4j} launcher sets it from {@code [ -t 2 ]},
     * because it pipes the JVM's stderr through a filter), then where {@code /proc/self/fd/2} points (Linux: a
     * {@code /dev/pts/N} or {@code /dev/ttyN} is a terminal, a file or pipe is not), then whether the JVM has a
     * console.
     */
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

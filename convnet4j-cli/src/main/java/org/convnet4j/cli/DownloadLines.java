package org.convnet4j.cli;

import java.io.PrintStream;
import java.util.Locale;
import java.util.function.LongSupplier;
import org.convnet4j.io.weights.Downloads;

/**
 * Download progress for logs (standard error not a terminal: CI, {@code 2>log}), as pip and wget print it there:
 * whole lines, each ending with a newline, never a carriage return. One line when a download starts, one each time
 * it passes another {@code stepPercent} percent or {@code everyNanos} have gone by without a line (a slow download
 * still shows it is alive; with an unknown size only the latter), and one at the end with the size, time and speed
 * (or where it stopped).
 */
final class DownloadLines implements Downloads.Progress {
    private final PrintStream out;
    private final LongSupplier clock;
    private final int stepPercent;
    private final long everyNanos;
    private String file;
    private long total = -1;
    private long done;
    private long started;
    private long startBytes;
    private long lastLine;
    private int lastStep;

    DownloadLines(PrintStream out) {
        this(out, System::nanoTime, 10, 30_000_000_000L);
    }

    DownloadLines(PrintStream out, LongSupplier clock, int stepPercent, long everyNanos) {
        this.out = out;
        this.clock = clock;
        this.stepPercent = stepPercent;
        this.everyNanos = everyNanos;
    }

    @Override
    public void update(String name, long bytes, long size) {
        long now = clock.getAsLong();
        if (file == null) {
            file = name;
            total = size;
            started = now;
            lastLine = now;
            done = bytes;
            startBytes = bytes;
            lastStep = step(bytes);
            out.println("downloading " + name + (size >= 0 ? " (" + mb(size) + ")" : " (size not given)")
                    + (bytes > 0 ? ", resuming at " + mb(bytes) : ""));
            out.flush();
            return;
        }
        total = size;
        done = bytes;
        int s = step(bytes);
        if (s > lastStep && bytes < size || now - lastLine >= everyNanos) {
            lastStep = Math.max(lastStep, s);
            lastLine = now;
            out.println(line(now));
            out.flush();
        }
    }

    private int step(long bytes) {
        return total > 0 ? (int) (bytes * 100 / total) / stepPercent : 0;
    }

    private String line(long now) {
        double seconds = (now - started) / 1e9;
        double rate = seconds > 0 ? (done - startBytes) / seconds : 0;
        StringBuilder b = new StringBuilder(file).append(": ");
        if (total > 0) {
            b.append(done * 100 / total).append("% ").append(mb(done)).append(" of ").append(mb(total));
        } else {
            b.append(mb(done));
        }
        b.append(", ").append(speed(rate));
        if (total > 0 && rate > 0) {
            b.append(", ETA ").append(clockTime((total - done) / rate));
        }
        return b.toString();
    }

    @Override
    public void finished(String name) {
        if (file == null) {
            return;
        }
        double seconds = (clock.getAsLong() - started) / 1e9;
        if (total < 0 || done == total) {
            out.println(file + ": " + mb(done) + " in " + clockTime(seconds) + " ("
                    + speed(seconds > 0 ? (done - startBytes) / seconds : 0) + ")");
        } else {
            out.println(file + ": stopped at " + mb(done) + " of " + mb(total));
        }
        out.flush();
        file = null;
    }

    private static String mb(long bytes) {
        return String.format(Locale.ROOT, "%.1f MB", bytes / 1e6);
    }

    private static String speed(double bytesPerSecond) {
        return bytesPerSecond >= 1e6 ? String.format(Locale.ROOT, "%.1f MB/s", bytesPerSecond / 1e6)
                : String.format(Locale.ROOT, "%.0f kB/s", bytesPerSecond / 1e3);
    }

    private static String clockTime(double seconds) {
        long s = Math.round(seconds);
        return String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60);
    }
}

package org.convnet4j.cli;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;

/**
 * Bytes (UTF-8) to a command's PrintWriter, for library code that prints to a PrintStream (the progress bar, the
 * epoch log), so that everything a command prints goes where picocli's out/err point (tests capture them).
 * Bytes are decoded at each flush; the writers using this flush after whole lines or redraws.
 */
final class WriterOutputStream extends OutputStream {
    private final PrintWriter writer;
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();

    WriterOutputStream(PrintWriter writer) {
        this.writer = writer;
    }

    /** A UTF-8 PrintStream onto {@code writer}, flushed at every line. */
    static java.io.PrintStream printStream(PrintWriter writer) {
        return new java.io.PrintStream(new WriterOutputStream(writer), true, StandardCharsets.UTF_8);
    }

    @Override
    public synchronized void write(int b) {
        pending.write(b);
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) {
        pending.write(b, off, len);
    }

    @Override
    public synchronized void flush() {
        if (pending.size() > 0) {
            writer.write(pending.toString(StandardCharsets.UTF_8));
            pending.reset();
        }
        writer.flush();
    }

    @Override
    public void close() {
        flush();
    }
}

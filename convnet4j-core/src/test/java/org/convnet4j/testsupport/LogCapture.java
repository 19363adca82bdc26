package org.convnet4j.testsupport;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * The records the library logs on one logger while it is open (System.Logger is backed by java.util.logging in the
 * tests): {@code try (LogCapture log = LogCapture.of(NAME)) { ...; log.messages() }}. The logger's other handlers
 * still get them.
 */
public final class LogCapture extends Handler implements AutoCloseable {
    private final Logger logger;
    private final List<LogRecord> records = new CopyOnWriteArrayList<>();

    private LogCapture(Logger logger) {
        this.logger = logger;
    }

    /** Starts capturing what {@code name} logs. */
    public static LogCapture of(String name) {
        LogCapture c = new LogCapture(Logger.getLogger(name));
        c.logger.addHandler(c);
        return c;
    }

    /** The messages so far, in order. */
    public List<String> messages() {
        return records.stream().map(LogRecord::getMessage).toList();
    }

    /** "LEVEL message" for each record so far, in order. */
    public List<String> leveled() {
        return records.stream().map(r -> r.getLevel() + " " + r.getMessage()).toList();
    }

    @Override
    public void publish(LogRecord r) {
        records.add(r);
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
        logger.removeHandler(this);
    }
}

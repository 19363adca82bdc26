package org.convnet4j.serve;

import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;

/**
 * The events of one training run (start, steps, epochs, end) as JSON objects, kept in memory for the live
 * dashboard and, with a log directory, appended to {@code DIR/RUN/events.jsonl} one line each (flushed per
 * event, so a run that dies leaves every event before it readable, as TensorBoard's event files do).
 */
public final class RunLog implements AutoCloseable {
    public static final String EVENTS = "events.jsonl";
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");

    private final String id;
    private final List<JsonObject> events = new ArrayList<>();
    private final BufferedWriter writer;
    private final Path dir;

    private RunLog(String id, BufferedWriter writer, Path dir) {
        this.id = id;
        this.writer = writer;
        this.dir = dir;
    }

    /**
     * A new run named {@code name} plus the start time; with {@code logdir} its events also go to
     * {@code logdir/ID/events.jsonl} (a run of the same name in the same second gets a suffix).
     */
    public static RunLog create(Path logdir, String name) throws IOException {
        String base = name.replaceAll("[^A-Za-z0-9._-]", "_") + "-" + LocalDateTime.now().format(STAMP);
        if (logdir == null) {
            return new RunLog(base, null, null);
        }
        Files.createDirectories(logdir);
        String id = base;
        for (int i = 2; Files.exists(logdir.resolve(id)); i++) {
            id = base + "-" + i;
        }
        Path dir = Files.createDirectory(logdir.resolve(id));
        return new RunLog(id, Files.newBufferedWriter(dir.resolve(EVENTS), StandardCharsets.UTF_8,
                StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), dir);
    }

    /** A finished (or still running) run read back from its directory; unreadable lines end the list. */
    public static RunLog read(Path runDir) throws IOException {
        RunLog log = new RunLog(runDir.getFileName().toString(), null, null);
        for (String line : Files.readAllLines(runDir.resolve(EVENTS), StandardCharsets.UTF_8)) {
            try {
                log.events.add(JsonParser.parseString(line).getAsJsonObject());
            } catch (JsonParseException | IllegalStateException e) {
                break; // a line cut short by a run still writing it, or a damaged file: show what came before
            }
        }
        return log;
    }

    public String id() {
        return id;
    }

    synchronized void append(JsonObject event) {
        events.add(event);
        if (writer != null) {
            try {
                writer.write(event.toString());
                writer.newLine();
                writer.flush();
            } catch (IOException e) {
                // the file and the cause (a full disk, a file size limit); events before this one stay readable
                String reason = e instanceof java.nio.file.FileSystemException f && f.getReason() != null ? f.getReason()
                        : e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
                throw new UncheckedIOException(dir.resolve(EVENTS) + ": could not write the run log of " + id + " ("
                        + reason + "); the events before this one are in it", e);
            }
        }
    }

    /** Events from index {@code from} on, each as one line of JSON text (as the log file holds them). */
    public synchronized List<String> eventsSince(int from) {
        return since(from).stream().map(JsonObject::toString).toList();
    }

    /** Events from index {@code from} on. */
    synchronized List<JsonObject> since(int from) {
        return new ArrayList<>(events.subList(Math.min(Math.max(0, from), events.size()), events.size()));
    }

    public synchronized int size() {
        return events.size();
    }

    /**
     * For a run refused before its first event: closes the log and removes its (empty) directory, so that a
     * log directory holds no empty runs. Does nothing once an event was written.
     */
    public synchronized void discardIfEmpty() throws IOException {
        if (!events.isEmpty()) {
            return;
        }
        close();
        if (dir != null) {
            Files.deleteIfExists(dir.resolve(EVENTS));
            Files.deleteIfExists(dir);
        }
    }

    @Override
    public synchronized void close() throws IOException {
        if (writer != null) {
            writer.close();
        }
    }
}

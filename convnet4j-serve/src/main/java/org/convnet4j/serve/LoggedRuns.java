package org.convnet4j.serve;

import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The runs under a log directory, read incrementally: each run's {@code events.jsonl} is remembered with the
 * byte offset up to its last complete line, and a poll reads only the bytes appended since (a line still being
 * written waits for its newline). A file that shrank was replaced, and is read again from the start. A complete
 * line that is not a JSON object ends that run's events (a damaged file shows what came before it), as
 * {@link RunLog#read} does.
 */
final class LoggedRuns {
    /** One run's file as far as it has been read. */
    private static final class Tail {
        final List<JsonObject> events = new ArrayList<>();
        long offset;
        boolean damaged;
    }

    private final Path logdir;
    private final Map<String, Tail> runs = new ConcurrentHashMap<>();
    private final AtomicLong bytesRead = new AtomicLong();

    LoggedRuns(Path logdir) {
        this.logdir = logdir;
    }

    /** Every run directory holding an events file, by id (sorted), each brought up to date. */
    Map<String, List<JsonObject>> all() throws IOException {
        Map<String, List<JsonObject>> out = new TreeMap<>();
        try (var dirs = Files.list(logdir)) {
            for (Path d : (Iterable<Path>) dirs::iterator) {
                String id = d.getFileName().toString();
                if (isRunId(id) && Files.isRegularFile(d.resolve(RunLog.EVENTS))) {
                    List<JsonObject> e = events(id);
                    if (e != null) {
                        out.put(id, e);
                    }
                }
            }
        }
        return out;
    }

    /** A run's events so far (a copy), or null when there is no such run. */
    List<JsonObject> events(String id) throws IOException {
        if (!isRunId(id)) {
            return null;
        }
        Path file = logdir.resolve(id).resolve(RunLog.EVENTS);
        Tail t = runs.computeIfAbsent(id, k -> new Tail());
        synchronized (t) {
            try {
                update(t, file);
            } catch (NoSuchFileException e) {
                runs.remove(id);
                return null;
            }
            return new ArrayList<>(t.events);
        }
    }

    /** Bytes read from event files since this object was made (tests check that polls read only what is new). */
    long bytesRead() {
        return bytesRead.get();
    }

    static boolean isRunId(String id) {
        return id.matches("[A-Za-z0-9._-]+") && !id.startsWith(".");
    }

    private void update(Tail t, Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < t.offset) { // replaced by a shorter file: start again
                t.events.clear();
                t.offset = 0;
                t.damaged = false;
            }
            if (t.damaged || size == t.offset) {
                return;
            }
            ByteBuffer buf = ByteBuffer.allocate((int) Math.min(size - t.offset, Integer.MAX_VALUE - 8));
            while (buf.hasRemaining()) {
                int n = ch.read(buf, t.offset + buf.position());
                if (n < 0) {
                    break;
                }
            }
            bytesRead.addAndGet(buf.position());
            byte[] b = buf.array();
            int start = 0;
            for (int i = 0; i < buf.position(); i++) {
                if (b[i] != '\n') {
                    continue;
                }
                String line = new String(b, start, i - start, StandardCharsets.UTF_8).strip();
                start = i + 1;
                if (line.isEmpty()) {
                    continue;
                }
                try {
                    t.events.add(JsonParser.parseString(line).getAsJsonObject());
                } catch (JsonParseException | IllegalStateException e) {
                    t.damaged = true;
                    break;
                }
            }
            t.offset += start; // a line without its newline yet is read again next time
        }
    }
}

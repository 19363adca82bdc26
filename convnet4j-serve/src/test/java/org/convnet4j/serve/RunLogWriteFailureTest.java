package org.convnet4j.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15, an unlucky user: the run log's disk fills during training (here the kernel's file size limit, EFBIG, in a
 * child JVM under {@code ulimit -f 16}; a full disk gives ENOSPC the same way). The failure names the log file and the
 * cause (it said "cannot write the run log of ID: No space left on device", without the file), and every event
 * written before it reads back.
 */
class RunLogWriteFailureTest {
    @Test
    void aFailedWriteNamesTheFileAndTheCauseAndKeepsTheEventsBefore(@TempDir Path dir) throws Exception {
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String child = "ulimit -f 16 && exec \"$0\" -XX:-UsePerfData -Xshare:off -Xmx128m -cp \"$1\" \"$2\" \"$3\"";
        Process p = new ProcessBuilder("bash", "-c", child, javaBin, System.getProperty("java.class.path"),
                Writer.class.getName(), dir.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), out);
        Path runDir;
        try (Stream<Path> runs = Files.list(dir)) {
            runDir = runs.findFirst().orElseThrow(() -> new AssertionError(out));
        }
        Path events = runDir.resolve(RunLog.EVENTS);
        String[] lines = out.split("\n");
        assertEquals(2, lines.length, out);
        assertEquals("refused: " + events + ": could not write the run log of " + runDir.getFileName()
                + " (File too large); the events before this one are in it", lines[1]);
        int written = Integer.parseInt(lines[0].replace("written ", ""));
        assertTrue(written > 10, out);
        // every event before the failure reads back (a line cut by the limit ends the list, as for a crashed run)
        assertEquals(written, RunLog.read(runDir).size());
    }

    /** Appends 1 KB events until a write fails; prints how many were written and the failure. */
    public static final class Writer {
        public static void main(String[] args) throws Exception {
            int n = 0;
            try (RunLog log = RunLog.create(Path.of(args[0]), "run")) {
                try {
                    for (; n < 1000; n++) {
                        JsonObject e = new JsonObject();
                        e.addProperty("step", n);
                        e.addProperty("pad", "x".repeat(1000));
                        log.append(e);
                    }
                } catch (UncheckedIOException e) {
                    System.out.println("written " + n);
                    System.out.println("refused: " + e.getMessage());
                }
            } catch (java.io.IOException | UncheckedIOException ignored) {
                // closing flushes nothing new
            }
        }
    }
}

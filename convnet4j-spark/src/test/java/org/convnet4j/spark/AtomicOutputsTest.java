package org.convnet4j.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.convnet4j.util.WriterId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Spark outputs after a driver is killed ({@code kill -9}) while writing: the output is absent (never partial under its
 * name), the rerun without {@code --overwrite} works, and it removes the killed run's temporary directory. The
 * driver is a child JVM running {@link Child} (the write path of {@code spark predict/featurize/transfer} without
 * Spark itself: a few seconds, not a cluster start).
 */
class AtomicOutputsTest {
    @TempDir
    Path dir;

    private static List<String> names(Path d) throws IOException {
        try (Stream<Path> s = Files.list(d)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    /** Starts {@link Child} writing {@code out} as {@code mode} and kills it (SIGKILL) once it is halfway. */
    private static void killHalfway(String mode, Path out) throws Exception {
        killHalfway(List.of(), Child.class, mode, out.toString());
    }

    /**
     * Runs {@code main} in a child JVM on the test class path (with {@code jvmOptions}) and kills it (SIGKILL) once it prints {@code HALFWAY};
     * returns its process id.
     */
    static long killHalfway(List<String> jvmOptions, Class<?> main, String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin",
                "java").toString(), "-cp", SparkCds.classPath()));
        command.addAll(SparkCds.options());
        command.addAll(jvmOptions);
        command.add(main.getName());
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null && !line.equals("HALFWAY")) {
                // Hadoop's start-up lines
            }
            assertEquals("HALFWAY", line, "the child reached the middle of its write");
            p.destroyForcibly(); // SIGKILL on Linux: no shutdown hooks, no finally blocks
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
            return p.pid();
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void aDriverKilledWhileWritingADirectoryLeavesNoOutputAndTheRerunWorksAndCleansUp() throws Exception {
        Path out = dir.resolve("out.parquet");
        killHalfway("dir", out);
        assertFalse(Files.exists(out), "no partial output under the output's name");
        List<String> left = names(dir).stream().filter(n -> n.startsWith(".out.parquet.tmp-p")).toList();
        assertEquals(1, left.size(), names(dir).toString()); // the killed run's temporary, by its process id

        AtomicOutputs.writeDirectory(out.toString(), false, new Configuration(), path -> write(path, "complete"));
        assertEquals("complete", Files.readString(out.resolve("part-0")));
        assertEquals(List.of("out.parquet"), names(dir).stream().filter(n -> !n.endsWith(".crc")).toList(),
                "the killed run's temporary directory is gone");
    }

    @Test
    void aDriverKilledWhileMakingACsvLeavesNothingAndTheRerunWorks() throws Exception {
        Path out = dir.resolve("out.csv");
        killHalfway("csv", out);
        assertEquals(List.of(), names(dir), "nothing written beside the output either");
        AtomicOutputs.writeCsv(out.toString(), w -> w.write("path,class,probability\na.png,cat,0.9\n"),
                new Configuration());
        assertEquals("path,class,probability\na.png,cat,0.9\n", Files.readString(out));
    }

    /**
     * Which killed runs' folders a write removes (local file system): this host's writers that are gone at once; a
     * live writer's never; another host's (two machines sharing a network folder: host B's process id means nothing
     * here) and the older form's (pPID, no host) only once untouched for a day. The old rule went by process id alone:
     * host B's fresh folder, whose pid does not run here, was deleted under B's running job.
     */
    @Test
    void onlyTemporariesOfWritersThatAreGoneAreRemoved() throws Exception {
        Process dead = new ProcessBuilder("true").start();
        dead.waitFor();
        Process alive = new ProcessBuilder("sleep", "60").start();
        try {
            String p = ".o.parquet.tmp-";
            Path gone = Files.createDirectories(dir.resolve(p + WriterId.ofThisHost(dead.pid()).tag() + "-1"));
            Path running = Files.createDirectories(dir.resolve(p + WriterId.ofThisHost(alive.pid()).tag() + "-2"));
            Path oldStyle = Files.createDirectories(dir.resolve(p + "123456789"));
            Path oldStyleStale = Files.createDirectories(dir.resolve(p + "987654321"));
            Files.setLastModifiedTime(oldStyleStale, FileTime.from(Instant.now().minusSeconds(7200)));
            Path other = Files.createDirectories(dir.resolve(".other.parquet.tmp-" + WriterId.ofThisHost(dead.pid()).tag()
                    + "-3"));
            Path hostB = Files.createDirectories(dir.resolve(p + "p" + dead.pid() + "@host-b-4"));
            Path olderForm = Files.createDirectories(dir.resolve(p + "p" + dead.pid() + "-5")); // maybe host B's
            var fs = org.apache.hadoop.fs.FileSystem.getLocal(new Configuration());
            int removed = AtomicOutputs.cleanStaleDirectories(fs, new org.apache.hadoop.fs.Path(dir.toUri()), p);
            assertFalse(Files.exists(gone) || Files.exists(oldStyleStale), names(dir).toString());
            assertTrue(Files.exists(running) && Files.exists(oldStyle) && Files.exists(other), names(dir).toString());
            assertTrue(Files.exists(hostB) && Files.exists(olderForm), "another host's fresh folders: " + names(dir));
            assertEquals(2, removed);
            // a day later (the age at zero: a change time cannot be set back), host B's and the older form's go too
            try (var day = org.convnet4j.testsupport.TemporaryProperty.set("convnet4j.files.otherHostsStaleAfter", "PT0S")) {
                assertEquals(2, AtomicOutputs.cleanStaleDirectories(fs, new org.apache.hadoop.fs.Path(dir.toUri()), p));
            }
            assertFalse(Files.exists(hostB) || Files.exists(olderForm), names(dir).toString());
            assertTrue(Files.exists(running) && Files.exists(oldStyle), names(dir).toString());
        } finally {
            alive.destroyForcibly();
        }
    }

    @Test
    void aFailingBodyLeavesNoOutput() throws Exception {
        Path out = dir.resolve("f.csv");
        assertThrows(IOException.class, () -> AtomicOutputs.writeCsv(out.toString(), w -> {
            w.write("path,class,probability\n");
            throw new IOException("executor lost");
        }, new Configuration()));
        assertFalse(Files.exists(out));
        Path d = dir.resolve("d.parquet");
        assertThrows(IOException.class, () -> AtomicOutputs.writeDirectory(d.toString(), false, new Configuration(),
                path -> {
                    write(path, "half");
                    throw new IOException("job aborted");
                }));
        assertFalse(Files.exists(d));
        assertTrue(names(dir).stream().noneMatch(n -> n.startsWith(".d.parquet.tmp-")), "removed by the failed write");
    }

    private static void write(String path, String text) throws IOException {
        Path p = Path.of(java.net.URI.create(path).getPath());
        Files.createDirectories(p);
        Files.writeString(p.resolve("part-0"), text);
    }

    /** The driver's side of a write, stopped halfway until it is killed. */
    public static final class Child {
        public static void main(String[] args) throws Exception {
            String mode = args[0];
            String out = args[1];
            if (mode.equals("dir")) {
                AtomicOutputs.writeDirectory(out, false, new Configuration(), path -> {
                    write(path, "half of it");
                    halfway();
                });
            } else {
                AtomicOutputs.writeCsv(out, w -> {
                    w.write("path,class,probability\n");
                    w.flush();
                    halfway();
                }, new Configuration());
            }
        }

        private static void halfway() {
            System.out.println("HALFWAY");
            System.out.flush();
            try {
                Thread.sleep(120_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}

package org.convnet4j.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Writes through Hadoop paths (Spark checkpoints in --checkpoint-dir, saved stages, CSV outputs) replace the target
 * in one step, never delete it first, and clean up after killed writers.
 */
class HadoopFilesTest {
    @TempDir
    Path dir;

    private static List<String> names(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void localWritesAreAtomicAndLeaveNoStaleChecksumOrTemporaries() throws Exception {
        Configuration conf = new Configuration();
        Path target = dir.resolve("last.c4j");
        // a file as Hadoop's local file system writes it: with a checksum file next to it
        FileSystem fs = FileSystem.getLocal(conf);
        try (OutputStream out = fs.create(new org.apache.hadoop.fs.Path(target.toUri()), true)) {
            out.write("old".getBytes(StandardCharsets.UTF_8));
        }
        assertTrue(Files.exists(dir.resolve(".last.c4j.crc")));
        // a temporary of a killed writer (a pid that does not run) and one of a live one (ours, another name)
        Path dead = Files.writeString(dir.resolve(org.convnet4j.util.AtomicFiles.temporaryPrefix("last.c4j", 2147483646L) + "1.tmp"), "half");
        Path live = Files.writeString(dir.resolve(org.convnet4j.util.AtomicFiles.temporaryPrefix("other.c4j", ProcessHandle.current().pid()) + "1.tmp"), "busy");

        HadoopFiles.writeAtomically(target.toString(), "new".getBytes(StandardCharsets.UTF_8), conf);
        assertEquals("new", Files.readString(target));
        assertFalse(Files.exists(dead));
        assertTrue(Files.exists(live));
        assertEquals(List.of(org.convnet4j.util.AtomicFiles.temporaryPrefix("other.c4j", ProcessHandle.current().pid()) + "1.tmp", "last.c4j"), names(dir));
        // read back through Hadoop (which would check a stale .crc against the new bytes and fail)
        assertArrayEquals("new".getBytes(StandardCharsets.UTF_8), HadoopFiles.readAll(target.toString(), conf));
        assertArrayEquals("new".getBytes(StandardCharsets.UTF_8), HadoopFiles.readAll("file://" + target, conf));

        // a write that cannot happen (the parent is a file) leaves the old content
        Path blocker = Files.writeString(dir.resolve("blocker"), "x");
        assertThrows(IOException.class, () -> HadoopFiles.writeAtomically(blocker.resolve("m.c4j").toString(),
                new byte[] {1}, conf));
        // a missing directory is created, as Hadoop's create did
        HadoopFiles.writeAtomically(dir.resolve("sub/ckpt/best.c4j").toString(), new byte[] {7}, conf);
        assertArrayEquals(new byte[] {7}, Files.readAllBytes(dir.resolve("sub/ckpt/best.c4j")));
    }

    /** The path taken on HDFS and other shared file systems, run here on the local one. */
    @Test
    void sharedFileSystemWritesRenameOverTheTargetAndRemoveOldTemporaries() throws Exception {
        Configuration conf = new Configuration();
        Path target = dir.resolve("best.c4j");
        Files.writeString(target, "old");
        Path old = Files.writeString(dir.resolve(".best.c4j.tmp-1-1"), "killed two hours ago");
        Files.setLastModifiedTime(old, FileTime.from(Instant.now().minusSeconds(7200)));
        Path recent = Files.writeString(dir.resolve(".best.c4j.tmp-2-2"), "another writer, now");
        // this path's own names carry the writer (pPID@HOST): this host's dead one goes at once (on a local file system)
        Process exited = new ProcessBuilder("true").start();
        exited.waitFor();
        Path dead = Files.writeString(dir.resolve(".best.c4j.tmp-"
                + org.convnet4j.util.WriterId.ofThisHost(exited.pid()).tag() + "-3"), "killed just now");
        Path live = Files.writeString(dir.resolve(".best.c4j.tmp-"
                + org.convnet4j.util.WriterId.self().tag() + "-4"), "ours");

        HadoopFiles.writeAtomically("file://" + target, out -> out.write("new".getBytes(StandardCharsets.UTF_8)),
                conf, true);
        assertEquals("new", Files.readString(target));
        assertFalse(Files.exists(old) || Files.exists(dead));
        assertTrue(Files.exists(recent) && Files.exists(live));
        assertEquals(List.of(".best.c4j.tmp-2-2", live.getFileName().toString(), "best.c4j"),
                names(dir).stream().filter(n -> !n.endsWith(".crc")).toList());
    }

    /** hdfs:///x means the default file system's NameNode; other URIs and plain paths are left as they are. */
    @Test
    void aUriWithoutAuthorityTakesTheDefaultFileSystems() {
        Configuration conf = new Configuration(false);
        conf.set("fs.defaultFS", "hdfs://nn.example:8020");
        assertEquals("hdfs://nn.example:8020/data/p*.png", HadoopFiles.resolve("hdfs:///data/p*.png", conf));
        assertEquals("hdfs://other:9000/data", HadoopFiles.resolve("hdfs://other:9000/data", conf));
        assertEquals("/data/pictures", HadoopFiles.resolve("/data/pictures", conf));
        assertEquals("s3a:///bucket", HadoopFiles.resolve("s3a:///bucket", conf));
        assertEquals("file:///tmp/x", HadoopFiles.resolve("file:///tmp/x", conf));
        conf.set("fs.defaultFS", "file:///");
        assertEquals("hdfs:///data", HadoopFiles.resolve("hdfs:///data", conf));
    }

    /**
     * The ways a file system cannot be reached, as Hadoop reports them, become one line naming the URI: a refused
     * connection (a real one, to a closed port), a host without a DNS answer, a scheme without a file system, and
     * S3A's class missing (the exception Hadoop throws then, built here: the test class path may have the add-on).
     * Other failures pass unchanged.
     */
    @Test
    void fileSystemsThatCannotBeReachedAreNamedInOneLine() throws Exception {
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Configuration conf = new Configuration();
        conf.setInt("ipc.client.connect.max.retries", 0);
        String uri = "hdfs://127.0.0.1:" + port + "/data/m.c4j";
        IOException refused = assertThrows(IOException.class, () -> HadoopFiles.readAll(uri, conf));
        assertEquals(uri + ": cannot reach 127.0.0.1:" + port + " (connection refused); is the NameNode running, and is"
                + " the address in the URL (or fs.defaultFS) right?", refused.getMessage());
        refused = assertThrows(IOException.class, () -> HadoopFiles.exists(uri, conf));
        assertTrue(refused.getMessage().startsWith(uri + ": cannot reach"), refused.getMessage());
        refused = assertThrows(IOException.class, () -> HadoopFiles.isSavedStage(uri, conf));
        assertTrue(refused.getMessage().startsWith(uri + ": cannot reach"), refused.getMessage());

        IOException unknown = assertThrows(IOException.class,
                () -> HadoopFiles.exists("hdfs://no-such-namenode.invalid:8020/x", conf));
        assertTrue(unknown.getMessage().startsWith("hdfs://no-such-namenode.invalid:8020/x: the host"
                + " no-such-namenode.invalid is not known"), unknown.getMessage());
        IOException scheme = assertThrows(IOException.class, () -> HadoopFiles.exists("nosuchfs://b/x", conf));
        assertTrue(scheme.getMessage().startsWith("nosuchfs://b/x: this class path has no file system for nosuchfs://"),
                scheme.getMessage());
        String s3a = HadoopFiles.unreachable("s3a://bucket/pics", new RuntimeException(
                new ClassNotFoundException("Class org.apache.hadoop.fs.s3a.S3AFileSystem not found")));
        assertTrue(s3a.startsWith("this class path has no file system for s3a:// (the S3 add-on"), s3a);

        // S3A's client (the AWS SDK) reports its endpoint in the refused connection's words
        String endpoint = HadoopFiles.unreachable("s3a://bucket/m.c4j", new IOException("doesBucketExist on bucket",
                new java.net.ConnectException("Connect to 127.0.0.1:9 [/127.0.0.1] failed: Connection refused")));
        assertTrue(endpoint.startsWith("cannot reach the S3 endpoint 127.0.0.1:9 for bucket bucket (connection"
                + " refused); is fs.s3a.endpoint right"), endpoint);

        // the checks' configuration gives up quickly unless told otherwise, and its clients are not cached
        Configuration given = new Configuration();
        given.set("fs.s3a.attempts.maximum", "7", "--conf");
        Configuration quick = HadoopFiles.forChecks(given);
        assertEquals("7", quick.get("fs.s3a.attempts.maximum"));
        assertEquals("1", quick.get("fs.s3a.retry.limit"));
        assertEquals("1", quick.get("ipc.client.connect.max.retries"));
        assertTrue(quick.getBoolean("fs.hdfs.impl.disable.cache", false) && quick.getBoolean("fs.s3a.impl.disable.cache",
                false));
        assertFalse(given.getBoolean("fs.hdfs.impl.disable.cache", false), "the given configuration is unchanged");
        assertTrue(!"1".equals(given.get("ipc.client.connect.max.retries")), given.get("ipc.client.connect.max.retries"));

        IOException other = new IOException("disk on fire");
        assertEquals(other, assertThrows(IOException.class, () -> HadoopFiles.reach("hdfs://nn/x", () -> {
            throw other;
        })));
        assertEquals(null, HadoopFiles.unreachable("not a uri: \u0000", other));
    }

    /**
     * A NameNode that accepts connections and never answers (a socket here that accepts and stays silent): with the
     * checks' configuration every call is one line naming the URI within the call timeout (plus slack for a loaded
     * machine); Hadoop's own default would wait for ever (a ping a minute, no call timeout). The checks set
     * {@link HadoopFiles#CHECK_TIMEOUT_MS} unless the configuration sets a timeout itself, which is kept: the wait here
     * is a user's 500 ms (the checks' own 10 s are waited for end to end once, by the first case of
     * SparkCliBadInputTest.aNameNodeThatAcceptsAndNeverAnswersIsOneLineWithinTheTimeout; waiting them here too cost
     * the unit tests 10 s).
     */
    @Test
    void aNameNodeThatAcceptsAndNeverAnswersIsOneLineWithinTheChecksTimeout() throws Exception {
        try (SilentNameNode silent = new SilentNameNode()) {
            String uri = "hdfs://127.0.0.1:" + silent.port() + "/data/m.c4j";
            assertEquals(String.valueOf(HadoopFiles.CHECK_TIMEOUT_MS), HadoopFiles.forChecks(new Configuration())
                    .get("ipc.client.rpc-timeout.ms"));
            assertEquals("0", new Configuration().get("ipc.client.rpc-timeout.ms"), "Hadoop's default: no timeout");
            Configuration given = new Configuration();
            given.set("ipc.client.rpc-timeout.ms", "500"); // as --conf spark.hadoop.ipc.client.rpc-timeout.ms=500
            Configuration quick = HadoopFiles.forChecks(given);
            assertEquals("500", quick.get("ipc.client.rpc-timeout.ms"), "a timeout the configuration sets is kept");
            long t0 = System.nanoTime();
            IOException e = assertThrows(IOException.class, () -> HadoopFiles.exists(uri, quick));
            double seconds = (System.nanoTime() - t0) / 1e9;
            assertEquals(uri + ": no answer from 127.0.0.1:" + silent.port() + " within the timeout (500 ms); is the"
                    + " NameNode at that address running and answering?", e.getMessage());
            assertTrue(seconds >= 0.5 * 0.9 && seconds < 40, seconds + " s");
            assertTrue(silent.accepted() >= 1, "the client did connect");
        }
    }
}

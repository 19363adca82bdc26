package org.convnet4j.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSInputStream;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.convnet4j.model.ModelFiles;
import org.convnet4j.nn.Sequential;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.kernels.KernelProvider;
import org.convnet4j.zoo.LeNet5;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The read side leaves nothing in the temporary folder: a checkpoint or model read from a Hadoop URI (what
 * {@link SparkTrainingRun#readCheckpoint}, which {@code SparkTrainer.resume} and {@code Resumable.read} call, and
 * {@link ModelBytes} do) is checked and
 * decoded from the bytes in memory, and the JIT directive file is named after its process. Each case runs in a
 * child JVM whose {@code java.io.tmpdir} is a fresh folder, so that the listing sees that process alone. The kill comes
 * at a chosen byte: the child reads through a file system ({@link StallingFileSystem}, scheme {@code stall}) whose
 * stream stops at that byte, says so and blocks until it is killed.
 */
class ReadSideTemporariesTest {
    @TempDir
    Path dir;

    /** A LeNet-5 model file (about 250 KB), a checkpoint with an architecture. */
    private Path model() throws Exception {
        Sequential m = LeNet5.build(Shape.of(1, 28, 28), 10, LeNet5.Variant.CLASSIC);
        m.initialize(3);
        Path file = dir.resolve("model.c4j");
        ModelFiles.save(m, file);
        return file;
    }

    private static Process child(Path tmp, String uri, long stallAt) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-cp", SparkCds.classPath(), "-Xmx512m", "-Djava.io.tmpdir=" + tmp));
        command.addAll(SparkCds.options());
        command.addAll(List.of(Reader.class.getName(), uri, tmp.toString(), Long.toString(stallAt)));
        return new ProcessBuilder(command).redirectErrorStream(true).start();
    }

    private static String sha256(Path f) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(f)));
    }

    private static List<String> names(Path d) throws Exception {
        try (var s = Files.list(d)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    /**
     * One child JVM (to keep the test short) checks both: every read path, one after the other, leaves the folder as
     * it found it; then it resumes a checkpoint ({@link SparkTrainingRun#readCheckpoint}, the read {@code --resume}
     * makes) through a stream that stops at the middle of the file, and is killed (SIGKILL: no finally block runs)
     * once it says it stopped there. That leaves nothing in the folder (the old code copied the stream into
     * {@code convnet4j-resume-*.c4j} there, or {@code convnet4j-model-*} for a model) and the file as it was.
     */
    @Test
    void everyReadPathLeavesTheTemporaryFolderAsItFoundItEvenWhenKilledAtAChosenByte() throws Exception {
        Path tmp = Files.createDirectories(dir.resolve("child-tmp"));
        Path model = model();
        String digest = sha256(model);
        long modified = Files.getLastModifiedTime(model).toMillis();
        long stallAt = Files.size(model) / 2; // inside the tensor data, past the header
        Process p = child(tmp, model.toUri().toString(), stallAt);
        List<String> lines = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null && !line.startsWith("STOPPED AT "); ) {
                lines.add(line);
            }
            assertTrue(p.isAlive(), "the child stopped at the chosen byte: " + String.join("\n", lines));
            List<String> paths = lines.stream().filter(l -> l.startsWith("PATH ")).toList();
            assertEquals(List.of("readCheckpoint", "ModelBytes.read", "ModelBytes.of", "jitDirectives"),
                    paths.stream().map(l -> l.split(" ")[1]).toList(), String.join("\n", lines));
            for (String l : paths) {
                assertTrue(l.endsWith(" before=[] after=[]"), l); // the path ran (it checked the file), left nothing
            }
            assertTrue(lines.contains("JIT installed=true"), String.join("\n", lines));
            assertTrue(lines.contains("RESUMING stall://" + model.toUri().getPath() + " stop at " + stallAt),
                    String.join("\n", lines));
            assertEquals(List.of(), names(tmp), "nothing in the folder while the read waits at byte " + stallAt);
            System.out.println("ReadSideTemporariesTest: child CPU until it stopped at byte " + stallAt + ": "
                    + p.info().totalCpuDuration().map(d -> d.toMillis() + " ms").orElse("unknown"));
            p.destroyForcibly(); // SIGKILL on Linux, while the read is blocked at byte stallAt
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        } finally {
            p.destroyForcibly();
        }
        assertEquals(137, p.exitValue(), "killed by SIGKILL");
        assertEquals(List.of(), names(tmp), "a read killed at byte " + stallAt + " leaves no copy behind");
        assertEquals(digest, sha256(model), "the file read is unchanged");
        assertEquals(modified, Files.getLastModifiedTime(model).toMillis(), "the file read was not rewritten");
    }

    /**
     * The local file system under the scheme {@code stall}, whose input streams stop at byte
     * {@code convnet4j.test.stallAt}: the read that reaches it prints {@code STOPPED AT N} and blocks for good.
     */
    public static final class StallingFileSystem extends RawLocalFileSystem {
        static final String STALL_AT = "convnet4j.test.stallAt";
        private static final java.net.URI NAME = java.net.URI.create("stall:///");
        private long stallAt = -1;

        @Override
        public void initialize(java.net.URI uri, Configuration conf) throws java.io.IOException {
            super.initialize(uri, conf);
            stallAt = conf.getLong(STALL_AT, -1);
        }

        @Override
        public java.net.URI getUri() {
            return NAME;
        }

        @Override
        public String getScheme() {
            return "stall";
        }

        @Override
        public FSDataInputStream open(org.apache.hadoop.fs.Path f, int bufferSize) throws java.io.IOException {
            return new FSDataInputStream(new Stalling(super.open(f, bufferSize), stallAt));
        }
    }

    /** A stream that hands out bytes up to {@code stallAt}, then says so and blocks. */
    static final class Stalling extends FSInputStream {
        private final FSDataInputStream in;
        private final long stallAt;
        private long pos;

        Stalling(FSDataInputStream in, long stallAt) {
            this.in = in;
            this.stallAt = stallAt;
        }

        private void stopHere() {
            if (pos == stallAt) {
                System.out.println("STOPPED AT " + pos);
                System.out.flush();
                while (true) { // until the parent kills this process
                    try {
                        Thread.sleep(60_000);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            }
        }

        @Override
        public int read() throws java.io.IOException {
            stopHere();
            int b = in.read();
            pos += b >= 0 ? 1 : 0;
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws java.io.IOException {
            stopHere();
            int n = in.read(b, off, stallAt > pos ? (int) Math.min(len, stallAt - pos) : len);
            pos += Math.max(n, 0);
            return n;
        }

        @Override
        public void seek(long to) throws java.io.IOException {
            in.seek(to);
            pos = to;
        }

        @Override
        public long getPos() {
            return pos;
        }

        @Override
        public boolean seekToNewSource(long target) {
            return false;
        }

        @Override
        public void close() throws java.io.IOException {
            in.close();
        }
    }

    /** Reads a model file at a Hadoop URI through every read path, listing the temporary folder around each. */
    public static final class Reader {
        public static void main(String[] args) throws Exception {
            String uri = args[0];
            Path tmp = Path.of(args[1]);
            Configuration conf = new Configuration();
            around("readCheckpoint", tmp, () -> SparkTrainingRun.readCheckpoint(uri, conf).parameters().size());
            around("ModelBytes.read", tmp, () -> ModelBytes.read(uri, conf).parse().model().stateDict().size());
            around("ModelBytes.of", tmp, () -> ModelBytes.of(HadoopFiles.readAll(uri, conf), uri).parse()
                    .model().stateDict().size());
            boolean[] installed = new boolean[1];
            around("jitDirectives", tmp, () -> {
                installed[0] = KernelProvider.installJitDirectives();
                return 1;
            });
            System.out.println("JIT installed=" + installed[0]);
            Configuration stalling = new Configuration(conf);
            stalling.set("fs.stall.impl", StallingFileSystem.class.getName());
            stalling.setBoolean("fs.stall.impl.disable.cache", true);
            stalling.setLong(StallingFileSystem.STALL_AT, Long.parseLong(args[2]));
            String at = "stall://" + java.net.URI.create(uri).getPath();
            System.out.println("RESUMING " + at + " stop at " + args[2]);
            System.out.flush();
            SparkTrainingRun.readCheckpoint(at, stalling); // blocks at the chosen byte until killed
            throw new AssertionError("the read went past byte " + args[2]);
        }

        private interface Read {
            int run() throws Exception;
        }

        private static void around(String name, Path tmp, Read read) throws Exception {
            List<String> before = names(tmp);
            int n = read.run();
            if (n < 1) {
                throw new AssertionError(name + " read nothing");
            }
            System.out.println("PATH " + name + " before=" + before + " after=" + names(tmp));
        }
    }
}

package org.convnet4j.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
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
 * child JVM whose {@code java.io.tmpdir} is a fresh folder, so that the listing sees that process alone.
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

    private static Process child(Path tmp, String uri) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-cp", System.getProperty("java.class.path"), "-Xmx512m", "-Djava.io.tmpdir=" + tmp,
                Reader.class.getName(), uri, tmp.toString()));
        return new ProcessBuilder(command).redirectErrorStream(true).start();
    }

    private static List<String> names(Path d) throws Exception {
        try (var s = Files.list(d)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    /**
     * One child JVM (to keep the test short) checks both: every read path, one after the other, leaves the folder as
     * it found it; then it reads again and again through the three Hadoop paths and is killed (SIGKILL: no finally
     * block runs) while reading, which leaves nothing either (the old code left {@code convnet4j-resume-*.c4j} or
     * {@code convnet4j-model-*}).
     */
    @Test
    void everyReadPathLeavesTheTemporaryFolderAsItFoundItEvenWhenKilledMidRead() throws Exception {
        Path tmp = Files.createDirectories(dir.resolve("child-tmp"));
        Process p = child(tmp, model().toUri().toString());
        List<String> lines = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null && !line.equals("READING"); ) {
                lines.add(line);
            }
            assertTrue(p.isAlive(), "the child reads on: " + String.join("\n", lines));
            List<String> paths = lines.stream().filter(l -> l.startsWith("PATH ")).toList();
            assertEquals(List.of("readCheckpoint", "ModelBytes.read", "ModelBytes.of", "jitDirectives"),
                    paths.stream().map(l -> l.split(" ")[1]).toList(), String.join("\n", lines));
            for (String l : paths) {
                assertTrue(l.endsWith(" before=[] after=[]"), l); // the path ran (it checked the file), left nothing
            }
            assertTrue(lines.contains("JIT installed=true"), String.join("\n", lines));
            Thread.sleep(300); // some reads into the loop
            assertTrue(p.isAlive(), "still reading when killed");
            p.destroyForcibly(); // SIGKILL on Linux
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        } finally {
            p.destroyForcibly();
        }
        assertEquals(137, p.exitValue(), "killed by SIGKILL");
        assertEquals(List.of(), names(tmp), "a read killed midway leaves no copy behind");
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
            System.out.println("READING");
            System.out.flush();
            while (true) { // until killed
                SparkTrainingRun.readCheckpoint(uri, conf);
                ModelBytes.read(uri, conf);
                ModelBytes.of(HadoopFiles.readAll(uri, conf), uri).parse();
            }
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

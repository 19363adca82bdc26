package org.convnet4j.spark.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.convnet4j.checkpoint.SafeTensors;
import org.convnet4j.image.Images;
import org.convnet4j.model.ModelFiles;
import org.convnet4j.nn.Sequential;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.zoo.LeNet5;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad input fails before any Spark work, in one line, exit 2 (these cases never start Spark, so they are quick). */
class SparkCliBadInputTest {
    @TempDir
    static Path dir;
    static Path model;
    static Path pictures;

    @BeforeAll
    static void files() throws Exception {
        Sequential m = LeNet5.build(Shape.of(1, 28, 28), 2, LeNet5.Variant.MODERN);
        m.initialize(1);
        m.setClassNames(List.of("a", "b"));
        model = dir.resolve("m.c4j");
        ModelFiles.save(m, model);
        pictures = dir.resolve("pictures");
        Files.createDirectories(pictures);
        Images.write(Tensor.zeros(Shape.of(1, 28, 28)), pictures.resolve("x.png"));
    }

    private static String[] run(String... args) {
        return CliRun.run(args);
    }

    private static void assertOneLine(String[] r, String... needles) {
        assertEquals("2", r[0], r[2]);
        assertEquals(1, r[2].strip().lines().count(), r[2]);
        for (String n : needles) {
            assertTrue(r[2].contains(n), r[2]);
        }
        assertFalse(r[2].contains("Exception"), r[2]);
    }

    /**
     * The driver's check that a folder holds a picture asks no file for its permissions. It walked with
     * {@code listFiles}, whose {@code LocatedFileStatus} copies them: an {@code ls -ld} process per file looked at on
     * Hadoop's local file system without its native library, up to the first picture (every file of a folder
     * without one).
     */
    @Test
    void theFolderCheckAsksNoFileForItsPermissions() throws Exception {
        org.apache.hadoop.conf.Configuration strict = new org.apache.hadoop.conf.Configuration();
        strict.set("fs.file.impl", org.convnet4j.spark.NoPermissionsFileSystem.class.getName());
        strict.setBoolean("fs.file.impl.disable.cache", true);
        Path deep = Files.createDirectories(dir.resolve("check/a/b"));
        Files.writeString(deep.getParent().resolve("notes.txt"), "not a picture");
        Files.copy(pictures.resolve("x.png"), deep.resolve("x.png"));
        Io.requirePictures(dir.resolve("check").toString(), strict);
        Files.delete(deep.resolve("x.png"));
        java.io.IOException none = org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class,
                () -> Io.requirePictures(dir.resolve("check").toString(), strict));
        assertEquals("--images " + dir.resolve("check") + ": a folder without pictures (bmp, gif, jpeg, jpg, png,"
                + " webp)", none.getMessage());
    }

    @Test
    void unreadableModel() throws Exception {
        Path broken = dir.resolve("broken.c4j");
        Files.write(broken, new byte[] {1, 2, 3});
        assertOneLine(run("predict", "--model", broken.toString(), "--images", pictures.toString(), "-o",
                dir.resolve("a.csv").toString()), "broken.c4j");
        assertFalse(Files.exists(dir.resolve("a.csv")));
    }

    @Test
    void partitionsOutsideTheBudgetAreRefusedBeforeSparkStarts() {
        assertOneLine(run("predict", "--model", model.toString(), "--images", pictures.toString(), "--partitions",
                "2000000000", "-o", dir.resolve("p.csv").toString()), "--partitions 2000000000: ", "above the limit");
        assertOneLine(run("featurize", "--model", model.toString(), "--images", pictures.toString(), "--partitions",
                "-3", "-o", dir.resolve("p.parquet").toString()), "--partitions: must be 0");
        assertFalse(Files.exists(dir.resolve("p.csv")));
    }

    /**
     * --batch of predict and featurize: a forward pass of that many pictures is budgeted before Spark starts; with a
     * limit between the passes of 4 and 32 pictures, 32 is refused (one line naming the option) and 4 is accepted.
     */
    @Test
    void batchOutsideTheBudgetIsRefusedBeforeSparkStarts() throws Exception {
        org.convnet4j.nn.ModelSummary s = org.convnet4j.nn.ModelSummary.of(ModelFiles.read(model).model());
        long at4 = s.inferenceMemoryBytes(4);
        long at32 = s.inferenceMemoryBytes(32);
        String property = org.convnet4j.util.MemoryBudget.PROPERTY;
        String old = System.getProperty(property);
        System.setProperty(property, Long.toString((at4 + at32) / 2));
        try {
            assertOneLine(run("predict", "--model", model.toString(), "--images", pictures.toString(), "--batch", "32",
                    "-o", dir.resolve("b.csv").toString()), "--batch 32: a forward pass of 32 pictures through ",
                    "m.c4j needs at least", "above the limit");
            assertOneLine(run("featurize", "--model", model.toString(), "--images", pictures.toString(), "--batch",
                    "32", "-o", dir.resolve("b.parquet").toString()), "--batch 32: a forward pass of 32 pictures",
                    "above the limit");
            Io.checkBatch(4, org.convnet4j.spark.ModelBytes.read(model.toString(),
                    new org.apache.hadoop.conf.Configuration()));
        } finally {
            if (old == null) {
                System.clearProperty(property);
            } else {
                System.setProperty(property, old);
            }
        }
        assertOneLine(run("featurize", "--model", model.toString(), "--images", pictures.toString(), "--batch", "0",
                "-o", dir.resolve("b.parquet").toString()), "--batch: must be at least 1, got 0");
        assertFalse(Files.exists(dir.resolve("b.csv")));
        assertFalse(Files.exists(dir.resolve("b.parquet")));
    }

    /**
     * A note from the library (an older .c4j format) reaches the terminal as one line, "convnet4j spark: WARNING:
     * ...", naming the model by the path the user gave, and once per command although the driver parses the model
     * several times (check, budget, the tasks of a local run); checked in child JVMs, where the logging set-up is
     * SparkMain's alone: a predict that runs (exit 0) and a featurize refused after the model was read (exit 2).
     */
    @Test
    void libraryNotesAreOneLineAndPrintedOnce() throws Exception {
        Map<String, String> meta = new java.util.LinkedHashMap<>(SafeTensors.readHeader(model).metadata());
        meta.remove("description_sha256");
        meta.put("format_version", "1");
        Path old = dir.resolve("old.c4j");
        SafeTensors.write(old, SafeTensors.read(model).tensors(), meta);
        String note = "convnet4j spark: WARNING: " + old + " was written by an older convnet4j (format 1)";

        List<String> lines = child(0, "predict", "--model", old.toString(), "--images", pictures.toString(), "-o",
                dir.resolve("n.csv").toString());
        assertEquals(1, lines.stream().filter(l -> l.contains("format 1")).count(), String.join("\n", lines));
        assertTrue(lines.stream().anyMatch(l -> l.startsWith(note)), String.join("\n", lines));
        assertTrue(Files.exists(dir.resolve("n.csv")));

        lines = child(2, "featurize", "--model", old.toString(), "--cut", "conv9", "--images", pictures.toString(),
                "-o", dir.resolve("n.parquet").toString());
        String err = String.join("\n", lines);
        assertEquals(1, lines.stream().filter(l -> l.contains("format 1")).count(), err);
        assertTrue(lines.stream().anyMatch(l -> l.startsWith(note)), err);
        // the other lines: notes too (the scalar-kernels warning without --add-modules), and the one-line error
        assertEquals(1, lines.stream().filter(l -> !l.startsWith("convnet4j spark: WARNING: ")).count(), err);
        assertTrue(lines.get(lines.size() - 1).contains("conv9"), err);
    }

    private static List<String> child(int exit, String... args) throws Exception {
        return CliRun.child(exit, args);
    }

    @Test
    void missingCutLayerNamesTheLayers() {
        assertOneLine(run("featurize", "--model", model.toString(), "--cut", "conv9", "--images", pictures.toString(),
                "-o", dir.resolve("f.parquet").toString()), "--cut conv9: ", "m.c4j has no layer 'conv9'", "pool2");
        assertOneLine(run("transfer", "--base", model.toString(), "--cut", "conv9", "--images", pictures.toString(),
                "-o", dir.resolve("pipeline").toString()), "--cut conv9: ", "m.c4j has no layer 'conv9'", "pool2");
        assertFalse(Files.exists(dir.resolve("pipeline")));
    }

    /**
     * A master this Spark cannot run on, or a YARN ResourceManager nobody answers at: one line before Spark starts
     * (Spark itself fails with "Could not parse Master URL" as an internal error, or its YARN client retries for up
     * to 15 minutes).
     */
    @Test
    void mastersThisSparkCannotUseAreRefusedInOneLine() throws Exception {
        assertOneLine(run("predict", "--master", "bogus", "--model", model.toString(), "--images", pictures.toString(),
                "-o", dir.resolve("m.csv").toString()), "--master bogus: not a master this Spark knows");
        assertOneLine(run("featurize", "--master", "k8s://https://127.0.0.1:6443", "--model", model.toString(),
                "--images", pictures.toString(), "-o", dir.resolve("m.parquet").toString()),
                "--master k8s://https://127.0.0.1:6443: this Spark has no support for Kubernetes");
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort(); // closed again: nothing listens there
        }
        long start = System.nanoTime();
        assertOneLine(run("transfer", "--master", "yarn", "--conf", "spark.hadoop.yarn.resourcemanager.address=127.0.0.1:"
                + port, "--base", model.toString(), "--images", pictures.toString(), "-o", dir.resolve("y").toString()),
                "--master yarn: cannot reach the YARN ResourceManager at 127.0.0.1:" + port);
        assertTrue(System.nanoTime() - start < 60e9, "not Spark's YARN client retrying");
        assertFalse(Files.exists(dir.resolve("m.csv")) || Files.exists(dir.resolve("y")));
    }

    @Test
    void unreachableMaster() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort(); // closed again: nothing listens there
        }
        assertOneLine(run("predict", "--master", "spark://127.0.0.1:" + port, "--model", model.toString(), "--images",
                pictures.toString(), "-o", dir.resolve("b.csv").toString()), "cannot reach the Spark master");
    }

    @Test
    void existingOutputIsRefusedWithoutOverwrite() throws Exception {
        Path out = dir.resolve("exists.csv");
        Files.writeString(out, "keep me");
        assertOneLine(run("predict", "--model", model.toString(), "--images", pictures.toString(), "-o", out.toString()),
                "already exists", "--overwrite");
        assertEquals("keep me", Files.readString(out));
    }

    @Test
    void picturesThatDoNotExist() {
        assertOneLine(run("predict", "--model", model.toString(), "--images", dir.resolve("none/*.png").toString(), "-o",
                dir.resolve("c.csv").toString()), "no file matches");
    }

    /** A folder without pictures (empty, or other files only): refused before Spark starts (was: exit 0, 0 rows). */
    @Test
    void aFolderWithoutPicturesIsRefused() throws Exception {
        Path empty = Files.createDirectories(dir.resolve("empty"));
        Path other = Files.createDirectories(dir.resolve("other/deeper"));
        Files.writeString(other.resolve("notes.txt"), "no picture here");
        Files.writeString(other.resolve("x.png.txt"), "a picture's name, then another suffix");
        for (Path folder : List.of(empty, dir.resolve("other"))) {
            for (String command : List.of("predict", "featurize")) {
                Path out = dir.resolve(command + "-" + folder.getFileName() + ".csv");
                assertOneLine(run(command, "--model", model.toString(), "--images", folder.toString(), "-o", out.toString()),
                        "--images " + folder + ": a folder without pictures (bmp, gif, jpeg, jpg, png, webp)");
                assertFalse(Files.exists(out), out.toString());
            }
        }
        // the main CLI's picture types in any case (predict DIR and spark train find the same)
        java.util.function.Predicate<String> picture = org.convnet4j.spark.PictureFiles::isPicture;
        assertTrue(picture.test("a.png") && picture.test("a.JPEG") && picture.test("a.Png") && picture.test("a.webp")
                && !picture.test("png") && !picture.test("a.png.txt"));
        assertEquals("*.{[bB][mM][pP],[gG][iI][fF],[jJ][pP][eE][gG],[jJ][pP][gG],[pP][nN][gG],[wW][eE][bB][pP]}", Io.PICTURES);
    }

    /**
     * An output given with a trailing '/' (a folder meant) names no file: train's --out and predict/featurize's -o
     * refuse it in one line, as the main CLI does (before: train took {@code m/} as a file {@code m}).
     */
    @Test
    void anOutputEndingInASlashIsRefusedAsAFolder() {
        String folder = dir.resolve("slash") + "/";
        assertOneLine(run("train", "--data", dir.toString(), "--out", folder), "'" + folder + "' names no file",
                "such as " + folder + "model.c4j");
        for (String command : List.of("predict", "featurize")) {
            assertOneLine(run(command, "--model", model.toString(), "--images", pictures.toString(), "-o",
                    folder), "-o " + folder + ": names no file (it ends in '/': a folder)");
        }
        assertFalse(Files.exists(dir.resolve("slash")));
    }

    @Test
    void trainRefusesAMissingFolderAndBadSettingsBeforeSparkStarts() {
        assertOneLine(run("train", "--data", dir.resolve("nowhere").toString(), "--out", dir.resolve("t.c4j").toString()),
                "nowhere", "no such directory");
        assertOneLine(run("train", "--lr", "-1", "--out", dir.resolve("t.c4j").toString()), "lr");
        assertOneLine(run("train", "--data", dir.toString(), "--out", dir.resolve("t.c4j").toString()),
                "class folder");
    }

    /**
     * A file system that cannot be reached: an HDFS NameNode that refuses the connection (for the model, the pictures,
     * the output, --resume, transfer's base and output, train's data), a NameNode host without a DNS answer, a
     * scheme with no file system on the class path: one line naming the URI as given and what is wrong, exit 2,
     * before Spark starts. train's --out is a local path: a URI there is refused saying so.
     */
    @Test
    void fileSystemsThatCannotBeReachedAreOneLineNamingTheUri() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        String nn = "hdfs://127.0.0.1:" + port;
        String fast = "spark.hadoop.ipc.client.connect.max.retries=0"; // Hadoop's 10 retries a second apart otherwise
        String m = model.toString();
        String p = pictures.toString();
        String o = dir.resolve("u.csv").toString();
        List<String[]> cases = List.of(
                new String[] {nn + "/m.c4j", "predict", "--conf", fast, "--model", nn + "/m.c4j", "--images", p, "-o", o},
                new String[] {nn + "/pics", "predict", "--conf", fast, "--model", m, "--images", nn + "/pics", "-o", o},
                new String[] {nn + "/o.csv", "predict", "--conf", fast, "--model", m, "--images", p, "-o", nn + "/o.csv"},
                new String[] {nn + "/pics", "featurize", "--conf", fast, "--model", m, "--images", nn + "/pics", "-o",
                    dir.resolve("f.parquet").toString()},
                new String[] {nn + "/m.c4j", "transfer", "--conf", fast, "--base", nn + "/m.c4j", "--images", p, "-o",
                    dir.resolve("t").toString()},
                new String[] {nn + "/t", "transfer", "--conf", fast, "--base", m, "--images", p, "-o", nn + "/t"},
                new String[] {nn + "/train", "train", "--conf", fast, "--data", nn + "/train", "--out",
                    dir.resolve("t.c4j").toString()},
                new String[] {nn + "/ck/last.c4j", "train", "--conf", fast, "--resume", nn + "/ck/last.c4j"});
        for (String[] c : cases) {
            String[] r = run(java.util.Arrays.copyOfRange(c, 1, c.length));
            assertOneLine(r, c[0] + ": cannot reach 127.0.0.1:" + port + " (connection refused); is the NameNode"
                    + " running");
        }
        assertOneLine(run("predict", "--model", m, "--images", "hdfs://no-such-namenode.invalid:8020/pics", "-o", o),
                "hdfs://no-such-namenode.invalid:8020/pics: the host no-such-namenode.invalid is not known");
        assertOneLine(run("predict", "--model", m, "--images", "nosuchfs://bucket/pics", "-o", o),
                "nosuchfs://bucket/pics: this class path has no file system for nosuchfs://");
        assertOneLine(run("train", "--data", p, "--out", nn + "/t.c4j"), "--out " + nn + "/t.c4j: spark train writes"
                + " its model file on the driver's machine");
        assertFalse(Files.exists(dir.resolve("u.csv")) || Files.exists(dir.resolve("f.parquet"))
                || Files.exists(dir.resolve("t")) || Files.exists(dir.resolve("t.c4j")));
    }

    /**
     * A NameNode that accepts connections and never answers: every spark command that names it (model, pictures,
     * output, base, training data, resume) fails in one line naming the URI, exit 2, before Spark starts, after
     * waiting the checks' timeout once ({@code HadoopFiles.CHECK_TIMEOUT_MS}, 10 s), or the one the user sets
     * ({@code --conf spark.hadoop.ipc.client.rpc-timeout.ms}, 0.5 s here). Load-proof (no wall-clock bound) but
     * bounded by what it asserts: the line states the timeout after which the client's own call gave up, the NameNode
     * saw exactly one connection per command (one attempt: a retry or a reconnect would wait the timeout again), and
     * the command took at least that timeout (it did wait for an answer). A command that waits for ever (no timeout)
     * fails the test after 10 minutes.
     */
    @Test
    @org.junit.jupiter.api.Timeout(value = 600, unit = java.util.concurrent.TimeUnit.SECONDS)
    void aNameNodeThatAcceptsAndNeverAnswersIsOneLineWithinTheTimeout() throws Exception {
        try (org.convnet4j.spark.SilentNameNode silent = new org.convnet4j.spark.SilentNameNode()) {
            String nn = "hdfs://127.0.0.1:" + silent.port();
            String m = model.toString();
            String p = pictures.toString();
            List<String[]> cases = List.of(
                    new String[] {nn + "/m.c4j", "predict", "--model", nn + "/m.c4j", "--images", p, "-o",
                        dir.resolve("s.csv").toString()},
                    new String[] {nn + "/pics", "featurize", "--model", m, "--images", nn + "/pics", "-o",
                        dir.resolve("s.parquet").toString()},
                    new String[] {nn + "/m.c4j", "transfer", "--base", nn + "/m.c4j", "--images", p, "-o",
                        dir.resolve("st").toString()},
                    new String[] {nn + "/train", "train", "--data", nn + "/train", "--out",
                        dir.resolve("st.c4j").toString()},
                    new String[] {nn + "/ck/last.c4j", "train", "--resume", nn + "/ck/last.c4j"});
            for (String[] c : cases) {
                // the first command waits the checks' own 10 s; the others are given 0.5 s as a user can
                // (--conf spark.hadoop.ipc.client.rpc-timeout.ms), which the checks keep: 38 s less waiting
                boolean first = c == cases.get(0);
                List<String> args = new java.util.ArrayList<>(List.of(c).subList(1, c.length));
                if (!first) {
                    args.addAll(List.of("--conf", "spark.hadoop.ipc.client.rpc-timeout.ms=500"));
                }
                int connectionsBefore = silent.accepted();
                long t0 = System.nanoTime();
                String[] r = run(args.toArray(String[]::new));
                double seconds = (System.nanoTime() - t0) / 1e9;
                int timeoutMs = first ? 10_000 : 500;
                assertOneLine(r, c[0] + ": no answer from 127.0.0.1:" + silent.port() + " within the timeout ("
                        + timeoutMs + " ms)");
                assertEquals(1, accepted(silent, connectionsBefore + 1) - connectionsBefore,
                        c[1] + ": connections to the silent NameNode");
                assertTrue(seconds >= timeoutMs / 1000.0, c[1] + " returned after " + seconds + " s, before the "
                        + timeoutMs + " ms timeout");
            }
            assertFalse(Files.exists(dir.resolve("s.csv")) || Files.exists(dir.resolve("s.parquet"))
                    || Files.exists(dir.resolve("st")) || Files.exists(dir.resolve("st.c4j")));
        }
    }

    /**
     * The connections {@code silent} has accepted, once it has accepted {@code atLeast} (its thread may not have taken
     * a connection off the backlog yet on a loaded machine) or after 60 s, and 0.2 s more for any further one still in
     * the backlog.
     */
    private static int accepted(org.convnet4j.spark.SilentNameNode silent, int atLeast) throws InterruptedException {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (silent.accepted() < atLeast && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        Thread.sleep(200);
        return silent.accepted();
    }
}

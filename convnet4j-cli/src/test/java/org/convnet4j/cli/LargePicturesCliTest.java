package org.convnet4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.convnet4j.model.ModelFiles;
import org.convnet4j.model.Preprocessing;
import org.convnet4j.tensor.Shape;
import org.convnet4j.testsupport.LargePictures;
import org.convnet4j.testsupport.TemporaryProperty;
import org.convnet4j.util.MemoryBudget;
import org.convnet4j.zoo.LeNet5;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15: a 100-megapixel picture of a few hundred kilobytes (one colour, so it compresses) given to a command that
 * decodes it. What decoding and the command's work need is estimated from the picture's header (size, bands, bit
 * depth) and compared with the memory budget before any pixel is decoded: a picture that cannot fit is refused in one
 * line, exit 2, in seconds, having allocated little. Before, {@code edges} with -Xmx5g decoded the picture (2 GB, 60 s
 * under load) and only then refused the 4.8 GB of processing.
 */
class LargePicturesCliTest {
    private static final int SIDE = 10_000;
    /** What a refusal from the header may allocate (the JVM's and picocli's start, the header, the message). */
    private static final long LITTLE = 64L << 20;

    @TempDir
    Path dir;

    private record Child(int code, String err, long allocated, double seconds) {
        List<String> lines() {
            // the JVM's own note about the incubator module is not ours
            return err.lines().filter(l -> !l.isBlank() && !l.startsWith("WARNING: Using incubator modules")).toList();
        }
    }

    /** The command in a child JVM with the heap {@code xmx} and no limit set: the defaults a user gets. */
    private Child child(String xmx, String... args) throws Exception {
        Path measured = dir.resolve("allocated-" + System.nanoTime());
        // the JVM's default collector (the memory limit follows its maximum heap); C1 only: a refusal computes nothing
        List<String> cmd = ChildJvm.lightJit("--add-modules", "jdk.incubator.vector", "-Xmx" + xmx,
                "-Dmeasured.out=" + measured);
        cmd.add(MeasuredMain.class.getName());
        cmd.addAll(List.of(args));
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(180, TimeUnit.SECONDS), "the child JVM did not end: " + err);
        double seconds = (System.nanoTime() - t0) / 1e9;
        long allocated = Files.exists(measured) ? Long.parseLong(Files.readString(measured).trim()) : -1;
        return new Child(p.exitValue(), err, allocated, seconds);
    }

    private static void assertRefusedFromTheHeader(Child c, Path picture) {
        List<String> lines = c.lines();
        assertEquals(2, c.code(), c.err());
        assertEquals(1, lines.size(), c.err());
        String line = lines.get(0);
        assertTrue(line.contains(picture.toString() + ": a 10000x10000 picture ("), line);
        assertTrue(line.contains("needs") && line.contains("above the limit of"), line);
        assertTrue(c.allocated() >= 0 && c.allocated() < LITTLE, "allocated " + c.allocated() + " bytes: " + line);
        // JVM start and a header under a loaded machine; decoding 100 MP takes tens of seconds there
        assertTrue(c.seconds() < 30, c.seconds() + " s: " + line);
    }

    /**
     * The case: {@code edges} on a 100 MP picture with -Xmx5g (memory limit 2.5 GB): decoding alone (1.8 GB
     * for RGB) would fit, the edges' working set (the picture and 4 float copies of it, 6 GB) does not; refused
     * from the header, before decoding. PNG and JPEG, each in its own JVM.
     */
    @Test
    void edgesOnAHundredMegapixelPictureIsRefusedBeforeDecodingUnderFiveGigabytes() throws Exception {
        Path png = LargePictures.png(dir.resolve("uniform.png"), SIDE, SIDE, 2, 8, 90);
        Path jpeg = LargePictures.jpeg(dir.resolve("uniform.jpg"), SIDE, SIDE, 3);
        assertTrue(Files.size(png) < 4_000_000 && Files.size(jpeg) < 2_000_000);
        for (Path picture : List.of(png, jpeg)) {
            Child c = child("5g", "edges", picture.toString(), "-o", dir.resolve("e.png").toString());
            assertRefusedFromTheHeader(c, picture);
            assertTrue(c.lines().get(0).contains("decoded and processed with 4 working copies"), c.err());
            assertFalse(Files.exists(dir.resolve("e.png")));
        }
    }

    /** Every format we read, in every command that processes a whole picture, under a limit of 1 GB: one line each. */
    @Test
    void everyFormatAndEveryPictureCommandRefusesFromTheHeader() throws Exception {
        List<Path> pictures = List.of(
                LargePictures.png(dir.resolve("rgb.png"), SIDE, SIDE, 2, 8, 7),
                LargePictures.png(dir.resolve("grey16.png"), SIDE, SIDE, 0, 16, 7),
                LargePictures.png(dir.resolve("rgba.png"), SIDE, SIDE, 6, 8, 7),
                LargePictures.jpeg(dir.resolve("grey.jpg"), SIDE, SIDE, 1),
                LargePictures.bmpRle8(dir.resolve("palette.bmp"), SIDE, SIDE, 0x336699),
                LargePictures.gif(dir.resolve("palette.gif"), SIDE, SIDE, 0x336699),
                LargePictures.tiff(dir.resolve("deflate.tif"), SIDE, SIDE, 7),
                resource("/org/convnet4j/image/large/uniform_100mp.webp", dir.resolve("uniform.webp")));
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        Path out = dir.resolve("o.png");
        try (TemporaryProperty p = TemporaryProperty.set(MemoryBudget.PROPERTY, "1g")) {
            for (Path picture : pictures) {
                List<String[]> commands = List.of(
                        new String[] {"edges", picture.toString(), "-o", out.toString()},
                        new String[] {"pool", picture.toString(), "-o", out.toString()},
                        new String[] {"convolve", picture.toString(), "-k", "box3", "-o", out.toString()},
                        new String[] {"demo", "edges", "--image", picture.toString(), "-o", dir.resolve("demo").toString()});
                for (String[] args : commands) {
                    long before = threads.getCurrentThreadAllocatedBytes();
                    long t0 = System.nanoTime();
                    CliRun run = CliRun.of(args);
                    double seconds = (System.nanoTime() - t0) / 1e9;
                    long allocated = threads.getCurrentThreadAllocatedBytes() - before;
                    String what = String.join(" ", args) + ": " + run.err();
                    assertEquals(2, run.exitCode(), what);
                    assertEquals(1, run.errLines(), what);
                    assertTrue(run.err().contains(picture + ": a 10000x10000 picture ("), what);
                    assertTrue(run.err().contains("above the limit of 1.1 GB"), what);
                    assertTrue(allocated < 32L << 20, "allocated " + allocated + " bytes: " + what);
                    assertTrue(seconds < 10, seconds + " s: " + what);
                    assertFalse(Files.exists(out), what);
                }
            }
        }
    }

    /**
     * A command that needs only the model's input size reads a 100 MP picture subsampled from the header's size
     * instead of refusing it ({@code predict}, a picture folder as {@code --data}); beyond 16 times the pixel limit
     * it is refused from the header in one line.
     */
    @Test
    void predictReadsAHundredMegapixelPictureSubsampledAndRefusesBeyondSixteenTimesTheLimit() throws Exception {
        Path model = dir.resolve("lenet.c4j");
        ModelFiles.save(LeNet5.build().initialize(3), model, Preprocessing.forInput(Shape.of(1, 28, 28)));
        Path folder = Files.createDirectories(dir.resolve("pictures"));
        Path png = LargePictures.png(folder.resolve("uniform.png"), SIDE, SIDE, 0, 8, 200);
        try (TemporaryProperty p = TemporaryProperty.set(MemoryBudget.PROPERTY, "64m")) {
            CliRun one = CliRun.of("predict", "--model", model.toString(), png.toString());
            assertEquals(0, one.exitCode(), one.err());
            CliRun all = CliRun.of("predict", "--model", model.toString(), folder.toString());
            assertEquals(0, all.exitCode(), all.err());
            assertTrue(all.out().contains("uniform.png"), all.out());
        }
        try (TemporaryProperty p = TemporaryProperty.set(org.convnet4j.image.Images.MAX_PIXELS_PROPERTY, "5000000")) {
            var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            long before = threads.getCurrentThreadAllocatedBytes();
            CliRun refused = CliRun.of("predict", "--model", model.toString(), folder.toString());
            long allocated = threads.getCurrentThreadAllocatedBytes() - before;
            assertEquals(2, refused.exitCode(), refused.err());
            assertEquals(1, refused.errLines(), refused.err());
            assertTrue(refused.err().contains("uniform.png: 10000x10000 = 100 megapixels exceeds the limit of 5"),
                    refused.err());
            assertTrue(allocated < 32L << 20, "allocated " + allocated);
        }
    }

    /**
     * The server's picture endpoint ({@code POST /predictions/NAME}): a 100 MP picture of a few hundred KB (within the
     * body limit) is refused from its header by the server's pixel cap (16 MP by default), and a 12 MP one within the
     * cap but above the memory limit by the budget, each as 400 with one line of JSON, in seconds, the server's
     * threads having allocated little; a small picture is answered (the control).
     */
    @Test
    void theServePictureEndpointRefusesLargePicturesFromTheirHeader() throws Exception {
        Path model = dir.resolve("lenet.c4j");
        org.convnet4j.nn.Sequential lenet = LeNet5.build();
        lenet.initialize(3);
        lenet.setClassNames(List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9"));
        ModelFiles.save(lenet, model, Preprocessing.forInput(Shape.of(1, 28, 28)));
        org.convnet4j.serve.ModelServer.Options o = new org.convnet4j.serve.ModelServer.Options();
        o.port = 0;
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        try (TemporaryProperty p = TemporaryProperty.set(MemoryBudget.PROPERTY, "100m");
             org.convnet4j.serve.ModelServer server = org.convnet4j.serve.ModelServer.start(
                     java.util.Map.of("lenet", ModelFiles.read(model)), o)) {
            var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            List<Path> bodies = List.of(
                    LargePictures.png(dir.resolve("rgb.png"), SIDE, SIDE, 2, 8, 3),
                    LargePictures.jpeg(dir.resolve("rgb.jpg"), SIDE, SIDE, 3),
                    LargePictures.gif(dir.resolve("p.gif"), SIDE, SIDE, 0x102030),
                    LargePictures.bmpRle8(dir.resolve("p.bmp"), SIDE, SIDE, 0x102030),
                    LargePictures.png(dir.resolve("twelve.png"), 4000, 3000, 2, 8, 3),
                    LargePictures.png(dir.resolve("small.png"), 40, 30, 0, 8, 3));
            for (Path body : bodies) {
                long[] ids = threads.getAllThreadIds();
                long before = java.util.Arrays.stream(threads.getThreadAllocatedBytes(ids)).filter(b -> b > 0).sum();
                long t0 = System.nanoTime();
                java.net.http.HttpResponse<String> r = http.send(java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create(server.url() + "/predictions/lenet")).header("Content-Type", "image/png")
                        .POST(java.net.http.HttpRequest.BodyPublishers.ofFile(body)).build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString());
                double seconds = (System.nanoTime() - t0) / 1e9;
                long allocated = java.util.Arrays.stream(threads.getThreadAllocatedBytes(ids)).filter(b -> b > 0).sum()
                        - before;
                String what = body.getFileName() + ": " + r.statusCode() + " " + r.body();
                if (body.getFileName().toString().equals("small.png")) {
                    assertEquals(200, r.statusCode(), what);
                    continue;
                }
                assertEquals(400, r.statusCode(), what);
                assertEquals(1, r.body().strip().lines().count(), what);
                assertTrue(r.body().startsWith("{\"error\":"), what);
                assertTrue(body.getFileName().toString().equals("twelve.png")
                        ? r.body().contains("picture: a 4000x3000 picture (PNG, 3 bands of 8 bits) needs 264 MB, above the limit")
                        : r.body().contains("picture: 10000x10000 = 100 megapixels exceeds the limit of 16 megapixels"), what);
                // the body itself (up to 1.2 MB, read once and copied by the HTTP layers) and the header
                assertTrue(allocated < 32L << 20, "allocated " + allocated + " bytes: " + what);
                assertTrue(seconds < 10, seconds + " s: " + what);
            }
        }
    }

    /** A resource of core's test jar copied to a file (in `mvn verify` it lives inside a jar, not as a file). */
    private static Path resource(String name, Path to) throws java.io.IOException {
        try (java.io.InputStream in = LargePicturesCliTest.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new java.io.FileNotFoundException(name);
            }
            Files.copy(in, to);
        }
        return to;
    }
}

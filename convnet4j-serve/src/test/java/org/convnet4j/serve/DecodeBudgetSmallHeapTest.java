package org.convnet4j.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shared decode budget bounds the memory of real decodes, not only its own count: a server in a child JVM with a
 * 256 MB heap (default budget: half of it), started with {@code -XX:+ExitOnOutOfMemoryError} so that any out-of-memory
 * error anywhere ends it, gets 16 pictures at once on both endpoints that decode ({@code /predictions/NAME} and the
 * page's {@code /api/models/NAME/input}). The pictures are small bodies (PNGs and JPEGs of flat tiles, tens of KB) that
 * decode large (1,200 x 1,000 RGB: some 41 MB each to decode and prepare, from the header; three fit in the budget at
 * once), together about 2.5 times
 * the heap. Every answer is 200 or (after the documented 1 s wait) 503 with {@code Retry-After: 1}; the server is
 * still live afterwards, answers each endpoint again, its refusal count matches the 503s and nothing stays reserved.
 */
class DecodeBudgetSmallHeapTest {
    private static final int W = 1200;
    private static final int H = 1000;
    private static final int REQUESTS = 16;

    @TempDir
    Path dir;

    /**
     * The child: a server for the test's LeNet-5 with default options except the port (and the decode budget in bytes
     * if given: the negative control in docs/SERVING.md); stops when stdin closes.
     */
    public static final class Child {
        public static void main(String[] args) throws Exception {
            ModelServer.Options o = new ModelServer.Options();
            o.port = 0;
            o.warmupRuns = 0;
            if (args.length > 0) {
                o.decodeBudgetBytes = Long.parseLong(args[0]);
            }
            try (ModelServer server = ModelServer.start(Map.of("lenet", TestModels.lenet(5)), o)) {
                System.out.println("port " + server.port() + " budget " + o.decodeBudgetBytes);
                System.out.flush();
                while (System.in.read() >= 0) {
                    // until the parent closes our stdin
                }
            }
        }
    }

    /** An RGB picture of flat 100 x 100 tiles (it compresses well) of W x H in {@code format}. */
    private static byte[] picture(String format, int seed) throws Exception {
        BufferedImage img = new BufferedImage(W, H, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < H; y++) {
            for (int x = 0; x < W; x++) {
                int r = (x / 100 * 37 + seed) & 255; // flat 100 x 100 tiles
                int g = (y / 100 * 53) & 255;
                int b = ((x / 100 + y / 100) * 29) & 255;
                img.setRGB(x, y, r << 16 | g << 8 | b);
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertTrue(ImageIO.write(img, format, out), format);
        return out.toByteArray();
    }

    @Test
    void manyLargeCompressiblePicturesAtOnceInASmallHeapQueueOrGet503AndTheServerStaysUp() throws Exception {
        Path err = dir.resolve("child.err");
        Process child = startChild(err); // its JVM and server start while the pictures are made
        ExecutorService pool = Executors.newFixedThreadPool(REQUESTS);
        try {
            burstAndCheck(child, err, pool);
        } finally {
            stop(child, pool);
        }
    }

    private static void burstAndCheck(Process child, Path err, ExecutorService pool) throws Exception {
        byte[] png = picture("png", 0);
        byte[] jpeg = picture("jpeg", 40);
        long need = new PictureDecoder(16_000_000).bytesToPrepare(png, 1);
        long heap = 256L << 20;
        assertTrue(png.length < 200_000 && jpeg.length < 200_000, png.length + " / " + jpeg.length);
        assertTrue(need > 30_000_000L && need * REQUESTS > 2 * heap, "what each needs: " + need);
        assertTrue(2 * need < heap / 2, "several fit in the default budget at once: " + need);
        BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
        String first = out.readLine();
        assertTrue(first != null && first.startsWith("port "), first + " / " + Files.readString(err));
        String base = "http://127.0.0.1:" + first.split(" ")[1];
        long budget = Long.parseLong(first.split(" ")[3]);
        assertTrue(budget < heap / 2 + (16 << 20) && budget > heap / 3, "default budget " + budget);
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(30)).build();

        List<Future<HttpResponse<String>>> answers = burst(http, base, png, jpeg, pool);
        int ok = 0;
        int refused = 0;
        for (Future<HttpResponse<String>> a : answers) {
            HttpResponse<String> r = a.get(300, TimeUnit.SECONDS);
            if (r.statusCode() == 200) {
                ok++;
            } else {
                assertEquals(503, r.statusCode(), r.body());
                assertEquals("1", r.headers().firstValue("Retry-After").orElse(null));
                assertTrue(r.body().contains("decode budget") && r.body().strip().lines().count() == 1, r.body());
                refused++;
            }
        }
        assertTrue(ok >= 2, ok + " answered, " + refused + " refused");
        assertTrue(child.isAlive(), "the server died: " + Files.readString(err));

        HttpResponse<String> live = http.send(HttpRequest.newBuilder(URI.create(base + "/v2/health/live")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, live.statusCode());
        for (String path : List.of("/predictions/lenet", "/api/models/lenet/input")) {
            HttpResponse<String> again = http.send(HttpRequest.newBuilder(URI.create(base + path))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(png)).build(),
                    HttpResponse.BodyHandlers.ofString(StandardCharsets.ISO_8859_1));
            assertEquals(200, again.statusCode(), path + ": " + again.body());
        }
        String metrics = http.send(HttpRequest.newBuilder(URI.create(base + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        assertEquals(refused, ModelServerTest.metricValue(metrics, "convnet4j_decode_refused_total"), metrics);
        assertEquals(0, ModelServerTest.metricValue(metrics, "convnet4j_decode_reserved_bytes"), metrics);
        assertTrue(child.isAlive(), "the server died: " + Files.readString(err));
        String stderr = Files.readString(err);
        assertFalse(stderr.contains("OutOfMemoryError"), stderr);
        System.out.println("decode budget " + budget + " B, " + need + " B a picture, " + REQUESTS
                + " at once: " + ok + " answered, " + refused + " refused with 503");
    }

    /** The server in a child JVM with a 256 MB heap that exits on any out-of-memory error. */
    private static Process startChild(Path err, String... args) throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new ArrayList<>(List.of(java, "-Xmx256m", "-XX:+ExitOnOutOfMemoryError",
                "--add-modules", "jdk.incubator.vector", "-cp", System.getProperty("java.class.path"),
                Child.class.getName()));
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectError(err.toFile()).start();
    }

    /** REQUESTS posts at once, alternating the two endpoints that decode, half PNG and half JPEG. */
    private static List<Future<HttpResponse<String>>> burst(HttpClient http, String base, byte[] png, byte[] jpeg,
                                                            ExecutorService pool) {
        List<Future<HttpResponse<String>>> answers = new ArrayList<>();
        for (int i = 0; i < REQUESTS; i++) {
            String path = i % 2 == 0 ? "/predictions/lenet" : "/api/models/lenet/input";
            byte[] body = i % 4 < 2 ? png : jpeg;
            answers.add(pool.submit(() -> http.send(HttpRequest.newBuilder(URI.create(base + path))
                    .timeout(Duration.ofSeconds(240)).POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                    HttpResponse.BodyHandlers.ofString(StandardCharsets.ISO_8859_1))));
        }
        return answers;
    }

    private static void stop(Process child, ExecutorService pool) throws Exception {
        pool.shutdownNow();
        child.getOutputStream().close();
        if (!child.waitFor(30, TimeUnit.SECONDS)) {
            child.destroyForcibly();
        }
    }

    /**
     * The negative control, on demand: the same burst against a server whose decode budget is {@code args[0]} bytes
     * (e.g. 4294967296, more than the heap: nothing is held back), printing what came back and whether the server
     * survived. Run with the serve module's test class path (docs/SERVING.md).
     */
    public static void main(String[] args) throws Exception {
        Path err = Files.createTempFile("decode-control", ".err");
        Process child = startChild(err, args);
        ExecutorService pool = Executors.newFixedThreadPool(REQUESTS);
        try {
            String first = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))
                    .readLine();
            String base = "http://127.0.0.1:" + first.split(" ")[1];
            Map<String, Integer> outcomes = new java.util.TreeMap<>();
            for (Future<HttpResponse<String>> a : burst(HttpClient.newHttpClient(), base, picture("png", 0),
                    picture("jpeg", 40), pool)) {
                String o;
                try {
                    o = "HTTP " + a.get(300, TimeUnit.SECONDS).statusCode();
                } catch (java.util.concurrent.ExecutionException e) {
                    o = e.getCause().getClass().getSimpleName();
                }
                outcomes.merge(o, 1, Integer::sum);
            }
            Thread.sleep(1000);
            System.out.println(first + ": " + outcomes + "; server " + (child.isAlive() ? "alive" : "exited with "
                    + child.exitValue()) + "; its stderr: " + Files.readString(err).strip());
        } finally {
            stop(child, pool);
        }
    }
}

package org.convnet4j.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.imageio.ImageIO;
import org.convnet4j.model.ImageClassifier;
import org.convnet4j.model.Prediction;
import org.convnet4j.model.SavedModel;
import org.convnet4j.tensor.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The server as a client sees it, on 127.0.0.1 and an ephemeral port. */
class ModelServerTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static SavedModel saved;
    private static ModelServer server;

    @BeforeAll
    static void start() throws IOException {
        saved = TestModels.lenet(7);
        ModelServer.Options o = new ModelServer.Options();
        o.port = 0;
        o.maxBatch = 16;
        o.maxWaitMicros = 20_000;
        o.maxBodyBytes = 1 << 20;
        o.maxPixels = 100_000;
        server = ModelServer.start(Map.of("lenet", saved), o);
        server.warmedUp().join();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static HttpResponse<String> get(ModelServer s, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(s.url() + path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> post(ModelServer s, String path, byte[] body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(s.url() + path))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static String inferBody(Tensor x) {
        return InferenceProtocol.request(x, "req-1").toString();
    }

    private static void assertOutputsMatch(Tensor expected, JsonObject response) {
        JsonObject out = response.getAsJsonArray("outputs").get(0).getAsJsonObject();
        assertEquals("FP32", out.get("datatype").getAsString());
        assertEquals("[" + expected.dim(0) + "," + expected.dim(1) + "]", out.get("shape").toString());
        JsonArray data = out.getAsJsonArray("data");
        assertEquals(expected.size(), data.size());
        for (int i = 0; i < expected.size(); i++) {
            assertEquals(expected.data()[i], data.get(i).getAsFloat(), 1e-4f * (1 + Math.abs(expected.data()[i])),
                    "output " + i);
        }
    }

    @Test
    void healthAndMetadata() throws Exception {
        assertEquals(200, get(server, "/v2/health/live").statusCode());
        assertEquals(200, get(server, "/v2/health/ready").statusCode());
        HttpResponse<String> meta = get(server, "/v2/models/lenet");
        assertEquals(200, meta.statusCode());
        JsonObject m = JsonParser.parseString(meta.body()).getAsJsonObject();
        assertEquals("lenet", m.get("name").getAsString());
        assertEquals("[-1,1,28,28]", m.getAsJsonArray("inputs").get(0).getAsJsonObject().get("shape").toString());
        assertEquals("[-1,10]", m.getAsJsonArray("outputs").get(0).getAsJsonObject().get("shape").toString());
        assertEquals("FP32", m.getAsJsonArray("inputs").get(0).getAsJsonObject().get("datatype").getAsString());
    }

    @Test
    void inferAnswersWhatTheModelComputes() throws Exception {
        Tensor x = TestModels.randomInput(new Random(1), 3);
        HttpResponse<String> r = post(server, "/v2/models/lenet/infer", inferBody(x).getBytes());
        assertEquals(200, r.statusCode(), r.body());
        JsonObject o = JsonParser.parseString(r.body()).getAsJsonObject();
        assertEquals("lenet", o.get("model_name").getAsString());
        assertEquals("req-1", o.get("id").getAsString());
        assertOutputsMatch(saved.model().predict(x), o);
    }

    /**
     * The protocol's versioned paths for the version the metadata lists ("1"): the same metadata, readiness and
     * answers as the plain paths (a Triton or KServe client given a model version sends these); another version is
     * a 404 naming the one there is. A GET on an endpoint that takes POST is a 405 saying so, not "no such endpoint".
     */
    /**
     * A POST refused before its body is read (an unknown version or model) gets its 404 while the client is still
     * sending (the body arrives in pieces, 15 ms apart), and the connection stays usable. The server now reads and
     * drops such a body before answering: closed with unread bytes in its receive buffer, a connection is reset, and
     * the client may lose the answer ("header parser received no bytes", met once under load on the versioned test
     * below). That race was not reproduced here on demand: this test passes on the old code too; it guards the path.
     */
    @Test
    void aPostRefusedBeforeItsBodyIsReadGetsItsAnswerAndTheConnectionStaysUsable() throws Exception {
        for (String path : List.of("/v2/models/lenet/versions/2/infer", "/v2/models/nope/infer")) {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(server.url() + path))
                    .POST(HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofInputStream(
                            () -> new SlowBody(8, 32 << 10, 15)), 8 * (32 << 10))).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertError(r, 404, path.contains("nope") ? "unknown model 'nope'" : "has no version '2'");
        }
        Tensor x = TestModels.randomInput(new Random(6), 1);
        assertEquals(200, post(server, "/v2/models/lenet/infer", inferBody(x).getBytes()).statusCode());
    }

    /** {@code pieces} pieces of {@code size} spaces, {@code pauseMillis} apart. */
    private static final class SlowBody extends java.io.InputStream {
        private final int size;
        private final long pauseMillis;
        private int piecesLeft;
        private int leftInPiece;

        SlowBody(int pieces, int size, long pauseMillis) {
            this.piecesLeft = pieces;
            this.size = size;
            this.pauseMillis = pauseMillis;
        }

        @Override
        public int read() {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0];
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (leftInPiece == 0) {
                if (piecesLeft == 0) {
                    return -1;
                }
                try {
                    Thread.sleep(pauseMillis);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return -1;
                }
                piecesLeft--;
                leftInPiece = size;
            }
            int n = Math.min(len, leftInPiece);
            java.util.Arrays.fill(b, off, off + n, (byte) ' ');
            leftInPiece -= n;
            return n;
        }
    }

    @Test
    void versionedPathsAnswerForTheListedVersionAndPostEndpointsSay405ToGet() throws Exception {
        JsonObject plain = JsonParser.parseString(get(server, "/v2/models/lenet").body()).getAsJsonObject();
        assertEquals("[\"1\"]", plain.getAsJsonArray("versions").toString());
        HttpResponse<String> meta = get(server, "/v2/models/lenet/versions/1");
        assertEquals(200, meta.statusCode(), meta.body());
        assertEquals(plain, JsonParser.parseString(meta.body()).getAsJsonObject());
        HttpResponse<String> ready = get(server, "/v2/models/lenet/versions/1/ready");
        assertEquals(200, ready.statusCode(), ready.body());
        Tensor x = TestModels.randomInput(new Random(5), 2);
        for (String path : List.of("/v2/models/lenet/versions/1/infer", "/v2/models/lenet/versions/%31/infer")) {
            HttpResponse<String> r = post(server, path, inferBody(x).getBytes()); // the fast path, then Javalin's
            assertEquals(200, r.statusCode(), path + ": " + r.body());
            JsonObject o = JsonParser.parseString(r.body()).getAsJsonObject();
            assertEquals("1", o.get("model_version").getAsString());
            assertOutputsMatch(saved.model().predict(x), o);
        }
        assertError(get(server, "/v2/models/lenet/versions/2"), 404, "has no version '2'; its version is 1");
        assertError(get(server, "/v2/models/lenet/versions/2/ready"), 404, "has no version '2'");
        assertError(post(server, "/v2/models/lenet/versions/2/infer", inferBody(x).getBytes()), 404, "has no version '2'");
        assertError(post(server, "/v2/models/nope/versions/1/infer", inferBody(x).getBytes()), 404, "unknown model 'nope'");
        for (String path : List.of("/predictions/lenet", "/v2/models/lenet/infer", "/v2/models/lenet/versions/1/infer",
                "/api/models/lenet/input")) {
            HttpResponse<String> r = get(server, path);
            assertError(r, 405, "use POST");
            assertEquals("POST", r.headers().firstValue("allow").orElse(""), path);
        }
    }

    /**
     * v2 inference of a served model is answered by a Jetty handler before Javalin; other spellings of the same
     * path (a trailing slash, a percent-encoded name) reach Javalin's route. Both must give the same answers.
     */
    @Test
    void jettyFastPathAndJavalinRouteAnswerAlike() throws Exception {
        Tensor x = TestModels.randomInput(new Random(5), 2);
        byte[] good = inferBody(x).getBytes();
        byte[] wrongShape = inferBody(Tensor.zeros(1, 1, 32, 32)).getBytes();
        for (String other : new String[] {"/v2/models/lenet/infer/", "/v2/models/len%65t/infer"}) {
            HttpResponse<String> fast = post(server, "/v2/models/lenet/infer", good);
            HttpResponse<String> routed = post(server, other, good);
            assertEquals(200, fast.statusCode(), fast.body());
            assertEquals(200, routed.statusCode(), other + ": " + routed.body());
            assertEquals(fast.body(), routed.body(), other);
            assertEquals(fast.headers().firstValue("content-type"), routed.headers().firstValue("content-type"), other);
            HttpResponse<String> fastBad = post(server, "/v2/models/lenet/infer", wrongShape);
            HttpResponse<String> routedBad = post(server, other, wrongShape);
            assertEquals(400, fastBad.statusCode());
            assertEquals(fastBad.statusCode(), routedBad.statusCode(), other);
            assertEquals(fastBad.body(), routedBad.body(), other);
        }
    }

    @Test
    void binaryTensorDataExtension() throws Exception {
        Tensor x = TestModels.randomInput(new Random(3), 2);
        String header = "{\"id\":\"b\",\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[2,1,28,28],"
                + "\"parameters\":{\"binary_data_size\":" + 4 * x.size() + "}}],"
                + "\"outputs\":[{\"name\":\"output\",\"parameters\":{\"binary_data\":true}}]}";
        byte[] h = header.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        java.nio.ByteBuffer body = java.nio.ByteBuffer.allocate(h.length + 4 * x.size())
                .order(java.nio.ByteOrder.LITTLE_ENDIAN);
        body.put(h);
        body.asFloatBuffer().put(x.data());
        HttpResponse<byte[]> r = HTTP.send(HttpRequest.newBuilder(URI.create(server.url() + "/v2/models/lenet/infer"))
                .header("Inference-Header-Content-Length", Integer.toString(h.length))
                .header("Content-Type", "application/octet-stream")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.array())).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, r.statusCode(), new String(r.body()));
        int jsonLength = Integer.parseInt(r.headers().firstValue("inference-header-content-length").orElseThrow());
        JsonObject o = JsonParser.parseString(new String(r.body(), 0, jsonLength, java.nio.charset.StandardCharsets.UTF_8))
                .getAsJsonObject();
        assertEquals("b", o.get("id").getAsString());
        JsonObject out = o.getAsJsonArray("outputs").get(0).getAsJsonObject();
        assertEquals("[2,10]", out.get("shape").toString());
        assertEquals(80, out.getAsJsonObject("parameters").get("binary_data_size").getAsInt());
        assertEquals(jsonLength + 80, r.body().length);
        float[] got = new float[20];
        java.nio.ByteBuffer.wrap(r.body(), jsonLength, 80).order(java.nio.ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(got);
        // the same numbers the model computes, bit for bit (no text in between)
        org.junit.jupiter.api.Assertions.assertArrayEquals(saved.model().predict(x).data(), got);

        HttpResponse<String> bad = HTTP.send(HttpRequest.newBuilder(URI.create(server.url() + "/v2/models/lenet/infer"))
                .header("Inference-Header-Content-Length", "x12")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.array())).build(), HttpResponse.BodyHandlers.ofString());
        assertError(bad, 400, "Inference-Header-Content-Length must be a whole number");
        String metadata = get(server, "/v2").body();
        assertTrue(metadata.contains("binary_tensor_data"), metadata);
        // the library's version, also when it runs from class folders (no jar manifest: it said "null")
        assertTrue(org.convnet4j.util.LibraryVersion.get().matches("\\d+\\.\\d+\\.\\d+.*")
                && metadata.contains("\"version\":\"" + org.convnet4j.util.LibraryVersion.get() + "\""), metadata);
    }

    @Test
    void concurrentRequestsAreBatchedAndEachGetsItsOwnAnswer() throws Exception {
        int clients = 32;
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try {
            List<Tensor> inputs = new ArrayList<>();
            List<Future<HttpResponse<String>>> answers = new ArrayList<>();
            Random r = new Random(2);
            for (int i = 0; i < clients * 3; i++) {
                Tensor x = TestModels.randomInput(r, 1 + (i % 2));
                inputs.add(x);
                String body = inferBody(x);
                answers.add(pool.submit(() -> post(server, "/v2/models/lenet/infer", body.getBytes())));
            }
            for (int i = 0; i < inputs.size(); i++) {
                HttpResponse<String> a = answers.get(i).get();
                assertEquals(200, a.statusCode(), a.body());
                assertOutputsMatch(saved.model().predict(inputs.get(i)), JsonParser.parseString(a.body()).getAsJsonObject());
            }
        } finally {
            pool.shutdownNow();
        }
        String metrics = get(server, "/metrics").body();
        double samples = metricValue(metrics, "convnet4j_batch_size_sum{model=\"lenet\"}");
        double batches = metricValue(metrics, "convnet4j_batch_size_count{model=\"lenet\"}");
        assertTrue(samples > batches, "some forward passes served several requests: " + samples + " samples in "
                + batches + " batches");
        assertTrue(metrics.contains("convnet4j_http_requests_total{endpoint=\"/v2/models/{name}/infer\",status=\"200\"}"));
        assertTrue(metrics.contains("convnet4j_http_request_duration_seconds_bucket{endpoint=\"/v2/models/{name}/infer\",le=\"+Inf\"}"));
        assertTrue(metrics.contains("convnet4j_queue_depth{model=\"lenet\"}"));
    }

    /**
     * Two single-threaded workers (inter-op): concurrent clients each get their own answer, every forward pass
     * (warm-up, caller runs and batches alike) ran without handing kernel work to the shared kernel threads, and
     * batches still formed (only one worker gathers at a time).
     */
    @Test
    void twoSingleThreadedWorkersAnswerConcurrentClientsWithoutKernelHandOffs() throws Exception {
        ModelServer.Options o = new ModelServer.Options();
        o.port = 0;
        o.maxBatch = 16;
        o.maxWaitMicros = 20_000;
        o.workers = 2;
        o.threadsPerWorker = 1;
        o.warmupRuns = 1;
        int clients = 16;
        Random r = new Random(18);
        List<Tensor> inputs = new ArrayList<>();
        List<Tensor> expected = new ArrayList<>();
        for (int i = 0; i < clients * 3; i++) {
            Tensor x = TestModels.randomInput(r, 1 + (i % 2));
            inputs.add(x);
            expected.add(saved.model().predict(x)); // here, before counting: this thread's kernels are not capped
        }
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try (ModelServer s = ModelServer.start(Map.of("lenet", saved), o)) {
            s.warmedUp().join();
            long h0 = org.convnet4j.tensor.kernels.KernelProvider.handOffs();
            List<Future<HttpResponse<String>>> answers = new ArrayList<>();
            for (Tensor x : inputs) {
                String body = inferBody(x);
                answers.add(pool.submit(() -> post(s, "/v2/models/lenet/infer", body.getBytes())));
            }
            for (int i = 0; i < inputs.size(); i++) {
                HttpResponse<String> a = answers.get(i).get();
                assertEquals(200, a.statusCode(), a.body());
                assertOutputsMatch(expected.get(i), JsonParser.parseString(a.body()).getAsJsonObject());
            }
            assertEquals(h0, org.convnet4j.tensor.kernels.KernelProvider.handOffs(),
                    "a single-threaded worker handed kernel work to the shared threads");
            String metrics = get(s, "/metrics").body();
            double samples = metricValue(metrics, "convnet4j_batch_size_sum{model=\"lenet\"}");
            double batches = metricValue(metrics, "convnet4j_batch_size_count{model=\"lenet\"}");
            assertTrue(samples > batches, "some forward passes served several requests: " + samples + " samples in "
                    + batches + " batches");
        } finally {
            pool.shutdownNow();
        }
    }

    static double metricValue(String exposition, String series) {
        for (String line : exposition.split("\n")) {
            if (line.startsWith(series + " ")) {
                return Double.parseDouble(line.substring(series.length() + 1));
            }
        }
        throw new AssertionError("no series " + series + " in\n" + exposition);
    }

    static double metricOrZero(String exposition, String series) {
        return exposition.contains("\n" + series + " ") ? metricValue(exposition, series) : 0;
    }

    static byte[] png(BufferedImage img) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        ImageIO.write(img, "png", b);
        return b.toByteArray();
    }

    static BufferedImage testPicture(int w, int h) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.setRGB(x, y, ((x * 7) & 0xff) << 16 | ((y * 5) & 0xff) << 8 | ((x + y) & 0xff));
            }
        }
        return img;
    }

    @Test
    void picturesGetThePredictTopK(@TempDir Path dir) throws Exception {
        byte[] bytes = png(testPicture(40, 30));
        Path file = dir.resolve("p.png");
        Files.write(file, bytes);
        List<Prediction> expected = new ImageClassifier(saved.model(), saved.preprocessing()).predict(file, 5);
        HttpResponse<String> r = post(server, "/predictions/lenet", bytes);
        assertEquals(200, r.statusCode(), r.body());
        JsonObject o = JsonParser.parseString(r.body()).getAsJsonObject();
        assertEquals(5, o.size());
        int i = 0;
        for (String cls : o.keySet()) {
            assertEquals(expected.get(i).className(), cls);
            assertEquals(expected.get(i).probability(), o.get(cls).getAsDouble(), 1e-6);
            i++;
        }
        assertEquals(2, JsonParser.parseString(post(server, "/predictions/lenet?topk=2", bytes).body())
                .getAsJsonObject().size());
        HttpResponse<String> input = post(server, "/api/models/lenet/input", bytes);
        assertEquals(200, input.statusCode());
        assertTrue(input.body().startsWith("\u0089PNG") || input.body().contains("PNG"));
    }

    @Test
    void badRequestsAreRefusedWithJsonErrors() throws Exception {
        assertError(get(server, "/v2/models/nope"), 404, "unknown model 'nope'");
        assertError(post(server, "/v2/models/nope/infer", "{}".getBytes()), 404, "unknown model");
        assertError(get(server, "/no/such/path"), 404, "no such endpoint");
        // an empty picture body names every format the endpoint reads, as a broken one does
        assertError(post(server, "/predictions/lenet", new byte[0]), 400, "(PNG, JPEG, BMP, GIF, WebP or TIFF)");
        assertError(post(server, "/v2/models/lenet/infer", "{not json".getBytes()), 400, "not valid JSON");
        assertError(post(server, "/v2/models/lenet/infer", inferBody(Tensor.zeros(1, 1, 32, 32)).getBytes()), 400,
                "does not match the model's input [N, 1, 28, 28]");
        assertError(post(server, "/v2/models/lenet/infer", inferBody(Tensor.zeros(1, 1, 28, 28)).replace("FP32", "INT8")
                .getBytes()), 400, "datatype must be FP32");
        assertError(post(server, "/v2/models/lenet/infer", inferBody(Tensor.zeros(1, 1, 28, 28))
                .replace("[1,1,28,28]", "[2,1,28,28]").getBytes()), 400, "\"data\" has 784 numbers");
        assertError(post(server, "/v2/models/lenet/infer", new byte[2 << 20]), 413, "limit");
        assertError(post(server, "/v2/models/lenet/infer", "{\"inputs\": []} []".getBytes()), 400, "not valid JSON");
        assertError(post(server, "/v2/models/lenet/infer", "{\"inputs\": []}".getBytes()), 400, "got 0");
        assertError(post(server, "/v2/models/lenet/infer", "{\"inputs\": [{\"datatype\": \"FP32\", \"shape\": [1,1,28,28], \"data\": [[[[[[1]]]]]]}]}"
                .getBytes()), 400, "nested more deeply");
        // ragged data whose count fits: refused as a JSON tensor file is (one rule, io.TensorNesting), naming the input
        assertError(post(server, "/v2/models/lenet/infer", ("{\"inputs\": [{\"datatype\": \"FP32\", \"shape\": [1,1,28,28],"
                + " \"data\": [[" + "0,".repeat(782) + "0],[0]]}]}").getBytes()), 400, "input \"input\": data's nested arrays are uneven");
        // more numbers than 64 samples could hold are refused while reading, before the shape is even known
        assertError(post(server, "/v2/models/lenet/infer", ("{\"inputs\": [{\"data\": [" + "0,".repeat(64 * 784)
                + "0]}]}").getBytes()), 400, "more numbers than 50176");
        assertError(post(server, "/predictions/lenet", "not a picture".getBytes()), 400, "picture");
        assertError(post(server, "/predictions/lenet", new byte[0]), 400, "empty");
        assertError(post(server, "/predictions/lenet", png(testPicture(400, 300))), 400, "exceeds the limit");
        assertError(post(server, "/predictions/lenet?topk=x", png(testPicture(8, 8))), 400, "topk");
        byte[] truncated = png(testPicture(40, 30));
        assertError(post(server, "/predictions/lenet", java.util.Arrays.copyOf(truncated, truncated.length / 2)), 400,
                "picture");
        String metrics = get(server, "/metrics").body();
        assertTrue(metrics.contains("convnet4j_http_errors_total{endpoint=\"/v2/models/{name}/infer\",status=\"400\"}"));
    }

    @Test
    void unmatchedPathsAreCountedUnderOneLabel() throws Exception {
        int before = (int) metricOrZero(get(server, "/metrics").body(),
                "convnet4j_http_requests_total{endpoint=\"unmatched\",status=\"404\"}");
        for (int i = 0; i < 25; i++) {
            assertError(get(server, "/scan/" + i + "/x" + i), 404, "no such endpoint");
        }
        assertError(post(server, "/v2/models/lenet/nonsense", "{}".getBytes()), 404, "no such endpoint");
        // the count is recorded when Javalin finishes the request, which may be just after the client has its answer
        String metrics = "";
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (System.nanoTime() < deadline) {
            metrics = get(server, "/metrics").body();
            if (metricValue(metrics, "convnet4j_http_requests_total{endpoint=\"unmatched\",status=\"404\"}") >= before + 26) {
                break;
            }
            Thread.sleep(20);
        }
        assertTrue(metricValue(metrics, "convnet4j_http_requests_total{endpoint=\"unmatched\",status=\"404\"}") >= before + 26,
                metrics);
        assertTrue(metricValue(metrics, "convnet4j_http_request_duration_seconds_count{endpoint=\"unmatched\"}") >= before + 26);
        assertTrue(metrics.contains("convnet4j_http_errors_total{endpoint=\"unmatched\",status=\"404\"}"));
        // no raw path became a label
        assertTrue(!metrics.contains("/scan/") && !metrics.contains("nonsense"), metrics);
    }

    @Test
    void aMethodJavalinDoesNotKnowIsRefused400AsJson() throws Exception {
        // Javalin 7.2 answered these with an empty 500 (it takes only A-Z in a method); methods are case-sensitive
        double before = metricOrZero(get(server, "/metrics").body(),
                "convnet4j_http_requests_total{endpoint=\"unmatched\",status=\"400\"}");
        byte[] body = inferBody(TestModels.randomInput(new java.util.Random(7), 1)).getBytes(StandardCharsets.UTF_8);
        for (String method : List.of("post", "get", "Post", "M-SEARCH")) {
            String path = method.equalsIgnoreCase("get") ? "/v2/health/live" : "/v2/models/lenet/infer";
            try (java.net.Socket s = new java.net.Socket("127.0.0.1", server.port())) {
                s.setSoTimeout(20_000);
                s.getOutputStream().write((method + " " + path + " HTTP/1.1\r\nHost: test\r\nContent-Type: "
                        + "application/json\r\nContent-Length: " + body.length + "\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                s.getOutputStream().write(body);
                s.getOutputStream().flush();
                String answer = SelectorPathTest.readResponse(s.getInputStream());
                assertTrue(answer.startsWith("HTTP/1.1 400 ") && answer.contains("Content-Type: application/json")
                        && answer.contains("{\"error\":\"unknown method '" + method + "' (methods are case-sensitive"),
                        method + ": " + answer);
            }
        }
        assertEquals(before + 4, metricValue(get(server, "/metrics").body(),
                "convnet4j_http_requests_total{endpoint=\"unmatched\",status=\"400\"}"), 0.0);
    }

    private static void assertError(HttpResponse<String> r, int status, String fragment) {
        assertEquals(status, r.statusCode(), r.body());
        assertTrue(r.headers().firstValue("content-type").orElse("").startsWith("application/json"), r.headers().toString());
        String error = JsonParser.parseString(r.body()).getAsJsonObject().get("error").getAsString();
        assertTrue(error.contains(fragment), error);
    }

    @Test
    void aFullQueueAnswers429AndASlowAnswer504() throws Exception {
        ModelServer.Options o = new ModelServer.Options();
        o.port = 0;
        o.maxBatch = 1;
        o.queueCapacity = 1;
        o.timeoutMillis = 30_000; // long enough that an accepted request answers 200 on a loaded CI machine; 504 is checked below
        try (ModelServer small = ModelServer.start(Map.of("lenet", saved), o)) {
            String body = inferBody(TestModels.randomInput(new Random(3), 64));
            ExecutorService pool = Executors.newFixedThreadPool(24);
            try {
                List<Future<HttpResponse<String>>> answers = new ArrayList<>();
                for (int i = 0; i < 48; i++) {
                    answers.add(pool.submit(() -> post(small, "/v2/models/lenet/infer", body.getBytes())));
                }
                int ok = 0;
                int full = 0;
                for (Future<HttpResponse<String>> a : answers) {
                    int s = a.get().statusCode();
                    assertTrue(s == 200 || s == 429 || s == 504, "status " + s + ": " + a.get().body());
                    ok += s == 200 ? 1 : 0;
                    full += s == 429 ? 1 : 0;
                }
                assertTrue(ok > 0 && full > 0, ok + " answered, " + full + " refused with 429");
            } finally {
                pool.shutdownNow();
            }
        }
        o.timeoutMillis = 0;
        o.queueCapacity = 8;
        try (ModelServer hasty = ModelServer.start(Map.of("lenet", saved), o)) {
            assertError(post(hasty, "/v2/models/lenet/infer", inferBody(TestModels.randomInput(new Random(4), 64))
                    .getBytes()), 504, "did not answer within 0 ms");
        }
    }

    @Test
    void shutdownFinishesRequestsInFlightAndRefusesNewOnes() throws Exception {
        ModelServer.Options o = new ModelServer.Options();
        o.port = 0;
        o.maxBatch = 4;
        ModelServer s = ModelServer.start(Map.of("lenet", saved), o);
        String body = inferBody(TestModels.randomInput(new Random(5), 64));
        List<java.util.concurrent.CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            answers.add(HTTP.sendAsync(HttpRequest.newBuilder(URI.create(s.url() + "/v2/models/lenet/infer"))
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString()));
        }
        // wait until the first forward passes have happened, so that requests are in flight when we stop
        long deadline = System.currentTimeMillis() + 10_000;
        while (s.metrics().requests("/v2/models/{name}/infer", 200) == 0 && System.currentTimeMillis() < deadline) {
            Thread.sleep(5);
        }
        s.close();
        int ok = 0;
        for (var a : answers) {
            try {
                HttpResponse<String> r = a.get();
                assertTrue(r.statusCode() == 200 || r.statusCode() == 503, r.statusCode() + ": " + r.body());
                ok += r.statusCode() == 200 ? 1 : 0;
            } catch (java.util.concurrent.ExecutionException e) {
                // a request that had not connected before the listener closed: refused, not half-answered
                assertTrue(e.getCause() instanceof IOException, e.toString());
            }
        }
        assertTrue(ok >= 1, "requests in flight were answered");
        try {
            HttpResponse<String> after = get(s, "/v2/health/live");
            throw new AssertionError("still answering after close: " + after.statusCode());
        } catch (IOException expected) {
            // connection refused
        }
    }
}

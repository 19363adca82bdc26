package org.convnet4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.convnet4j.image.Images;
import org.convnet4j.model.ModelFiles;
import org.convnet4j.model.Preprocessing;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.zoo.LeNet5;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** serve, ui and --logdir/--ui from the command line. */
class ServeCommandTest {

    @Test
    void badOptionsAreOneLineAndExit2(@TempDir Path dir) {
        CliRun noName = CliRun.of("serve", "--model", "=lenet.c4j");
        assertEquals(2, noName.exitCode());
        assertTrue(noName.err().contains("expected NAME=FILE or FILE"), noName.err());
        CliRun missing = CliRun.of("serve", "--model", "m=" + dir.resolve("none.c4j"));
        assertEquals(2, missing.exitCode());
        assertEquals(1, missing.err().strip().lines().count(), missing.err());
        CliRun negativeSpin = CliRun.of("serve", "--model", "m=lenet.c4j", "--lone-spin-us", "-1");
        assertEquals(2, negativeSpin.exitCode());
        assertEquals(1, negativeSpin.err().strip().lines().count(), negativeSpin.err());
        assertTrue(negativeSpin.err().contains("--lone-spin-us: must be at least 0, got -1"), negativeSpin.err());
        CliRun wordSpin = CliRun.of("serve", "--model", "m=lenet.c4j", "--lone-spin-us", "soon");
        assertEquals(2, wordSpin.exitCode());
        assertEquals(1, wordSpin.err().strip().lines().count(), wordSpin.err());
        assertTrue(wordSpin.err().contains("--lone-spin-us: expected microseconds or auto, got 'soon'"), wordSpin.err());
        CliRun negativeWarmup = CliRun.of("serve", "--model", "m=lenet.c4j", "--warmup", "-1");
        assertEquals(2, negativeWarmup.exitCode());
        assertEquals(1, negativeWarmup.err().strip().lines().count(), negativeWarmup.err());
        assertTrue(negativeWarmup.err().contains("--warmup: must be at least 0, got -1"), negativeWarmup.err());
        for (String[] bad : new String[][] {{"--keep-alive", "0"}, {"--idle-timeout", "2147484"}}) {
            CliRun r = CliRun.of("serve", "--model", "m=lenet.c4j", bad[0], bad[1]);
            assertEquals(2, r.exitCode(), r.err());
            assertEquals(1, r.err().strip().lines().count(), r.err());
            assertTrue(r.err().contains(bad[0] + ": must be 1..2147483, got " + bad[1]), r.err());
        }
        CliRun noDir = CliRun.of("ui", "--logdir", dir.resolve("none").toString());
        assertEquals(2, noDir.exitCode());
        assertTrue(noDir.err().contains("no such directory"), noDir.err());
    }

    /**
     * --preprocessing NAME=SPEC replaces one served model's preprocessing (as predict's --preprocessing does for its
     * model): the same file served as m (spec "none") and as n (what the file says) lists two preprocessings; a NAME no
     * --model gives, a repeated NAME or a bad SPEC is one line, exit 2. The same server (one child JVM for both) is
     * started with --keep-alive 77 and --idle-timeout 1: its answers say Keep-Alive: timeout=77, and a request whose
     * body stalls is cut after 1 s with a 400 (the default would hold it 30 s, past the socket's 20-s read timeout).
     */
    @Test
    void preprocessingIsGivenPerServedModelAndConnectionTimesReachTheServer(@TempDir Path dir) throws Exception {
        Path model = dir.resolve("lenet.c4j");
        ModelFiles.save(LeNet5.build().initialize(1), model, Preprocessing.forInput(Shape.of(1, 28, 28)));
        for (String[] bad : new String[][] {{"x=none", "expected NAME=SPEC, NAME one of the served models (m)"},
                {"none", "expected NAME=SPEC"}, {"m=bogus", "bogus"}}) {
            CliRun r = CliRun.of("serve", "--model", "m=" + model, "--port", "0", "--preprocessing", bad[0]);
            assertEquals(2, r.exitCode(), r.err());
            assertEquals(1, r.err().strip().lines().count(), r.err());
            assertTrue(r.err().contains(bad[1]), r.err());
        }
        CliRun twice = CliRun.of("serve", "--model", "m=" + model, "--preprocessing", "m=none", "--preprocessing", "m=unit");
        assertEquals(2, twice.exitCode());
        assertTrue(twice.err().contains("model m is given twice"), twice.err());
        // a light child (no warm-up, one listing): ChildJvm.light
        List<String> cmd = ChildJvm.light("--add-modules", "jdk.incubator.vector");
        // n: served under the file's default name, lenet (no NAME=)
        cmd.addAll(List.of(Main.class.getName(), "serve", "--model", "m=" + model, "--model", model.toString(),
                "--preprocessing", "m=none", "--port", "0", "--warmup", "0", "--keep-alive", "77",
                "--idle-timeout", "1"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            StringBuilder seen = new StringBuilder();
            String url = null;
            for (String line; url == null && (line = out.readLine()) != null; ) {
                seen.append(line).append('\n');
                Matcher m = Pattern.compile("at (http://127\\.0\\.0\\.1:\\d+)/").matcher(line);
                url = m.find() ? m.group(1) : null;
            }
            assertTrue(url != null, seen.toString());
            String listed = get(HttpClient.newHttpClient(), url + "/api/models").body();
            int second = listed.indexOf("\"name\":\"lenet\"");
            assertTrue(second > 0, listed);
            Preprocessing m = Preprocessing.fromJson(objectAfter(listed, "\"preprocessing\":", 0), "m");
            Preprocessing n = Preprocessing.fromJson(objectAfter(listed, "\"preprocessing\":", second), "lenet");
            assertEquals(Preprocessing.forInput(Shape.of(1, 28, 28)).toJson(), n.toJson());
            assertTrue(!m.toJson().equals(n.toJson()), m.toJson());
            HttpResponse<String> live = get(HttpClient.newHttpClient(), url + "/v2/health/live");
            assertEquals("timeout=77", live.headers().firstValue("Keep-Alive").orElse(null), live.headers().toString());
            assertTrue(stalledBodyIsCut(url), "a stalled body was not answered with a 400 within 20 s");
        } finally {
            p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
    }

    /**
     * SIGTERM with requests in flight: a batch of 4 is waiting (up to 5 s) for more samples when the signal comes;
     * readiness turns 503, a new request is refused, the 4 are answered with 200, and the process exits 143.
     */
    @Test
    void sigtermFinishesRequestsInFlightAndRefusesNewOnes(@TempDir Path dir) throws Exception {
        Path model = dir.resolve("lenet.c4j");
        ModelFiles.save(LeNet5.build().initialize(1), model, Preprocessing.forInput(Shape.of(1, 28, 28)));
        // the plain JVM: the warm-up's 320 passes (batches up to 64) cost more under ChildJvm.smallWork (15.2 s of
        // CPU for the class's children against 12.3)
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "--add-modules", "jdk.incubator.vector", "-cp",
                System.getProperty("java.class.path"), Main.class.getName(), "serve", "--model", "m=" + model,
                "--port", "0", "--max-batch", "64", "--max-wait-us", "5000000").redirectErrorStream(true).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            String line;
            String url = null;
            String warming = null;
            String serving = null;
            while ((line = out.readLine()) != null) {
                if (line.startsWith("Serving ")) {
                    serving = line;
                }
                Matcher m = Pattern.compile("at (http://127\\.0\\.0\\.1:\\d+)/").matcher(line);
                if (m.find()) {
                    url = m.group(1);
                }
                if (line.startsWith("Warming up")) {
                    warming = line;
                }
                if (line.startsWith("Warm-up done")) {
                    break;
                }
            }
            assertTrue(url != null, "the server printed its address");
            // where and how it serves (ServerStartup.serving), then the command's own end
            assertTrue(serving != null && serving.matches("Serving m at http://127\\.0\\.0\\.1:\\d+/ \\(batch up to 64,"
                    + " wait 5000000 us; \\d+ workers? (x|following) .*\\); Ctrl-C stops"), String.valueOf(serving));
            // the default warm-up: 5 forward passes at each batch size 1..64, announced, then done
            assertTrue(warming != null && warming.contains("1..64 (320 in all)"), String.valueOf(warming));
            assertTrue(line != null && line.matches("Warm-up done in \\d+\\.\\d s: ready"), String.valueOf(line));
            HttpClient http = HttpClient.newHttpClient();
            assertEquals(200, get(http, url + "/v2/health/ready").statusCode());
            String body = org.convnet4j.serve.InferenceProtocol.request(Tensor.zeros(1, 1, 28, 28), null).toString();
            List<java.util.concurrent.CompletableFuture<HttpResponse<String>>> inFlight = new java.util.ArrayList<>();
            for (int i = 0; i < 4; i++) {
                inFlight.add(http.sendAsync(HttpRequest.newBuilder(URI.create(url + "/v2/models/m/infer"))
                        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString()));
            }
            // the four reach the model: the ones still waiting in one batch for more samples are in flight (the
            // scrape is one more); after the warm-up the model's speed is known, so the first may have been answered
            // at once on its own thread, if it came alone (the small-model shortcut)
            long deadline = System.currentTimeMillis() + 30_000;
            int waiting = 0;
            while (true) {
                String metrics = get(http, url + "/metrics").body();
                waiting = (int) value(metrics, "convnet4j_http_requests_in_flight") - 1;
                long answered = value(metrics,
                        "convnet4j_http_requests_total{endpoint=\"/v2/models/{name}/infer\",status=\"200\"}");
                if (waiting + answered == 4 && waiting >= 3) {
                    break;
                }
                assertTrue(System.currentTimeMillis() < deadline, "the 4 requests did not reach the model: " + waiting
                        + " waiting, " + answered + " answered");
                Thread.sleep(20);
            }
            p.destroy(); // SIGTERM: the shutdown hook drains and stops the server
            int ready = 200;
            while (ready == 200 && System.currentTimeMillis() < deadline) {
                try {
                    ready = get(http, url + "/v2/health/ready").statusCode();
                } catch (java.io.IOException closed) {
                    ready = -1;
                }
            }
            assertTrue(ready == 503 || ready == -1, "readiness after SIGTERM: " + ready);
            try {
                HttpResponse<String> late = http.send(HttpRequest.newBuilder(URI.create(url + "/v2/models/m/infer"))
                        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(503, late.statusCode(), late.body());
            } catch (java.io.IOException refused) {
                // the listener had already closed: refused as well
            }
            for (var answer : inFlight) {
                HttpResponse<String> r = answer.get(60, TimeUnit.SECONDS);
                assertEquals(200, r.statusCode(), r.body());
            }
            assertTrue(p.waitFor(30, TimeUnit.SECONDS), "stopped after SIGTERM");
            assertEquals(143, p.exitValue(), "128 + SIGTERM, after the shutdown hooks ran");
        } finally {
            p.destroyForcibly();
        }
    }

    /** Sends 2 of a body's 10 bytes and waits: true when the server answers 400 before the 20-s read timeout. */
    private static boolean stalledBodyIsCut(String url) throws Exception {
        URI u = URI.create(url);
        try (java.net.Socket s = new java.net.Socket(u.getHost(), u.getPort())) {
            s.setSoTimeout(20_000);
            s.getOutputStream().write(("POST /v2/models/m/infer HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n{\"")
                    .getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            String status = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII))
                    .readLine();
            return status != null && status.startsWith("HTTP/1.1 400");
        } catch (java.net.SocketTimeoutException stillWaiting) {
            return false;
        }
    }

    /** A series' value in a Prometheus exposition, 0 when absent. */
    private static long value(String exposition, String series) {
        for (String line : exposition.split("\n")) {
            if (line.startsWith(series + " ")) {
                return (long) Double.parseDouble(line.substring(series.length() + 1).trim());
            }
        }
        return 0;
    }

    /** The JSON object that follows the first {@code key} at or after {@code from} in {@code json}. */
    private static String objectAfter(String json, String key, int from) {
        int start = json.indexOf('{', json.indexOf(key, from));
        int depth = 0;
        for (int i = start; i < json.length(); i++) {
            depth += json.charAt(i) == '{' ? 1 : json.charAt(i) == '}' ? -1 : 0;
            if (depth == 0) {
                return json.substring(start, i + 1);
            }
        }
        throw new AssertionError("no object after " + key + " in " + json);
    }

    private static HttpResponse<String> get(HttpClient http, String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void trainWritesItsRunToTheLogdirAndServesTheDashboard(@TempDir Path dir) throws Exception {
        // a picture folder of two classes keeps this fast and independent of the Fashion-MNIST package
        Path data = dir.resolve("data");
        for (String cls : List.of("dark", "light")) {
            Files.createDirectories(data.resolve(cls));
            for (int i = 0; i < 8; i++) {
                Tensor t = Tensor.full(Shape.of(1, 28, 28), cls.equals("dark") ? 20 + i : 230 - i);
                Images.write(t, data.resolve(cls).resolve(i + ".png"));
            }
        }
        Path logdir = dir.resolve("runs");
        CliRun wrong = CliRun.of("train", "--data", data.toString(), "--epochs", "1", "--batch", "4", "--val-split",
                "0.25", "--no-progress", "--ui-maps", "conv9", "--logdir", dir.resolve("runs0").toString(), "--out",
                dir.resolve("m0.c4j").toString());
        assertEquals(2, wrong.exitCode(), wrong.err());
        assertTrue(wrong.err().contains("feature maps of layer 'conv9'") && wrong.err().contains("conv1, act1, pool1"),
                wrong.err());
        assertEquals(1, wrong.err().strip().lines().count(), wrong.err());
        try (Stream<Path> s = Files.list(dir.resolve("runs0"))) {
            assertEquals(0, s.count(), "a refused run leaves no run directory");
        }
        assertTrue(!Files.exists(dir.resolve("m0.c4j")));
        // a --logdir that is a file: the cause in words (it said "--logdir F: F", the JDK's bare path)
        Path file = data.resolve("dark").resolve("0.png");
        CliRun onFile = CliRun.of("train", "--data", data.toString(), "--epochs", "1", "--batch", "4", "--val-split",
                "0.25", "--no-progress", "--logdir", file.toString(), "--out", dir.resolve("m1.c4j").toString());
        assertEquals(2, onFile.exitCode(), onFile.err());
        assertEquals(1, onFile.err().strip().lines().count(), onFile.err());
        assertTrue(onFile.err().contains("--logdir " + file + ": exists and is not a directory"), onFile.err());
        assertTrue(!Files.exists(dir.resolve("m1.c4j")));
        CliRun r = CliRun.of("train", "--data", data.toString(), "--epochs", "1", "--batch", "4", "--val-split", "0.25",
                "--no-progress", "--ui", "0", "--logdir", logdir.toString(), "--out", dir.resolve("m.c4j").toString(),
                "--ui-maps", "pool2");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("Dashboard: http://127.0.0.1:"), r.out());
        List<Path> runs;
        try (Stream<Path> s = Files.list(logdir)) {
            runs = s.toList();
        }
        assertEquals(1, runs.size());
        List<String> events = Files.readAllLines(runs.get(0).resolve("events.jsonl"));
        assertTrue(events.get(0).contains("\"type\":\"start\""), events.get(0));
        assertTrue(events.stream().anyMatch(e -> e.contains("\"type\":\"epoch\"") && e.contains("\"kernels\"")));
        assertTrue(events.stream().anyMatch(e -> e.contains("\"type\":\"epoch\"") && e.contains("\"maps_layer\":\"pool2\"")
                && e.contains("\"maps_shape\":\"[16, 1, 5, 5]\"")), String.join("\n", events));
        assertTrue(events.get(events.size() - 1).contains("\"confusion\""), events.get(events.size() - 1));
    }
}

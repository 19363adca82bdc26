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
        CliRun noName = CliRun.of("serve", "--model", "lenet.c4j");
        assertEquals(2, noName.exitCode());
        assertTrue(noName.err().contains("expected NAME=FILE"), noName.err());
        CliRun missing = CliRun.of("serve", "--model", "m=" + dir.resolve("none.c4j"));
        assertEquals(2, missing.exitCode());
        assertEquals(1, missing.err().strip().lines().count(), missing.err());
        CliRun noDir = CliRun.of("ui", "--logdir", dir.resolve("none").toString());
        assertEquals(2, noDir.exitCode());
        assertTrue(noDir.err().contains("no such directory"), noDir.err());
    }

    @Test
    void sigtermStopsTheServerCleanly(@TempDir Path dir) throws Exception {
        Path model = dir.resolve("lenet.c4j");
        ModelFiles.save(LeNet5.build().initialize(1), model, Preprocessing.forInput(Shape.of(1, 28, 28)));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "--add-modules", "jdk.incubator.vector", "-cp",
                System.getProperty("java.class.path"), Main.class.getName(), "serve", "--model", "m=" + model,
                "--port", "0").redirectErrorStream(true).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            String line;
            Matcher url = null;
            while ((line = out.readLine()) != null) {
                Matcher m = Pattern.compile("at (http://127\\.0\\.0\\.1:\\d+)/").matcher(line);
                if (m.find()) {
                    url = m;
                    break;
                }
            }
            assertTrue(url != null, "the server printed its address");
            HttpClient http = HttpClient.newHttpClient();
            HttpResponse<String> ready = http.send(HttpRequest.newBuilder(URI.create(url.group(1) + "/v2/health/ready"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, ready.statusCode());
            p.destroy(); // SIGTERM: the shutdown hook drains and stops the server
            assertTrue(p.waitFor(20, TimeUnit.SECONDS), "stopped after SIGTERM");
            assertEquals(143, p.exitValue(), "128 + SIGTERM, after the shutdown hooks ran");
        } finally {
            p.destroyForcibly();
        }
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

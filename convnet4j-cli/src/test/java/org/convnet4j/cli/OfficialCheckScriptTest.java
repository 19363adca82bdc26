package org.convnet4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.convnet4j.internal.json.Json;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tools/weights/check_official.py}, the command a maintainer with network runs to check the catalogue against
 * the official files, run here against a mirror on 127.0.0.1 with a catalogue override naming files made by
 * {@code tools/fixtures/official_check_fixture.py}: a passing entry (bytes, full SHA-256, published size, loads, the
 * cat picture's top class a cat), and one failure of each kind it must catch: class rows that do not put a cat
 * first, a size other than the published one, a tampered download.
 */
class OfficialCheckScriptTest {
    private static final Path FIXTURES = Path.of("src/test/resources/fixtures/official");

    @TempDir
    Path dir;

    private HttpServer server;
    private Path mirror;

    @BeforeEach
    void start() throws Exception {
        mirror = dir.resolve("mirror");
        Files.createDirectories(mirror);
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 8);
        server.createContext("/", ex -> {
            Path f = mirror.resolve(ex.getRequestURI().getPath().substring(1));
            if (!Files.isRegularFile(f)) {
                ex.sendResponseHeaders(404, -1);
                ex.close();
                return;
            }
            byte[] b = Files.readAllBytes(f);
            ex.sendResponseHeaders(200, b.length);
            try (OutputStream o = ex.getResponseBody()) {
                o.write(b);
            }
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private static Path fixture(String stem) throws Exception {
        try (Stream<Path> s = Files.list(FIXTURES)) {
            return s.filter(p -> p.getFileName().toString().startsWith(stem + "-")).findFirst().orElseThrow();
        }
    }

    private static String quote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }

    @Test
    void theMaintainersCheckRunsAgainstAMirrorAndCatchesWhatItMust() throws Exception {
        Path cat = fixture("cat");
        Path random = fixture("random");
        byte[] catBytes = Files.readAllBytes(cat);
        String catSha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(catBytes));
        Files.copy(cat, mirror.resolve(cat.getFileName()));
        Files.copy(random, mirror.resolve(random.getFileName()));
        byte[] tampered = catBytes.clone();
        tampered[tampered.length / 2] ^= 1;
        String tamperedName = "tampered-" + catSha.substring(0, 8) + ".pth";
        Files.write(mirror.resolve(tamperedName), tampered);
        double mib = Math.round(catBytes.length / 1048576.0 * 1000) / 1000.0;
        String entry = """
                {"name": "%s", "architecture": "resnet18", "source": "test", "file": "%s",
                 "url": "https://download.invalid/models/%s", "size_mib": %s, "size_source": "%s"}""";
        Path catalogue = dir.resolve("catalogue.json");
        Files.writeString(catalogue, "{\"entries\": [" + String.join(",",
                entry.formatted("cat:imagenet", cat.getFileName(), cat.getFileName(), mib, "torchvision (test)"),
                entry.formatted("random:imagenet", random.getFileName(), random.getFileName(), 0.33, "not published"),
                entry.formatted("sized:imagenet", cat.getFileName(), cat.getFileName(), mib,
                        "Keras-style (" + (catBytes.length + 1) + " bytes in a download log)"),
                entry.formatted("bad:imagenet", tamperedName, tamperedName, mib, "torchvision (test)")) + "]}");

        // the script starts about a dozen JVMs (list, then fetch, summary, predict per entry): light ones
        List<String> command = ChildJvm.light();
        command.add(Main.class.getName());
        String convnet4j = command.stream().map(OfficialCheckScriptTest::quote).collect(Collectors.joining(" "));
        Path out = dir.resolve("report");
        ProcessBuilder pb = new ProcessBuilder("/usr/bin/python3", "../tools/weights/check_official.py",
                "--convnet4j", convnet4j, "--picture", "../demo/images/chelsea.png", "--out", out.toString(),
                "cat:imagenet", "random:imagenet", "sized:imagenet", "bad:imagenet").redirectErrorStream(true);
        pb.environment().keySet().removeIf(k -> k.toLowerCase(Locale.ROOT).endsWith("_proxy")
                || k.startsWith("CONVNET4J_"));
        pb.environment().put("CONVNET4J_CACHE", dir.resolve("cache").toString());
        pb.environment().put("CONVNET4J_WEIGHTS_MIRROR", "http://127.0.0.1:" + server.getAddress().getPort() + "/");
        pb.environment().put("CONVNET4J_WEIGHTS_CATALOGUE", catalogue.toString());
        pb.environment().put("CONVNET4J_PROGRESS", "none");
        Process p = pb.start();
        String printed = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), printed);
        assertEquals(1, p.exitValue(), "failures found: " + printed);
        assertTrue(printed.contains("1 of 4 entries passed every check; failed: random:imagenet, sized:imagenet,"
                + " bad:imagenet"), printed);

        JsonArray rows = Json.parseObject(Files.readString(out.resolve("report.json")), "report").getAsJsonArray(
                "entries");
        JsonObject ok = rows.get(0).getAsJsonObject();
        assertEquals("cat:imagenet", ok.get("name").getAsString());
        assertEquals(catBytes.length, ok.get("bytes").getAsLong());
        assertEquals(catSha, ok.get("sha256").getAsString());
        assertEquals(0, ok.getAsJsonArray("problems").size(), ok.toString());
        JsonObject checks = ok.getAsJsonObject("checks");
        for (String c : List.of("checksum", "size", "loads", "class_rows")) {
            assertTrue(checks.get(c).getAsBoolean(), c + ": " + ok);
        }
        assertEquals(281, ok.getAsJsonArray("top5").get(0).getAsJsonObject().get("index").getAsInt());
        assertEquals("tabby", ok.getAsJsonArray("top5").get(0).getAsJsonObject().get("name").getAsString());

        JsonObject notCat = rows.get(1).getAsJsonObject();
        int top = notCat.getAsJsonArray("top5").get(0).getAsJsonObject().get("index").getAsInt();
        assertTrue(top < 281 || top > 285, "the random weights' top class " + top);
        assertFalse(notCat.getAsJsonObject("checks").get("class_rows").getAsBoolean());
        assertTrue(notCat.getAsJsonObject("checks").get("loads").getAsBoolean());
        assertFalse(notCat.getAsJsonObject("checks").has("size"), "no published size: nothing to check");
        assertEquals(1, notCat.getAsJsonArray("problems").size(), notCat.toString());

        JsonObject sized = rows.get(2).getAsJsonObject();
        assertFalse(sized.getAsJsonObject("checks").get("size").getAsBoolean());
        assertEquals(List.of("size: " + catBytes.length + " bytes, published " + (catBytes.length + 1)),
                sized.getAsJsonArray("problems").asList().stream().map(e -> e.getAsString()).toList());

        JsonObject bad = rows.get(3).getAsJsonObject();
        String problem = bad.getAsJsonArray("problems").get(0).getAsString();
        assertTrue(problem.startsWith("fetch: ") && problem.contains("expected SHA-256 starting " + catSha.substring(0, 8)),
                problem);
        assertFalse(bad.has("bytes"));
        assertFalse(Files.exists(dir.resolve("cache/weights/" + tamperedName)));

        List<String> md = Files.readAllLines(out.resolve("report.md"));
        assertEquals(6, md.size(), String.join("\n", md));
        assertTrue(md.get(2).startsWith("| cat:imagenet | " + cat.getFileName() + " | " + catBytes.length + " | "
                + catSha + " |") && md.get(2).endsWith("| 281 tabby " + md.get(2).replaceAll(".*281 tabby ", "")),
                md.get(2));
        assertTrue(md.get(2).endsWith(" | ok |"), md.get(2));
    }
}

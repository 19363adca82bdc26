package org.convnet4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.convnet4j.internal.json.Json;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code weights list} shows files fetched from URLs outside the catalogue (URL, size, SHA-256, format, how to use
 * them) next to the catalogue, and {@code weights remove} deletes cached files by catalogued name, by URL or all URL
 * downloads at once; everything against a server on 127.0.0.1 started here.
 */
class WeightsCacheCommandTest {
    @TempDir
    Path dir;

    private HttpServer server;
    private String base;
    private final byte[] one = bytes(1, 250_000);
    private final byte[] two = bytes(2, 120_000);
    private final java.util.concurrent.atomic.AtomicInteger requests = new java.util.concurrent.atomic.AtomicInteger();

    private static byte[] bytes(int seed, int n) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    @BeforeEach
    void setUp() throws Exception {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 8);
        server.createContext("/slow/", ex -> {
            try {
                Thread.sleep(3000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            ex.sendResponseHeaders(200, one.length);
            try (OutputStream o = ex.getResponseBody()) {
                o.write(one);
            } catch (java.io.IOException gone) {
                // the client gave up first
            }
        });
        server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
        server.createContext("/", ex -> {
            requests.incrementAndGet();
            String p = ex.getRequestURI().getPath();
            byte[] b = p.endsWith(".onnx") ? two : p.contains("/missing/") ? null : one;
            if (b == null) {
                ex.sendResponseHeaders(404, -1);
                ex.close();
                return;
            }
            ex.sendResponseHeaders(200, b.length);
            try (OutputStream o = ex.getResponseBody()) {
                o.write(b);
            }
        });
        server.start();
        base = "http://127.0.0.1:" + server.getAddress().getPort();
        Path catalogue = dir.resolve("catalogue.json");
        String file = "tiny-" + sha256(one).substring(0, 8) + ".pth";
        Files.writeString(catalogue, """
                {"entries": [{"name": "tiny:test", "architecture": "resnet18", "source": "test",
                  "file": "%s", "url": "%s/models/%s"}]}
                """.formatted(file, base, file));
        System.setProperty("convnet4j.cache", dir.resolve("cache").toString());
        System.setProperty("convnet4j.weights.catalogue", catalogue.toString());
    }

    @AfterEach
    void tearDown() {
        server.stop(0);
        System.clearProperty("convnet4j.cache");
        System.clearProperty("convnet4j.weights.catalogue");
    }

    /** CONVNET4J_DOWNLOAD_TIMEOUT (property convnet4j.download.timeout): a server slower than it is one line. */
    @Test
    void theDownloadTimeoutIsASettingAndASlowServerIsOneLine() {
        System.setProperty("convnet4j.download.timeout", "0.4");
        try {
            String url = base + "/slow/model.pth";
            CliRun r = CliRun.of("weights", "fetch", url);
            assertEquals(2, r.exitCode(), r.err());
            assertEquals(1, r.errLines(), r.err());
            assertTrue(r.err().contains(url + ": no answer within the timeout (connect 0.400 s, read 0.400 s)"), r.err());
            // (the server would have answered after 3 s: the default timeouts would have downloaded the file)
            assertFalse(Files.exists(dir.resolve("cache/weights/urls")) && CliRun.of("weights", "list").out()
                    .contains(url), "nothing cached");
            System.setProperty("convnet4j.download.timeout", "soon");
            CliRun bad = CliRun.of("weights", "fetch", url);
            assertEquals(2, bad.exitCode());
            assertEquals(1, bad.errLines(), bad.err());
            assertTrue(bad.err().contains("CONVNET4J_DOWNLOAD_TIMEOUT='soon'"), bad.err());
        } finally {
            System.clearProperty("convnet4j.download.timeout");
        }
    }

    @Test
    void listShowsUrlDownloadsWithTheirUrlSizeSha256AndUseAndRemoveDeletesThem() throws Exception {
        String pth = base + "/a/model.pth";
        String onnx = base + "/b/net.onnx";
        CliRun fetched = CliRun.of("weights", "fetch", pth, onnx, "tiny:test");
        assertEquals(0, fetched.exitCode(), fetched.err());

        CliRun list = CliRun.of("weights", "list");
        assertEquals(0, list.exitCode(), list.err());
        String out = list.out();
        assertTrue(out.contains("fetched from other URLs (" + dir.resolve("cache/weights/urls") + "): 2"), out);
        String pthLine = out.lines().filter(l -> l.endsWith(pth)).findFirst().orElseThrow(() -> new AssertionError(out));
        assertTrue(pthLine.startsWith("model.pth") && pthLine.contains(sha256(one)) && pthLine.contains("0.3 MB")
                && pthLine.contains("PyTorch state dict"), pthLine);
        String onnxLine = out.lines().filter(l -> l.endsWith(onnx)).findFirst().orElseThrow();
        assertTrue(onnxLine.contains(sha256(two)) && onnxLine.contains("0.1 MB") && onnxLine.contains("ONNX"),
                onnxLine);
        assertTrue(out.contains("--model URL") && out.contains("weights remove URL"), out);
        // the catalogued file stays in the catalogue's table, not among the URLs
        assertTrue(out.lines().anyMatch(l -> l.startsWith("tiny:test") && l.endsWith("0.3 MB")), out);

        JsonObject json = Json.parseObject(CliRun.of("weights", "list", "--json").out(), "list --json");
        JsonArray urls = json.getAsJsonArray("url_downloads");
        assertEquals(2, urls.size());
        JsonObject first = urls.get(0).getAsJsonObject();
        assertEquals(pth, first.get("url").getAsString());
        assertEquals(sha256(one), first.get("sha256").getAsString());
        assertEquals(one.length, first.get("size").getAsLong());
        assertTrue(first.get("recorded").getAsBoolean());
        assertTrue(Files.isRegularFile(Path.of(first.get("path").getAsString())));

        // refused before anything is deleted: a local file is not the cache's, an unknown name is named
        Path own = dir.resolve("mine.pth");
        Files.write(own, one);
        CliRun bad = CliRun.of("weights", "remove", pth, own.toString());
        assertEquals(2, bad.exitCode());
        assertEquals(1, bad.errLines(), bad.err());
        assertTrue(bad.err().contains(own.toString()) && bad.err().contains("neither a catalogued name"), bad.err());
        assertTrue(Files.exists(own) && Files.exists(Path.of(first.get("path").getAsString())), "nothing removed");
        CliRun unknown = CliRun.of("weights", "remove", "nosuch:thing");
        assertEquals(2, unknown.exitCode());
        assertTrue(unknown.err().contains("nosuch:thing"), unknown.err());

        // by URL: gone from the list and the disk; a second remove says it is not cached
        CliRun removed = CliRun.of("weights", "remove", pth);
        assertEquals(0, removed.exitCode(), removed.err());
        assertTrue(removed.out().contains("removed " + first.get("path").getAsString()), removed.out());
        assertFalse(Files.exists(Path.of(first.get("path").getAsString())));
        assertFalse(CliRun.of("weights", "list").out().contains(pth));
        CliRun again = CliRun.of("weights", "remove", pth);
        assertEquals(0, again.exitCode());
        assertTrue(again.err().contains("not in the cache"), again.err());

        // by catalogued name, and every URL download at once
        Path tiny = dir.resolve("cache/weights/tiny-" + sha256(one).substring(0, 8) + ".pth");
        assertTrue(Files.exists(tiny));
        CliRun all = CliRun.of("weights", "remove", "--urls", "tiny:test");
        assertEquals(0, all.exitCode(), all.err());
        assertFalse(Files.exists(tiny));
        assertTrue(all.out().contains("net.onnx") && all.out().contains("freed 0.4 MB"), all.out());
        assertTrue(CliRun.of("weights", "list").out().contains("fetched from other URLs ("
                + dir.resolve("cache/weights/urls") + "): none"));
        List<String> left;
        try (var s = Files.walk(dir.resolve("cache"))) {
            left = s.filter(Files::isRegularFile).map(p -> p.getFileName().toString())
                    .filter(n -> !n.endsWith(".lock")).toList();
        }
        assertEquals(List.of(), left, "only empty lock files stay");
    }

    /**
     * {@code weights list} names the three caches consulted for a catalogued file (ours, torchvision's
     * {@code $TORCH_HOME/hub/checkpoints}, Keras' {@code $KERAS_HOME/models}) and marks the entries found in each;
     * {@code --help} says the same; a copy in torchvision's cache is then used without a download.
     */
    @Test
    void listNamesTheCachesConsultedAndMarksEntriesFoundInEach() throws Exception {
        Path torch = dir.resolve("torch-home");
        Path keras = dir.resolve("keras-home");
        String file = "tiny-" + sha256(one).substring(0, 8) + ".pth";
        Files.createDirectories(torch.resolve("hub/checkpoints"));
        Files.write(torch.resolve("hub/checkpoints").resolve(file), one);
        System.setProperty("convnet4j.torch.home", torch.toString());
        System.setProperty("convnet4j.keras.home", keras.toString());
        try {
            CliRun list = CliRun.of("weights", "list");
            assertEquals(0, list.exitCode(), list.err());
            String out = list.out();
            assertTrue(out.startsWith("cache: " + dir.resolve("cache/weights")), out);
            assertTrue(out.contains("  torchvision ($TORCH_HOME/hub/checkpoints): " + torch.resolve("hub/checkpoints")
                    + "\n"), out);
            assertTrue(out.contains("  Keras ($KERAS_HOME/models): " + keras.resolve("models") + " (not there)\n"),
                    out);
            String row = out.lines().filter(l -> l.startsWith("tiny:test")).findFirst().orElseThrow();
            assertTrue(row.endsWith("  -; torchvision's: 0.3 MB"), row);

            // a file of the same name in Keras' cache too (other bytes: listed, not checked when listing)
            Files.createDirectories(keras.resolve("models"));
            Files.write(keras.resolve("models").resolve(file), two);
            JsonObject json = Json.parseObject(CliRun.of("weights", "list", "--json").out(), "list --json");
            JsonArray others = json.getAsJsonArray("other_caches");
            assertEquals(2, others.size());
            assertEquals("torchvision", others.get(0).getAsJsonObject().get("framework").getAsString());
            assertEquals("Keras", others.get(1).getAsJsonObject().get("framework").getAsString());
            assertTrue(others.get(1).getAsJsonObject().get("exists").getAsBoolean());
            JsonObject entry = null;
            for (var e : json.getAsJsonArray("entries")) {
                if (e.getAsJsonObject().get("name").getAsString().equals("tiny:test")) {
                    entry = e.getAsJsonObject();
                }
            }
            assertTrue(entry != null && (!entry.has("cached") || entry.get("cached").isJsonNull()), String.valueOf(entry));
            JsonArray found = entry.getAsJsonArray("in_other_caches");
            assertEquals(2, found.size(), found.toString());
            assertEquals(torch.resolve("hub/checkpoints").resolve(file).toString(),
                    found.get(0).getAsJsonObject().get("path").getAsString());
            assertEquals(two.length, found.get(1).getAsJsonObject().get("size").getAsLong());

            // used: copied in from torchvision's cache (its checksum matches), no request to the server
            int before = requests.get();
            CliRun fetched = CliRun.of("weights", "fetch", "tiny:test");
            assertEquals(0, fetched.exitCode(), fetched.err());
            assertEquals(before, requests.get(), "no download");
            String after = CliRun.of("weights", "list").out().lines().filter(l -> l.startsWith("tiny:test"))
                    .findFirst().orElseThrow();
            assertTrue(after.endsWith("  0.3 MB; torchvision's: 0.3 MB; Keras': 0.1 MB"), after);

            CliRun help = CliRun.of("weights", "list", "--help");
            String h = help.out().replaceAll("\\s+", " ");
            assertTrue(h.contains("convnet4j's ($CONVNET4J_CACHE/weights), torchvision's ($TORCH_HOME/hub/checkpoints;")
                    && h.contains("Keras' ($KERAS_HOME/models; default ~/.keras)"), h);
        } finally {
            System.clearProperty("convnet4j.torch.home");
            System.clearProperty("convnet4j.keras.home");
        }
    }
}

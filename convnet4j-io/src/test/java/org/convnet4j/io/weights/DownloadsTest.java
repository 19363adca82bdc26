package org.convnet4j.io.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.convnet4j.internal.json.Json;
import org.convnet4j.testsupport.LogCapture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Downloads against a server on 127.0.0.1 started here: success with progress, a checksum mismatch (nothing cached),
 * a connection cut halfway and resumed with a Range request, 404, a server slower than the read timeout, offline
 * mode, a mirror, a proxy from the JVM's settings, and two processes fetching the same file at once.
 */
class DownloadsTest {
    @TempDir
    Path dir;

    private HttpServer server;
    private String base;
    private byte[] payload;
    private String name;
    private final List<String> ranges = new CopyOnWriteArrayList<>();
    private final AtomicInteger fullGets = new AtomicInteger();
    private final AtomicInteger cuts = new AtomicInteger();

    static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    @BeforeEach
    void start() throws Exception {
        payload = new byte[300_000];
        new Random(7).nextBytes(payload);
        name = "tiny-" + sha256(payload).substring(0, 8) + ".pth";
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        server.createContext("/ok/", ex -> serve(ex, payload, 0));
        server.createContext("/slowbody/", ex -> serve(ex, payload, 40)); // 40 ms per 16 KB: about 0.8 s in all
        server.createContext("/tampered/", ex -> {
            byte[] bad = payload.clone();
            bad[1000] ^= 1;
            serve(ex, bad, 0);
        });
        server.createContext("/cut/", ex -> {
            String range = ex.getRequestHeaders().getFirst("Range");
            if (range == null && cuts.getAndIncrement() == 0) {
                // promise the whole file, send half, drop the connection
                ex.sendResponseHeaders(200, payload.length);
                OutputStream o = ex.getResponseBody();
                o.write(payload, 0, payload.length / 2);
                o.flush();
                ex.getHttpContext().getServer(); // keep the exchange open: closing the socket cuts the transfer
                ex.close();
                return;
            }
            serve(ex, payload, 0);
        });
        server.createContext("/huge/", ex -> {
            // a Content-Length of 1 PiB (more than any disk), then a few bytes
            fullGets.incrementAndGet();
            ex.sendResponseHeaders(200, 1L << 50);
            try (OutputStream o = ex.getResponseBody()) {
                o.write(payload, 0, 1000);
            } catch (IOException ignored) {
                // the client hangs up
            }
        });
        server.createContext("/endless/", ex -> {
            // no Content-Length (chunked), 64 KB at a time: 2 MB, or until the client hangs up
            fullGets.incrementAndGet();
            ex.sendResponseHeaders(200, 0);
            try (OutputStream o = ex.getResponseBody()) {
                byte[] chunk = new byte[1 << 16];
                for (int i = 0; i < 32; i++) {
                    o.write(chunk);
                }
            } catch (IOException ignored) {
                // the client hangs up
            }
        });
        server.createContext("/declared/", ex -> {
            // an honest Content-Length of 2 MB
            fullGets.incrementAndGet();
            ex.sendResponseHeaders(200, 2L << 20);
            try (OutputStream o = ex.getResponseBody()) {
                byte[] chunk = new byte[1 << 16];
                for (int i = 0; i < 32; i++) {
                    o.write(chunk);
                }
            } catch (IOException ignored) {
                // the client hangs up
            }
        });
        server.createContext("/missing/", ex -> {
            ex.sendResponseHeaders(404, -1);
            ex.close();
        });
        server.createContext("/slow/", ex -> {
            try {
                Thread.sleep(3000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            serve(ex, payload, 0);
        });
        server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
        server.start();
        base = "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    /** Serves {@code body} with Range support, pausing {@code pauseMs} after every 16 KB. */
    private void serve(HttpExchange ex, byte[] body, int pauseMs) throws IOException {
        String range = ex.getRequestHeaders().getFirst("Range");
        int from = 0;
        if (range != null) {
            ranges.add(range);
            from = Integer.parseInt(range.substring("bytes=".length(), range.indexOf('-')));
            ex.getResponseHeaders().add("Content-Range", "bytes " + from + "-" + (body.length - 1) + "/" + body.length);
            ex.sendResponseHeaders(206, body.length - from);
        } else {
            fullGets.incrementAndGet();
            ex.sendResponseHeaders(200, body.length);
        }
        try (OutputStream o = ex.getResponseBody()) {
            for (int i = from; i < body.length; i += 16384) {
                o.write(body, i, Math.min(16384, body.length - i));
                if (pauseMs > 0) {
                    o.flush();
                    Thread.sleep(pauseMs);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private Downloads downloads(boolean offline, String mirror) {
        // a generous read timeout: on a loaded 2-core CI machine a 0.7 s timeout fired between two 16 KB writes of
        // a healthy server and the retry counted as a second download; the slow-server test sets its own timeouts
        return new Downloads(new Downloads.Config(dir.resolve("cache"), offline, mirror, null, Duration.ofSeconds(5),
                Duration.ofSeconds(15), 3));
    }

    private Checksum expected() {
        return Checksum.fromFileName(name);
    }

    @Test
    void downloadsVerifiesAndCachesWithProgress() throws Exception {
        List<long[]> seen = new ArrayList<>();
        Downloads d = downloads(false, null);
        Path f = d.fetch(base + "/ok/" + name, name, expected(), (file, done, total) -> seen.add(new long[] {done, total}));
        assertEquals(dir.resolve("cache/weights/" + name), f);
        assertArrayEquals(payload, Files.readAllBytes(f));
        assertEquals(payload.length, seen.get(seen.size() - 1)[0]);
        assertEquals(payload.length, seen.get(seen.size() - 1)[1]);
        // cached: no second request
        d.fetch(base + "/ok/" + name, name, expected(), Downloads.Progress.NONE);
        assertEquals(1, fullGets.get());
        assertFalse(Files.exists(dir.resolve("cache/weights/" + name + ".part")));
    }

    /**
     * Item 3 of issue 14: each download from the network is one INFO record on {@link Downloads#LOGGER} (through
     * System.Logger, here java.util.logging), saying what comes from where into which folder, and that it resumes;
     * a file already cached logs nothing. The command line hides these (it draws its own bar): Main.configureProcess.
     */
    @Test
    void eachNetworkDownloadIsOneInfoRecord() throws Exception {
        try (LogCapture log = LogCapture.of(Downloads.LOGGER)) {
            Downloads d = downloads(false, null);
            Path weights = dir.resolve("cache/weights");
            d.fetch(base + "/ok/" + name, name, expected(), Downloads.Progress.NONE);
            d.fetch(base + "/ok/" + name, name, expected(), Downloads.Progress.NONE); // cached: nothing logged
            assertEquals(List.of("INFO downloading " + name + " from " + base + "/ok/" + name + " into " + weights),
                    log.leveled());
            // a part left by an earlier run: the record says the download resumes, and from where
            Files.delete(weights.resolve(name));
            Files.write(weights.resolve(name + ".part"), java.util.Arrays.copyOf(payload, 1000));
            d.fetch(base + "/ok/" + name, name, expected(), Downloads.Progress.NONE);
            assertEquals("INFO downloading " + name + " from " + base + "/ok/" + name + " into " + weights
                    + ", resuming after 1000 bytes", log.leveled().get(1));
            assertEquals(2, log.leveled().size(), log.leveled().toString());
            assertEquals(List.of("bytes=1000-"), ranges);
        }
    }

    @Test
    void aChecksumMismatchLeavesNothingInTheCache() {
        IOException e = assertThrows(IOException.class,
                () -> downloads(false, null).fetch(base + "/tampered/" + name, name, expected(), Downloads.Progress.NONE));
        assertTrue(e.getMessage().contains("expected SHA-256 starting " + name.substring(5, 13)), e.getMessage());
        assertTrue(e.getMessage().contains(base + "/tampered/" + name), e.getMessage());
        assertFalse(Files.exists(dir.resolve("cache/weights/" + name)));
        assertFalse(Files.exists(dir.resolve("cache/weights/" + name + ".part")));
    }

    /** Keras published two files named resnet50_weights_tf_dim_ordering_tf_kernels.h5: either MD5 is accepted. */
    @Test
    void aFileMatchingAnotherPublishedMd5OfItsNameIsAcceptedAndOthersAreNot() throws Exception {
        String md5 = HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(payload));
        String keras = "resnet50_weights_tf_dim_ordering_tf_kernels.h5";
        Checksum either = new Checksum("MD5", "0".repeat(32), List.of(md5));
        Path f = downloads(false, null).fetch(base + "/ok/" + keras, keras, either, Downloads.Progress.NONE);
        assertArrayEquals(payload, Files.readAllBytes(f));
        Checksum neither = new Checksum("MD5", "0".repeat(32), List.of("1".repeat(32)));
        IOException e = assertThrows(IOException.class, () -> downloads(false, null)
                .fetch(base + "/ok/x.h5", "x.h5", neither, Downloads.Progress.NONE));
        assertTrue(e.getMessage().contains("expected MD5 " + "0".repeat(32) + " (or " + "1".repeat(32) + ")"),
                e.getMessage());
        assertFalse(Files.exists(dir.resolve("cache/weights/x.h5")));
    }

    /**
     * Two servers serve different bytes under one file name: each URL is its own cache entry (weights/urls/KEY/NAME),
     * and neither is taken for the other or for the catalogued file of that name.
     */
    @Test
    void urlsWithTheSameFileNameFromDifferentHostsAreCachedApart() throws Exception {
        byte[] other = new byte[200_000];
        new Random(8).nextBytes(other);
        HttpServer second = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 4);
        AtomicInteger secondGets = new AtomicInteger();
        second.createContext("/ok/", ex -> {
            secondGets.incrementAndGet();
            serve(ex, other, 0);
        });
        second.start();
        try {
            Downloads d = downloads(false, null);
            String one = base + "/ok/model.pth";
            String two = "http://127.0.0.1:" + second.getAddress().getPort() + "/ok/model.pth";
            Path a = d.fetchUrl(one, null, false, Downloads.Progress.NONE);
            Path b = d.fetchUrl(two, null, false, Downloads.Progress.NONE);
            assertEquals(dir.resolve("cache/weights/urls/" + Downloads.urlKey(one) + "/model.pth"), a);
            assertEquals(dir.resolve("cache/weights/urls/" + Downloads.urlKey(two) + "/model.pth"), b);
            assertFalse(a.equals(b));
            assertArrayEquals(payload, Files.readAllBytes(a));
            assertArrayEquals(other, Files.readAllBytes(b));
            // a path on the same host is another entry too
            Path c = d.fetchUrl(base + "/slowbody/model.pth", null, false, Downloads.Progress.NONE);
            assertFalse(c.equals(a));
            // cached: no new requests, same files, also offline; the catalogue's weights/model.pth is not used
            assertEquals(a, downloads(true, null).fetchUrl(one, null, false, Downloads.Progress.NONE));
            assertEquals(b, downloads(true, null).fetchUrl(two, null, false, Downloads.Progress.NONE));
            assertEquals(3, fullGets.get(), "one GET per URL (serve() counts both servers')");
            assertEquals(1, secondGets.get());
            assertFalse(Files.exists(dir.resolve("cache/weights/model.pth")));
            // offline, an uncached URL names its own directory
            IOException e = assertThrows(IOException.class, () -> downloads(true, null)
                    .fetchUrl(base + "/other/model.pth", null, false, Downloads.Progress.NONE));
            assertTrue(e.getMessage().contains("urls/" + Downloads.urlKey(base + "/other/model.pth"))
                    && e.getMessage().contains(base + "/other/model.pth"), e.getMessage());
        } finally {
            second.stop(0);
        }
    }

    /**
     * Each download leaves a record beside the file (URL, where it came from, size, SHA-256, what it was verified
     * against); {@link Downloads#urlDownloads} lists URL downloads from it, files without a record (older versions,
     * copied in by hand) with their SHA-256 computed, a record that no longer fits its file as unrecorded, and an
     * interrupted download with its URL; {@link Downloads#remove} deletes file, record and partial download.
     */
    @Test
    void urlDownloadsAreRecordedListedAndRemoved() throws Exception {
        Downloads d = downloads(false, null);
        String verified = base + "/ok/" + name;
        String plain = base + "/slowbody/model.pth";
        Path a = d.fetchUrl(verified, expected(), false, Downloads.Progress.NONE);
        Path b = d.fetchUrl(plain, null, false, Downloads.Progress.NONE);
        JsonObject rec = Json.parseObject(Files.readString(Downloads.recordOf(a)), "record");
        assertEquals(verified, rec.get("url").getAsString());
        assertEquals(sha256(payload), rec.get("sha256").getAsString());
        assertEquals(payload.length, rec.get("size").getAsLong());
        assertEquals("SHA-256 starting " + name.substring(5, 13), rec.get("verified").getAsString());

        List<Downloads.CachedFile> listed = d.urlDownloads();
        assertEquals(2, listed.size(), listed.toString());
        Downloads.CachedFile first = listed.stream().filter(c -> c.url().equals(verified)).findFirst().orElseThrow();
        assertEquals(a, first.file());
        assertEquals(payload.length, first.size());
        assertEquals(sha256(payload), first.sha256());
        assertTrue(first.recorded() && !first.partial());
        assertEquals("PyTorch state dict", first.format());
        Downloads.CachedFile second = listed.stream().filter(c -> c.url().equals(plain)).findFirst().orElseThrow();
        assertEquals(b, second.file());
        assertEquals(null, second.verified(), "nothing to verify against");
        assertEquals(sha256(payload), second.sha256());

        // a file copied in by hand (or cached by an older version): listed, URL unknown, SHA-256 computed
        byte[] other = new byte[1234];
        new Random(9).nextBytes(other);
        Path byHand = dir.resolve("cache/weights/urls/0123456789abcdef/net.onnx");
        Files.createDirectories(byHand.getParent());
        Files.write(byHand, other);
        // a record that no longer fits its file (edited, or the file replaced): its digest is not trusted
        Files.write(b, other);
        listed = d.urlDownloads();
        assertEquals(3, listed.size());
        Downloads.CachedFile hand = listed.get(2);
        assertEquals(byHand, hand.file(), "unrecorded files come last");
        assertEquals(null, hand.url());
        assertFalse(hand.recorded());
        assertEquals(sha256(other), hand.sha256());
        assertEquals("ONNX", hand.format());
        assertEquals(byHand, hand.target(), "a finished file is its own target");
        Downloads.CachedFile changed = listed.stream().filter(c -> plain.equals(c.url())).findFirst().orElseThrow();
        assertFalse(changed.recorded());
        assertEquals(sha256(other), changed.sha256());

        // a tampered download leaves no record either; an interrupted one is listed with its URL
        assertThrows(IOException.class, () -> d.fetchUrl(base + "/tampered/" + name, expected(), false,
                Downloads.Progress.NONE));
        assertFalse(Files.exists(Downloads.recordOf(d.cachedUrl(base + "/tampered/" + name))));
        Downloads once = new Downloads(new Downloads.Config(dir.resolve("cache"), false, null, null,
                Duration.ofSeconds(5), Duration.ofSeconds(15), 1));
        assertThrows(IOException.class, () -> once.fetchUrl(base + "/cut/" + name, expected(), false,
                Downloads.Progress.NONE));
        Downloads.CachedFile part = d.urlDownloads().stream().filter(Downloads.CachedFile::partial).findFirst()
                .orElseThrow();
        assertEquals(base + "/cut/" + name, part.url());
        assertTrue(part.size() > 0 && part.size() < payload.length, "partial size " + part.size());

        // remove: file, record and partial download; the lock file stays; 0 when nothing is there
        long freed = d.remove(a);
        assertTrue(freed > payload.length && freed < payload.length + 4096, "file and record: " + freed);
        assertFalse(Files.exists(a) || Files.exists(Downloads.recordOf(a)));
        assertTrue(Files.exists(a.resolveSibling(a.getFileName() + ".lock")));
        Path cut = d.cachedUrl(base + "/cut/" + name);
        assertEquals(cut, part.target()); // where the finished download goes: what remove takes
        assertTrue(d.remove(cut) >= part.size());
        assertFalse(Files.exists(part.file()) || Files.exists(Downloads.recordOf(cut)));
        assertEquals(0, d.remove(a));
        Path never = d.cachedUrl(base + "/never/fetched.pth");
        assertEquals(0, d.remove(never));
        assertFalse(Files.exists(never.getParent()), "removing what is not cached leaves nothing behind");
        assertEquals(List.of(plain), d.urlDownloads().stream().map(Downloads.CachedFile::url)
                .filter(java.util.Objects::nonNull).toList());
        // a removed URL is fetched again on the next use
        assertArrayEquals(payload, Files.readAllBytes(d.fetchUrl(verified, expected(), false, Downloads.Progress.NONE)));
    }

    /** URL downloads keep the checksum-before-cache rule, resume with Range and use the mirror only when told. */
    @Test
    void urlDownloadsVerifyResumeAndUseTheMirrorOnlyForOfficialLocations() throws Exception {
        IOException e = assertThrows(IOException.class, () -> downloads(false, null)
                .fetchUrl(base + "/tampered/" + name, expected(), false, Downloads.Progress.NONE));
        assertTrue(e.getMessage().contains("nothing was cached"), e.getMessage());
        Path where = downloads(false, null).cachedUrl(base + "/tampered/" + name);
        assertFalse(Files.exists(where));
        assertFalse(Files.exists(where.resolveSibling(name + ".part")));

        Path f = downloads(false, null).fetchUrl(base + "/cut/" + name, expected(), false, Downloads.Progress.NONE);
        assertArrayEquals(payload, Files.readAllBytes(f));
        assertEquals(1, ranges.size(), "one resumed request: " + ranges);

        String official = "https://example.invalid/models/" + name;
        Downloads mirrored = downloads(false, base + "/ok");
        assertThrows(IOException.class, () -> mirrored.fetchUrl(official, expected(), false, Downloads.Progress.NONE));
        Path m = mirrored.fetchUrl(official, expected(), true, Downloads.Progress.NONE);
        assertArrayEquals(payload, Files.readAllBytes(m));
        assertEquals(mirrored.cachedUrl(official), m);
    }

    @Test
    void aConnectionCutHalfwayIsResumedWithARangeRequest() throws Exception {
        Path f = downloads(false, null).fetch(base + "/cut/" + name, name, expected(), Downloads.Progress.NONE);
        assertArrayEquals(payload, Files.readAllBytes(f));
        assertEquals(1, ranges.size(), "one resumed request: " + ranges);
        int from = Integer.parseInt(ranges.get(0).replaceAll("\\D", ""));
        assertTrue(from > 0 && from <= payload.length / 2, "resumed from byte " + from);
    }

    @Test
    void httpErrorsNameTheStatusAndUrl() {
        IOException e = assertThrows(IOException.class,
                () -> downloads(false, null).fetch(base + "/missing/" + name, name, expected(), Downloads.Progress.NONE));
        assertTrue(e.getMessage().contains("HTTP 404") && e.getMessage().contains(base + "/missing/" + name),
                e.getMessage());
    }

    @Test
    void aServerSlowerThanTheTimeoutFailsWithTheUrl() {
        Downloads d = new Downloads(downloads(false, null).config().withTimeouts(Duration.ofSeconds(2),
                Duration.ofMillis(300)));
        long t0 = System.nanoTime();
        IOException e = assertThrows(IOException.class,
                () -> d.fetch(base + "/slow/" + name, name, expected(), Downloads.Progress.NONE));
        assertTrue(e.getMessage().contains(base + "/slow/" + name) && e.getMessage().contains("timeout"), e.getMessage());
        assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(3 * 3), "gave up within the attempts' timeouts");
        assertFalse(Files.exists(dir.resolve("cache/weights/" + name)));
    }

    @Test
    void offlineModeNamesTheFileAndUrlAndMirrorsServeTheSameName() throws Exception {
        IOException e = assertThrows(IOException.class, () -> downloads(true, null)
                .fetch("https://example.invalid/models/" + name, name, expected(), Downloads.Progress.NONE));
        assertTrue(e.getMessage().contains(name) && e.getMessage().contains("https://example.invalid/models/" + name)
                && e.getMessage().contains("CONVNET4J_OFFLINE"), e.getMessage());
        // the official URL is unreachable; the mirror has the same file name
        Path f = downloads(false, base + "/ok").fetch("https://example.invalid/models/" + name, name, expected(),
                Downloads.Progress.NONE);
        assertArrayEquals(payload, Files.readAllBytes(f));
        // once cached, offline mode is fine
        assertEquals(f, downloads(true, null).fetch("https://example.invalid/models/" + name, name, expected(),
                Downloads.Progress.NONE));
    }

    /**
     * A machine without network: a catalogued file that torchvision or Keras already cached (TORCH_HOME's
     * hub/checkpoints, KERAS_HOME's models) is copied in when its checksum matches, also offline, and a copy that does
     * not match is left alone and named; an unreachable server is one line naming the URL and where the file would go.
     */
    @Test
    void torchvisionsAndKerasCachesServeMatchingFilesOfflineAndNoNetworkNamesTheCachePath() throws Exception {
        int closed;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort();
        }
        String url = "http://127.0.0.1:" + closed + "/models/" + name;
        IOException down = assertThrows(IOException.class,
                () -> downloads(false, null).fetch(url, name, expected(), Downloads.Progress.NONE));
        Path target = dir.resolve("cache/weights/" + name);
        assertTrue(down.getMessage().startsWith(url + ": ") && down.getMessage().contains("without network, copy " + name
                + " to " + target) && !down.getMessage().contains("\n"), down.getMessage());
        assertFalse(Files.exists(target) || Files.exists(target.resolveSibling(name + ".part")));

        Path torch = Files.createDirectories(dir.resolve("torch-home/hub/checkpoints"));
        Path keras = Files.createDirectories(dir.resolve("keras-home/models"));
        byte[] bad = payload.clone();
        bad[5] ^= 1;
        Files.write(torch.resolve(name), bad);
        Downloads offline = new Downloads(new Downloads.Config(dir.resolve("cache"), true, null, null,
                Duration.ofSeconds(5), Duration.ofSeconds(15), 3, List.of(torch, keras)));
        IOException notUsed = assertThrows(IOException.class,
                () -> offline.fetch("https://example.invalid/models/" + name, name, expected(), Downloads.Progress.NONE));
        assertTrue(notUsed.getMessage().contains("CONVNET4J_OFFLINE") && notUsed.getMessage().contains("(not used: "
                + torch.resolve(name) + " (SHA-256 " + sha256(bad) + ", expected"), notUsed.getMessage());
        assertFalse(Files.exists(target) || Files.exists(target.resolveSibling(name + ".part")));

        Files.write(keras.resolve(name), payload);
        Path f = offline.fetch("https://example.invalid/models/" + name, name, expected(), Downloads.Progress.NONE);
        assertEquals(target, f);
        assertArrayEquals(payload, Files.readAllBytes(f));
        assertArrayEquals(bad, Files.readAllBytes(torch.resolve(name)), "the other cache's files are left as they are");
        assertTrue(Files.exists(keras.resolve(name)));
        Downloads.CachedFile rec = offline.describe(f);
        assertTrue(rec.recorded() && rec.fetchedFrom().equals(keras.resolve(name).toUri().toString())
                && rec.url().equals("https://example.invalid/models/" + name), rec.toString());
        assertEquals(0, fullGets.get());

        System.setProperty("convnet4j.torch.home", dir.resolve("t").toString());
        System.setProperty("convnet4j.keras.home", dir.resolve("k").toString());
        try {
            assertEquals(List.of(dir.resolve("t/hub/checkpoints"), dir.resolve("k/models")),
                    Downloads.Config.fromEnvironment().otherCaches());
        } finally {
            System.clearProperty("convnet4j.torch.home");
            System.clearProperty("convnet4j.keras.home");
        }
    }

    @Test
    void theJvmProxySettingsAreUsed() throws Exception {
        // the server here plays the proxy: it receives the absolute URL of an unreachable host
        List<String> seen = new CopyOnWriteArrayList<>();
        server.createContext("/models/", ex -> {
            seen.add(ex.getRequestURI().toString());
            serve(ex, payload, 0);
        });
        System.setProperty("http.proxyHost", "127.0.0.1");
        System.setProperty("http.proxyPort", String.valueOf(server.getAddress().getPort()));
        try {
            Path f = downloads(false, null).fetch("http://weights.invalid/models/" + name, name, expected(),
                    Downloads.Progress.NONE);
            assertArrayEquals(payload, Files.readAllBytes(f));
            assertEquals(List.of("http://weights.invalid/models/" + name), seen);
        } finally {
            System.clearProperty("http.proxyHost");
            System.clearProperty("http.proxyPort");
        }
    }

    /** {@code http_proxy} (and {@code no_proxy}) from the environment, in a child JVM that has them set. */
    @Test
    void theProxyVariablesAreUsed() throws Exception {
        List<String> seen = new CopyOnWriteArrayList<>();
        server.createContext("/models/", ex -> {
            seen.add(ex.getRequestURI().toString());
            serve(ex, payload, 0);
        });
        String url = "http://weights.invalid/models/" + name;
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), FetchMain.class.getName(), dir.resolve("env").toString(),
                url, name);
        pb.environment().keySet().removeIf(k -> k.toLowerCase(java.util.Locale.ROOT).endsWith("_proxy"));
        pb.environment().put("http_proxy", "http://127.0.0.1:" + server.getAddress().getPort() + "/");
        pb.environment().put("no_proxy", "example.invalid,.other.invalid");
        Path childErr = dir.resolve("child-stderr.txt");
        pb.redirectError(childErr.toFile()); // stdout is the child's answer; stderr has the library's log
        Process child = pb.start();
        assertTrue(child.waitFor(60, TimeUnit.SECONDS), "the child finished");
        String out = new String(child.getInputStream().readAllBytes());
        String log = Files.readString(childErr);
        assertEquals(0, child.exitValue(), out + log);
        assertEquals(List.of(url), seen); // the proxy received the absolute URL
        assertArrayEquals(payload, Files.readAllBytes(Path.of(out.trim())));
        // an application that leaves java.util.logging as it is sees the download's INFO record on stderr
        assertTrue(log.contains("INFO: downloading " + name + " from " + url + " into "), log);
        // a host in no_proxy goes direct (and is refused by the proxy-less resolver: the proxy sees nothing)
        pb.command().set(pb.command().size() - 2, "http://weights.other.invalid/models/" + name);
        pb.command().set(pb.command().size() - 3, dir.resolve("env2").toString());
        Process direct = pb.start();
        assertTrue(direct.waitFor(60, TimeUnit.SECONDS), "the child finished");
        String err = new String(direct.getInputStream().readAllBytes()) + Files.readString(childErr);
        assertEquals(1, seen.size(), err);
        String failure = err.lines().filter(l -> !l.startsWith("INFO: downloading ")).reduce("", String::concat);
        assertTrue(direct.exitValue() != 0 && failure.contains("weights.other.invalid"), err);
    }

    @Test
    void twoProcessesFetchingTheSameFileDownloadItOnce() throws Exception {
        // another JVM (FetchMain) and this one race for the same file from a slow server
        Path cache = dir.resolve("cache");
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), FetchMain.class.getName(), cache.toString(),
                base + "/slowbody/" + name, name);
        Path childErr = dir.resolve("child-stderr.txt");
        pb.redirectError(childErr.toFile()); // stdout is the child's answer; stderr has the library's log
        Process child = pb.start();
        Path mine = downloads(false, null).fetch(base + "/slowbody/" + name, name, expected(), Downloads.Progress.NONE);
        assertTrue(child.waitFor(60, TimeUnit.SECONDS), "the other process finished");
        String out = new String(child.getInputStream().readAllBytes());
        assertEquals(0, child.exitValue(), out + Files.readString(childErr));
        assertEquals(mine.toString(), out.trim());
        assertArrayEquals(payload, Files.readAllBytes(mine));
        assertEquals(1, fullGets.get(), "the file was downloaded once, the second process waited for it");
        assertTrue(ranges.isEmpty());
    }

    /**
     * Issue 15, disk full: a download that cannot fit the cache's disk (the server declares 1 PiB) is refused before
     * the first byte, in one message naming the URL, the size and the free space, once (not retried), nothing kept.
     */
    @Test
    void aDownloadLargerThanTheDiskIsRefusedBeforeTheFirstByte() {
        long t0 = System.nanoTime();
        IOException e = assertThrows(IOException.class,
                () -> downloads(false, null).fetch(base + "/huge/" + name, name, expected(), Downloads.Progress.NONE));
        assertTrue(e.getMessage().startsWith(base + "/huge/" + name + ": 1.1 PB to download into "), e.getMessage());
        assertTrue(e.getMessage().contains("free; free some space, or put the cache on another disk with"
                + " CONVNET4J_CACHE=DIR"), e.getMessage());
        assertEquals(1, fullGets.get(), "not retried");
        assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(10));
        try (Stream<Path> files = Files.walk(dir)) {
            assertEquals(List.of(), files.filter(Files::isRegularFile).filter(f -> !f.toString().endsWith(".lock"))
                    .map(Path::toString).toList(), "nothing kept");
        } catch (IOException io) {
            throw new java.io.UncheckedIOException(io);
        }
    }

    /**
     * Issue 15, a URL's size: the download limit (here 256 KiB, {@code convnet4j.maxDownloadBytes} for users; 16 GiB by
     * default) refuses a declared 2 MiB before the first byte, and cuts a stream without a Content-Length one byte
     * past the limit, deleting what arrived (before, both were written whole into the cache: an endless stream filled
     * the disk, and a full disk kept the part for a resume). Not retried; nothing kept.
     */
    @Test
    void aDownloadAboveTheLimitIsRefusedOrCutAndNothingIsKept() throws Exception {
        Downloads d = new Downloads(new Downloads.Config(dir.resolve("cache"), false, null, null, Duration.ofSeconds(5),
                Duration.ofSeconds(15), 3), 1 << 18);
        long[] most = {0};
        Downloads.Progress watch = (f, done, total) -> most[0] = Math.max(most[0], done);
        IOException declared = assertThrows(IOException.class,
                () -> d.fetchUrl(base + "/declared/big.safetensors", null, false, watch));
        assertTrue(declared.getMessage().startsWith(base + "/declared/big.safetensors: the server says the file has"
                + " 2.1 MB, above the download limit of 262 KB; nothing was downloaded; if the file is genuine, raise"
                + " the limit with -Dconvnet4j.maxDownloadBytes=SIZE"), declared.getMessage());
        assertEquals(0, most[0], "not a byte written");
        IOException endless = assertThrows(IOException.class,
                () -> d.fetchUrl(base + "/endless/big.safetensors", null, false, watch));
        assertTrue(endless.getMessage().startsWith(base + "/endless/big.safetensors: more than 262 KB arrived (the"
                + " server did not say the size), above the download limit; what arrived was deleted"),
                endless.getMessage());
        assertTrue(most[0] <= 1 << 18, "at most the limit written: " + most[0]);
        assertEquals(2, fullGets.get(), "one request each: not retried");
        try (Stream<Path> files = Files.walk(dir)) {
            assertEquals(List.of(), files.filter(Files::isRegularFile).filter(f -> !f.toString().endsWith(".lock"))
                    .map(Path::toString).toList(), "nothing kept");
        }
        assertEquals(16L << 30, Downloads.maxDownloadBytes(), "the default without the property");
    }

    /**
     * A write into the cache that fails part way (here the kernel's file size limit, EFBIG, as a full disk gives
     * ENOSPC): one message naming the URL, the partial file and the cause, not retried; what arrived is kept and the
     * next run resumes from it with a Range request and ends with the whole, verified file.
     */
    @Test
    void aFailedWriteIsNamedNotRetriedAndTheNextRunResumes() throws Exception {
        Path cache = dir.resolve("cache");
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String child = "ulimit -f 100 && exec \"$0\" -XX:-UsePerfData -Xshare:off -Xmx128m -cp \"$1\" \"$2\" \"$3\""
                + " \"$4\" \"$5\"";
        Process p = new ProcessBuilder("bash", "-c", child, javaBin, System.getProperty("java.class.path"),
                FetchOrSayMain.class.getName(), cache.toString(), base + "/ok/" + name, name)
                .redirectError(dir.resolve("child-stderr.txt").toFile()).start(); // stderr: the library's log
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).trim();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), out);
        String log = Files.readString(dir.resolve("child-stderr.txt"));
        assertTrue(log.contains("INFO: downloading " + name + " from " + base + "/ok/" + name + " into "), log);
        assertTrue(Files.isDirectory(cache), out);
        Path part;
        try (Stream<Path> files = Files.walk(cache)) {
            part = files.filter(f -> f.toString().endsWith(".part")).findFirst().orElseThrow(() -> new AssertionError(out));
        }
        assertEquals(102_400, Files.size(part), "the kernel's limit of 100 KiB");
        assertEquals("refused: " + base + "/ok/" + name + ": could not write " + part + " (File too large) with 102400"
                + " bytes in it; what arrived is kept there and the next run resumes it", out);
        assertEquals(1, fullGets.get(), "not retried");
        Path f = downloads(false, null).fetch(base + "/ok/" + name, name, expected(), Downloads.Progress.NONE);
        assertArrayEquals(payload, Files.readAllBytes(f));
        assertEquals(List.of("bytes=102400-"), ranges);
        assertFalse(Files.exists(part));
    }

    /** Fetches one URL in its own process; prints the file, or "refused: " and the message. */
    public static final class FetchOrSayMain {
        public static void main(String[] args) {
            Downloads d = new Downloads(new Downloads.Config(Path.of(args[0]), false, null, null, Duration.ofSeconds(5),
                    Duration.ofSeconds(15), 3));
            try {
                System.out.println(d.fetch(args[1], args[2], Checksum.fromFileName(args[2]), Downloads.Progress.NONE));
            } catch (IOException e) {
                System.out.println("refused: " + e.getMessage());
            }
        }
    }

    /** The second process of {@link #twoProcessesFetchingTheSameFileDownloadItOnce}. */
    public static final class FetchMain {
        public static void main(String[] args) throws IOException {
            Downloads d = new Downloads(new Downloads.Config(Path.of(args[0]), false, null, null, Duration.ofSeconds(5),
                    Duration.ofSeconds(5), 1));
            System.out.println(d.fetch(args[1], args[2], Checksum.fromFileName(args[2]), Downloads.Progress.NONE));
        }
    }
}

package org.convnet4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * HTTPS for real: a server on 127.0.0.1 with a self-signed certificate made here by the JDK's keytool (for
 * {@code weights.invalid} and 127.0.0.1), trusted the standard Java way ({@code -Djavax.net.ssl.trustStore}) by a
 * child JVM running {@code weights fetch}: it downloads, resumes a cut transfer with a Range request and verifies the
 * torch.hub checksum; without the trust store the certificate is refused in one line naming the URL, exit 2,
 * nothing cached; and an HTTP CONNECT proxy written here carries the download when {@code https_proxy} or
 * {@code -Dhttps.proxyHost} names it (the host {@code weights.invalid} exists only behind the proxy).
 */
class HttpsDownloadsTest {
    private static final String PASSWORD = "changeit";

    @TempDir
    Path dir;
    /** The certificate, the server's key store and the user's trust store: made once for the class by keytool. */
    @TempDir
    static Path certificates;
    private static Path trustStore;
    private static KeyStore serverKeys;

    private HttpsServer server;
    private int port;
    private byte[] payload;
    private String name;
    private final List<String> ranges = new CopyOnWriteArrayList<>();
    private final AtomicInteger cuts = new AtomicInteger();
    private ServerSocket proxy;
    private final List<String> connects = new CopyOnWriteArrayList<>();
    private final List<String> proxyAuthorizations = new CopyOnWriteArrayList<>();
    private volatile String requiredAuthorization;
    private final ExecutorService pool = Executors.newCachedThreadPool();

    /**
     * A self-signed certificate, made by the JDK's own tool (a JVM of its own: once for the class, not before each
     * test), and the user's trust store holding just that certificate.
     */
    @BeforeAll
    static void certificate() throws Exception {
        Path serverStore = certificates.resolve("server.p12");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "keytool").toString()));
        for (String option : ChildJvm.LIGHT) {
            cmd.add("-J" + option);
        }
        cmd.addAll(List.of("-genkeypair", "-alias", "server", "-keyalg", "EC", "-groupname", "secp256r1", "-dname",
                "CN=weights.invalid", "-ext", "SAN=dns:weights.invalid,ip:127.0.0.1", "-validity", "3", "-keystore",
                serverStore.toString(), "-storetype", "PKCS12", "-storepass", PASSWORD, "-keypass", PASSWORD));
        Process keytool = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String keytoolOut = new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(keytool.waitFor(60, TimeUnit.SECONDS) && keytool.exitValue() == 0, keytoolOut);
        serverKeys = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(serverStore)) {
            serverKeys.load(in, PASSWORD.toCharArray());
        }
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("weights", serverKeys.getCertificate("server"));
        trustStore = certificates.resolve("trust.p12");
        try (OutputStream o = Files.newOutputStream(trustStore)) {
            trust.store(o, PASSWORD.toCharArray());
        }
    }

    @BeforeEach
    void start() throws Exception {
        payload = new byte[1_500_000];
        new Random(11).nextBytes(payload);
        name = "tiny-" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(payload)).substring(0, 8)
                + ".pth";
        KeyStore ks = serverKeys;
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, PASSWORD.toCharArray());
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(kmf.getKeyManagers(), null, null);

        server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        server.setHttpsConfigurator(new HttpsConfigurator(tls));
        server.createContext("/models/", ex -> serve(ex, payload));
        server.createContext("/tampered/", ex -> {
            byte[] bad = payload.clone();
            bad[777] ^= 1;
            serve(ex, bad);
        });
        server.createContext("/cut/", ex -> {
            if (ex.getRequestHeaders().getFirst("Range") == null && cuts.getAndIncrement() == 0) {
                ex.sendResponseHeaders(200, payload.length); // promise all, send half, hang up
                OutputStream o = ex.getResponseBody();
                o.write(payload, 0, payload.length / 2);
                o.flush();
                ex.close();
                return;
            }
            serve(ex, payload);
        });
        server.setExecutor(pool);
        server.start();
        port = server.getAddress().getPort();
    }

    @AfterEach
    void stop() throws IOException {
        server.stop(0);
        if (proxy != null) {
            proxy.close();
        }
        pool.shutdownNow();
    }

    private void serve(HttpExchange ex, byte[] body) throws IOException {
        String range = ex.getRequestHeaders().getFirst("Range");
        int from = 0;
        if (range != null) {
            ranges.add(range);
            from = Integer.parseInt(range.substring("bytes=".length(), range.indexOf('-')));
            ex.getResponseHeaders().add("Content-Range", "bytes " + from + "-" + (body.length - 1) + "/" + body.length);
            ex.sendResponseHeaders(206, body.length - from);
        } else {
            ex.sendResponseHeaders(200, body.length);
        }
        try (OutputStream o = ex.getResponseBody()) {
            o.write(body, from, body.length - from);
        }
    }

    /**
     * An HTTP CONNECT proxy on 127.0.0.1: records each CONNECT's target and tunnels every one to the HTTPS server
     * (so {@code weights.invalid:443} reaches it), bytes copied both ways untouched.
     */
    private int startProxy() throws IOException {
        proxy = new ServerSocket(0, 16, java.net.InetAddress.getByName("127.0.0.1"));
        pool.submit(() -> {
            while (!proxy.isClosed()) {
                Socket client;
                try {
                    client = proxy.accept();
                } catch (IOException closed) {
                    return null;
                }
                pool.submit(() -> tunnel(client));
            }
            return null;
        });
        return proxy.getLocalPort();
    }

    private Void tunnel(Socket client) throws IOException {
        try (client; Socket upstream = new Socket("127.0.0.1", port)) {
            InputStream in = client.getInputStream();
            StringBuilder head = new StringBuilder();
            while (!head.toString().endsWith("\r\n\r\n")) {
                int b = in.read();
                if (b < 0) {
                    return null;
                }
                head.append((char) b);
            }
            String request = head.substring(0, head.indexOf("\r\n"));
            connects.add(request);
            OutputStream out = client.getOutputStream();
            String given = head.toString().lines().filter(l -> l.toLowerCase(Locale.ROOT).startsWith("proxy-authorization:"))
                    .map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst().orElse(null);
            proxyAuthorizations.add(request.split(" ")[0] + " " + given);
            if (requiredAuthorization != null && !requiredAuthorization.equals(given)) {
                out.write(("HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"test\"\r\n"
                        + "Content-Length: 0\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                return null;
            }
            if (request.startsWith("GET http://weights.invalid/models/" + name + " ")) {
                // a plain http request through the proxy: answered by the proxy itself
                out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + payload.length + "\r\nConnection: close\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                out.write(payload);
                out.flush();
                return null;
            }
            if (!request.startsWith("CONNECT ")) {
                out.write("HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                return null;
            }
            out.write("HTTP/1.1 200 Connection Established\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            var up = pool.submit(() -> {
                try {
                    upstream.getInputStream().transferTo(out);
                } finally {
                    client.shutdownOutput();
                }
                return null;
            });
            try {
                in.transferTo(upstream.getOutputStream());
                upstream.shutdownOutput();
                up.get(60, TimeUnit.SECONDS);
            } catch (Exception e) {
                // either side hung up: the tunnel ends
            }
        }
        return null;
    }

    private record Run(int exit, String out, List<String> errLines) {
    }

    /**
     * {@code weights fetch url} in a child JVM ({@link ChildJvm#light}) with {@code jvmOptions} and {@code env} (no
     * other proxy variables).
     */
    private Run fetch(String cache, String url, List<String> jvmOptions, String... env) throws Exception {
        List<String> cmd = ChildJvm.light("-Dconvnet4j.cache=" + dir.resolve(cache), "-Dconvnet4j.progress=none");
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of(Main.class.getName(), "weights", "fetch", url));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().keySet().removeIf(k -> k.toLowerCase(Locale.ROOT).endsWith("_proxy"));
        for (int i = 0; i < env.length; i += 2) {
            pb.environment().put(env[i], env[i + 1]);
        }
        Process p = pb.start();
        var err = pool.submit(() -> new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the child finished");
        return new Run(p.exitValue(), out.trim(), err.get().lines()
                .filter(l -> !l.startsWith("WARNING: Using incubator")).toList());
    }

    private List<String> trusting() {
        return List.of("-Djavax.net.ssl.trustStore=" + trustStore, "-Djavax.net.ssl.trustStorePassword=" + PASSWORD);
    }

    private List<String> filesIn(String cache) throws IOException {
        if (!Files.exists(dir.resolve(cache))) {
            return List.of();
        }
        try (var s = Files.walk(dir.resolve(cache))) {
            return s.filter(Files::isRegularFile).map(p -> p.getFileName().toString()).filter(n -> !n.endsWith(".lock"))
                    .sorted().toList();
        }
    }

    @Test
    void aTrustedSelfSignedServerDownloadsResumesAndVerifies() throws Exception {
        String url = "https://127.0.0.1:" + port + "/cut/" + name;
        Run r = fetch("c1", url, trusting());
        assertEquals(0, r.exit(), String.join("\n", r.errLines()));
        assertArrayEquals(payload, Files.readAllBytes(Path.of(r.out())));
        assertEquals(1, ranges.size(), "one resumed request: " + ranges);
        assertTrue(Integer.parseInt(ranges.get(0).replaceAll("\\D", "")) > 0);
        assertEquals(List.of(name, name + ".source.json"), filesIn("c1"));

        // a tampered file over the same trusted connection: refused by its checksum, nothing cached
        Run bad = fetch("c2", "https://127.0.0.1:" + port + "/tampered/" + name, trusting());
        assertEquals(2, bad.exit());
        assertEquals(1, bad.errLines().size(), bad.errLines().toString());
        assertTrue(bad.errLines().get(0).contains("expected SHA-256 starting " + name.substring(5, 13)),
                bad.errLines().toString());
        assertEquals(List.of(), filesIn("c2"));
    }

    @Test
    void anUntrustedCertificateIsOneLineNamingTheUrlAndNothingIsCached() throws Exception {
        String url = "https://127.0.0.1:" + port + "/models/" + name;
        Run r = fetch("c3", url, List.of());
        assertEquals(2, r.exit(), r.errLines().toString());
        assertEquals(1, r.errLines().size(), r.errLines().toString());
        String line = r.errLines().get(0);
        assertTrue(line.startsWith("convnet4j weights fetch: " + url + ": the server's certificate is not trusted"), line);
        assertTrue(line.contains("-Djavax.net.ssl.trustStore=FILE"), line);
        assertEquals("", r.out());
        assertEquals(List.of(), filesIn("c3"));
        // a certificate for another host: trusted authority, wrong name (the server is reached as "localhost")
        Run other = fetch("c4", "https://localhost:" + port + "/models/" + name, trusting());
        assertEquals(2, other.exit());
        assertEquals(1, other.errLines().size(), other.errLines().toString());
        assertTrue(other.errLines().get(0).contains("https://localhost:" + port + "/models/" + name + ": the server's"
                + " certificate is for another host name"), other.errLines().toString());
        assertEquals(List.of(), filesIn("c4"));
    }

    @Test
    void anHttpsDownloadGoesThroughTheConnectProxyFromHttpsProxyOrTheJvmSettings() throws Exception {
        int proxyPort = startProxy();
        String url = "https://weights.invalid/models/" + name;
        Run viaEnv = fetch("c5", url, trusting(), "https_proxy", "http://127.0.0.1:" + proxyPort + "/");
        assertEquals(0, viaEnv.exit(), viaEnv.errLines().toString());
        assertArrayEquals(payload, Files.readAllBytes(Path.of(viaEnv.out())));
        assertEquals(1, connects.size(), connects.toString());
        assertTrue(connects.get(0).startsWith("CONNECT weights.invalid:443 "), connects.toString());

        // the standard Java properties, a cut transfer resumed through the tunnel
        String cut = "https://weights.invalid:8443/cut/" + name;
        Run viaJvm = fetch("c6", cut, List.of("-Djavax.net.ssl.trustStore=" + trustStore,
                "-Djavax.net.ssl.trustStorePassword=" + PASSWORD, "-Dhttps.proxyHost=127.0.0.1",
                "-Dhttps.proxyPort=" + proxyPort));
        assertEquals(0, viaJvm.exit(), viaJvm.errLines().toString());
        assertArrayEquals(payload, Files.readAllBytes(Path.of(viaJvm.out())));
        assertTrue(connects.size() >= 3 && connects.subList(1, connects.size()).stream()
                .allMatch(c -> c.startsWith("CONNECT weights.invalid:8443 ")), connects.toString());
        assertEquals(1, ranges.size(), "resumed once: " + ranges);

        // without a proxy the host does not exist: the proxy was what carried it
        Run direct = fetch("c7", url, trusting());
        assertEquals(2, direct.exit());
        assertEquals(1, direct.errLines().size(), direct.errLines().toString());
        assertTrue(direct.errLines().get(0).contains(url + ": the host weights.invalid is not known")
                && direct.errLines().get(0).contains("https_proxy"), direct.errLines().toString());
    }

    /**
     * A proxy that answers 407 without the right user name and password: Basic Proxy-Authorization on the CONNECT of
     * an https download and on a plain http request, from {@code https_proxy}/{@code http_proxy}
     * ({@code http://USER:PASSWORD@HOST:PORT}, percent-encoded) or {@code -Dhttps.proxyUser/-Dhttps.proxyPassword};
     * refused or missing credentials are one line, exit 2, nothing cached, and the credentials are in no output.
     */
    @Test
    void aProxyThatWantsAPasswordGetsBasicAuthorizationOnConnectAndOnPlainRequests() throws Exception {
        int proxyPort = startProxy();
        String user = "anna";
        String password = "s3cr:t@pass"; // a ':' and an '@' in it, percent-encoded in the variable
        String encoded = "s3cr%3At%40pass";
        requiredAuthorization = "Basic " + java.util.Base64.getEncoder()
                .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
        String url = "https://weights.invalid/models/" + name;
        String proxyUrl = "http://" + user + ":" + encoded + "@127.0.0.1:" + proxyPort;

        Run tunnel = fetch("p1", url, trusting(), "https_proxy", proxyUrl);
        assertEquals(0, tunnel.exit(), tunnel.errLines().toString());
        assertArrayEquals(payload, Files.readAllBytes(Path.of(tunnel.out())));
        assertEquals(List.of("CONNECT " + requiredAuthorization), proxyAuthorizations);

        Run jvm = fetch("p2", url, List.of("-Djavax.net.ssl.trustStore=" + trustStore,
                "-Djavax.net.ssl.trustStorePassword=" + PASSWORD, "-Dhttps.proxyHost=127.0.0.1",
                "-Dhttps.proxyPort=" + proxyPort, "-Dhttps.proxyUser=" + user, "-Dhttps.proxyPassword=" + password));
        assertEquals(0, jvm.exit(), jvm.errLines().toString());
        assertArrayEquals(payload, Files.readAllBytes(Path.of(jvm.out())));

        Run plain = fetch("p3", "http://weights.invalid/models/" + name, List.of(), "http_proxy", proxyUrl);
        assertEquals(0, plain.exit(), plain.errLines().toString());
        assertArrayEquals(payload, Files.readAllBytes(Path.of(plain.out())));
        assertTrue(proxyAuthorizations.contains("GET " + requiredAuthorization), proxyAuthorizations.toString());

        // a wrong password (tunnel and plain), and none at all: one line each, naming the proxy, not the secrets
        String wrong = "http://" + user + ":nope-" + encoded + "@127.0.0.1:" + proxyPort;
        List<Run> refused = List.of(fetch("p4", url, trusting(), "https_proxy", wrong),
                fetch("p5", "http://weights.invalid/models/" + name, List.of(), "http_proxy", wrong));
        for (Run r : refused) {
            assertEquals(2, r.exit(), r.errLines().toString());
            assertEquals(1, r.errLines().size(), r.errLines().toString());
            assertTrue(r.errLines().get(0).contains("/models/" + name + ": the proxy 127.0.0.1:" + proxyPort
                    + " refused the user name and password given (HTTP 407"), r.errLines().toString());
        }
        Run none = fetch("p6", url, trusting(), "https_proxy", "http://127.0.0.1:" + proxyPort);
        assertEquals(2, none.exit(), none.errLines().toString());
        assertEquals(1, none.errLines().size(), none.errLines().toString());
        assertTrue(none.errLines().get(0).contains(url + ": the proxy 127.0.0.1:" + proxyPort + " needs a user name"
                + " and password (HTTP 407") && none.errLines().get(0).contains("): give them as"
                + " https_proxy=http://USER:PASSWORD@HOST:PORT"), none.errLines().toString());
        assertEquals(List.of(), filesIn("p4"));
        assertEquals(List.of(), filesIn("p5"));
        assertEquals(List.of(), filesIn("p6"));
        for (Run r : List.of(tunnel, jvm, plain, refused.get(0), refused.get(1), none)) {
            String all = r.out() + String.join("\n", r.errLines());
            for (String secret : List.of(password, encoded, "nope-", requiredAuthorization.substring(6), user)) {
                assertTrue(!all.contains(secret), "the output shows '" + secret + "': " + all);
            }
        }
    }
}

package org.convnet4j.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;

/**
 * {@link RemoteFileSystemTests} on {@code s3a://}: Hadoop's S3A client ({@code hadoop-aws} of Spark's Hadoop release,
 * with its AWS SDK) against a real S3-compatible server started here on 127.0.0.1, moto in server mode
 * ({@code moto_server}, Python; an ephemeral port, a bucket made with one HTTP PUT). Nothing of Hadoop's client is
 * mocked: requests go over HTTP with SigV4 signatures, multipart-capable uploads, listings, copies for renames.
 *
 * <p>Not part of the default test command: moto is a Python package that neither Debian nor Maven Central provides,
 * so a fresh machine cannot install it, and its AWS SDK add-on is 268 MiB. The class name does not match surefire's
 * patterns; run it on demand with the {@code s3} profile (docs/SPARK.md "S3"):
 * {@code mvn -B -pl convnet4j-spark -am test -Dconvnet4j.s3 -Dtest=S3Check -Dsurefire.failIfNoSpecifiedTests=false}.
 * Without {@code moto_server} it fails (it never skips).
 */
class S3Check extends RemoteFileSystemTests {
    private static final String BUCKET = "convnet4j";
    private Process server;
    private String endpoint;

    /** moto's server command: {@code CONVNET4J_MOTO_SERVER}, else {@code moto_server} on the PATH. */
    private static String motoServer() {
        String given = System.getenv("CONVNET4J_MOTO_SERVER");
        if (given != null && !given.isBlank()) {
            return given;
        }
        for (String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(d, "moto_server"))) {
                return Path.of(d, "moto_server").toString();
            }
        }
        return null;
    }

    @Override
    String start(Path base) throws Exception {
        String moto = motoServer();
        if (moto == null) {
            throw new IllegalStateException("moto_server (Python package moto, server mode) is not on the PATH;"
                    + " set CONVNET4J_MOTO_SERVER to its path");
        }
        long t0 = System.nanoTime();
        server = new ProcessBuilder(moto, "-H", "127.0.0.1", "-p", "0").redirectErrorStream(true).start();
        BufferedReader lines = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
        Pattern running = Pattern.compile("Running on (http://127\\.0\\.0\\.1:\\d+)");
        List<String> seen = new ArrayList<>();
        for (String l = lines.readLine(); l != null && endpoint == null; l = lines.readLine()) {
            seen.add(l);
            Matcher m = running.matcher(l);
            if (m.find()) {
                endpoint = m.group(1);
            }
        }
        assertTrue(endpoint != null, "moto_server did not start: " + String.join("\n", seen));
        Thread drain = new Thread(() -> lines.lines().forEach(l -> { }), "moto-output");
        drain.setDaemon(true);
        drain.start();
        HttpResponse<String> made = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(endpoint + "/"
                + BUCKET)).PUT(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, made.statusCode(), made.body());
        System.out.printf(java.util.Locale.ROOT, "S3Check: moto_server at %s, bucket made, in %.1f s%n", endpoint,
                (System.nanoTime() - t0) / 1e9);
        return "s3a://" + BUCKET;
    }

    @Override
    void stop() throws Exception {
        if (server != null) {
            server.destroy();
            if (!server.waitFor(10, TimeUnit.SECONDS)) {
                server.destroyForcibly();
            }
        }
    }

    /** S3A's settings for the server: its endpoint over plain HTTP, path-style buckets, moto's keys, a region. */
    @Override
    List<String> conf() {
        List<String> c = new ArrayList<>();
        for (String kv : List.of("fs.s3a.endpoint=" + endpoint, "fs.s3a.endpoint.region=us-east-1",
                "fs.s3a.path.style.access=true", "fs.s3a.connection.ssl.enabled=false", "fs.s3a.access.key=test",
                "fs.s3a.secret.key=test",
                "fs.s3a.aws.credentials.provider=org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider")) {
            c.add("--conf");
            c.add("spark.hadoop." + kv);
        }
        return c;
    }

    @Override
    FileSystem fileSystem() throws IOException {
        Configuration c = new Configuration();
        List<String> conf = conf();
        for (int i = 1; i < conf.size(); i += 2) {
            String kv = conf.get(i).substring("spark.hadoop.".length());
            c.set(kv.substring(0, kv.indexOf('=')), kv.substring(kv.indexOf('=') + 1));
        }
        return new org.apache.hadoop.fs.Path("s3a://" + BUCKET + "/").getFileSystem(c);
    }
}

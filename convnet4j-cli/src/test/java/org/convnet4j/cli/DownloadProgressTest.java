package org.convnet4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Download progress in both places it is read: redrawn as a bar in a terminal (a pseudo-terminal made by
 * {@code script}), and as whole lines when standard error is a file (a child JVM with {@code 2>file}), where the
 * bar's carriage returns would leave its last state sharing a line with the next output.
 */
class DownloadProgressTest {
    @TempDir
    Path dir;

    private HttpServer server;
    private String base;
    private final byte[] payload = new byte[2_000_000];

    @BeforeEach
    void start() throws Exception {
        new Random(3).nextBytes(payload);
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 8);
        server.createContext("/", ex -> {
            ex.sendResponseHeaders(200, payload.length);
            try (OutputStream o = ex.getResponseBody()) {
                for (int i = 0; i < payload.length; i += 50_000) {
                    o.write(payload, i, Math.min(50_000, payload.length - i));
                    o.flush();
                    Thread.sleep(10); // about 0.4 s in all: the bar draws more than once
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        server.start();
        base = "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    /** {@code weights fetch url} in a child JVM ({@link ChildJvm#light}: a download needs no optimising compiler). */
    private List<String> command(String url, String cache) {
        List<String> cmd = ChildJvm.light("-Dconvnet4j.cache=" + cache);
        cmd.addAll(List.of(Main.class.getName(), "weights", "fetch", url));
        return cmd;
    }

    @Test
    void aLogGetsWholeLinesEveryTenPercentAndTheNextOutputOnItsOwnLine() throws Exception {
        Path err = dir.resolve("err.log");
        Path out = dir.resolve("out.log");
        ProcessBuilder pb = new ProcessBuilder(command(base + "/m/model.pth", dir.resolve("c1").toString()))
                .redirectError(err.toFile()).redirectOutput(out.toFile());
        pb.environment().remove("CONVNET4J_PROGRESS");
        Process p = pb.start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        String log = Files.readString(err, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), log);
        assertFalse(log.contains("\r"), "no carriage return in a log: " + log);
        assertTrue(log.endsWith("\n"), log);
        List<String> lines = log.lines().filter(l -> !l.startsWith("WARNING: Using incubator")).toList();
        assertEquals("downloading model.pth (2.0 MB)", lines.get(0), log);
        // 10% .. 90%, each once (every read is under 10% of the file), then the summary
        List<String> steps = lines.subList(1, lines.size() - 1);
        assertEquals(9, steps.size(), log);
        for (int i = 0; i < steps.size(); i++) {
            String l = steps.get(i);
            int percent = Integer.parseInt(l.substring("model.pth: ".length(), l.indexOf('%')));
            assertTrue(percent >= 10 * (i + 1) && percent < 10 * (i + 2), l);
            assertTrue(l.matches("model\\.pth: \\d+% \\d+\\.\\d MB of 2\\.0 MB, \\d+(\\.\\d MB| kB)/s(, ETA \\d:\\d\\d:\\d\\d)?"),
                    l);
        }
        assertTrue(lines.get(lines.size() - 1).matches("model\\.pth: 2\\.0 MB in \\d:\\d\\d:\\d\\d \\(\\d+(\\.\\d MB| kB)/s\\)"),
                log);
        assertEquals(dir.resolve("c1/weights/urls").toString(),
                Path.of(Files.readString(out).trim()).getParent().getParent().toString());

        // CONVNET4J_PROGRESS=none: nothing at all
        pb = new ProcessBuilder(command(base + "/m/model.pth", dir.resolve("c2").toString()))
                .redirectError(err.toFile()).redirectOutput(out.toFile());
        pb.environment().put("CONVNET4J_PROGRESS", "none");
        p = pb.start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue());
        assertEquals("", Files.readString(err).lines().filter(l -> !l.startsWith("WARNING: Using incubator"))
                .collect(Collectors.joining("\n")));

        // the launcher pipes the JVM's stderr and says with -Dconvnet4j.stderr.terminal what the real one is
        List<String> told = new ArrayList<>(command(base + "/m/model.pth", dir.resolve("c3").toString()));
        told.add(1, "-Dconvnet4j.stderr.terminal=true");
        pb = new ProcessBuilder(told).redirectError(err.toFile()).redirectOutput(out.toFile());
        pb.environment().remove("CONVNET4J_PROGRESS");
        p = pb.start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue());
        String bar = Files.readString(err);
        assertTrue(bar.contains("\rmodel.pth") && !bar.contains("downloading model.pth"), bar);
    }

    @Test
    void aTerminalStillGetsTheBarRedrawnInPlace() throws Exception {
        // script(1) runs the command on a pseudo-terminal: stderr is /dev/pts/N, as at a user's prompt
        String cmd = command(base + "/m/model.pth", dir.resolve("c3").toString()).stream()
                .map(a -> "'" + a.replace("'", "'\\''") + "'").collect(Collectors.joining(" "));
        ProcessBuilder pb = new ProcessBuilder("script", "-qec", cmd, "/dev/null").redirectErrorStream(true);
        pb.environment().remove("CONVNET4J_PROGRESS");
        Process p = pb.start();
        p.getOutputStream().close();
        String tty = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), tty);
        assertFalse(tty.contains("downloading model.pth"), "no log lines on a terminal: " + tty);
        // the bar (util.ProgressOutput): redrawn with carriage returns, ending its line
        assertTrue(tty.contains("\rmodel.pth") && tty.contains("100% [========================] 2.0 MB of 2.0 MB"), tty);
        String path = dir.resolve("c3/weights/urls").toString();
        assertTrue(tty.lines().anyMatch(l -> l.startsWith(path)), "the path printed on a line of its own: " + tty);
    }
}

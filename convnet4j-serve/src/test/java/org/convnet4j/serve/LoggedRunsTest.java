package org.convnet4j.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Log-directory runs are read incrementally: a poll reads only what was appended since the last one. */
class LoggedRunsTest {
    private static void append(Path file, String text) throws Exception {
        Files.writeString(file, text, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    @Test
    void pollsReadOnlyNewBytesAndWaitForWholeLines(@TempDir Path dir) throws Exception {
        Path run = Files.createDirectory(dir.resolve("run-1"));
        Files.createDirectory(dir.resolve(".hidden"));
        Files.createDirectory(dir.resolve("no-events"));
        Path file = run.resolve(RunLog.EVENTS);
        String first = "{\"type\":\"start\",\"n\":1}\n{\"type\":\"step\",\"n\":2}\n";
        append(file, first);
        LoggedRuns runs = new LoggedRuns(dir);
        assertEquals(List.of("run-1"), List.copyOf(runs.all().keySet()));
        assertEquals(2, runs.events("run-1").size());
        long read = runs.bytesRead();
        assertEquals(first.length(), read);

        assertEquals(2, runs.all().get("run-1").size());
        assertEquals(read, runs.bytesRead(), "nothing new: nothing read");

        String partial = "{\"type\":\"step\",";
        append(file, partial);
        assertEquals(2, runs.events("run-1").size(), "a line being written is not an event yet");
        append(file, "\"n\":3}\n{\"type\":\"end\"}\n");
        List<JsonObject> events = runs.events("run-1");
        assertEquals(3 + 1, events.size());
        assertEquals(3, events.get(2).get("n").getAsInt());
        assertEquals(Files.size(file), runs.bytesRead() - partial.length(),
                "each byte read once, except the unfinished line's, read again when it was whole");

        // a damaged line ends the events; a replaced (shorter) file is read from its start
        append(file, "not json\n{\"type\":\"step\"}\n");
        assertEquals(4, runs.events("run-1").size());
        Files.writeString(file, "{\"type\":\"start\"}\n");
        assertEquals(1, runs.events("run-1").size());
        assertNull(runs.events("../run-1"));
        assertNull(runs.events("missing"));
    }

    @Test
    void theDashboardListsLoggedRunsAsTheyGrow(@TempDir Path dir) throws Exception {
        Path file = Files.createDirectory(dir.resolve("a")).resolve(RunLog.EVENTS);
        append(file, "{\"type\":\"start\"}\n");
        try (DashboardServer ui = DashboardServer.start("127.0.0.1", 0, dir)) {
            JsonObject run = JsonParser.parseString(ModelServerTestHttp.get(ui.url() + "/api/runs")).getAsJsonArray()
                    .get(0).getAsJsonObject();
            assertEquals(1, run.get("events").getAsInt());
            assertTrue(!run.get("finished").getAsBoolean() && !run.get("live").getAsBoolean());
            append(file, "{\"type\":\"epoch\",\"epoch\":1}\n{\"type\":\"end\"}\n");
            JsonArray runs = JsonParser.parseString(ModelServerTestHttp.get(ui.url() + "/api/runs")).getAsJsonArray();
            assertEquals(3, runs.get(0).getAsJsonObject().get("events").getAsInt());
            assertTrue(runs.get(0).getAsJsonObject().get("finished").getAsBoolean());
            JsonObject tail = JsonParser.parseString(ModelServerTestHttp.get(ui.url() + "/api/runs/a/events?from=1"))
                    .getAsJsonObject();
            assertEquals(2, tail.getAsJsonArray("events").size());
            assertEquals(3, tail.get("next").getAsInt());
            // a method Javalin does not know: a JSON 400, as on the model server (Javalin's empty 500 before)
            try (java.net.Socket s = new java.net.Socket("127.0.0.1", ui.port())) {
                s.setSoTimeout(20_000);
                s.getOutputStream().write("get /api/runs HTTP/1.1\r\nHost: test\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII));
                String answer = SelectorPathTest.readResponse(s.getInputStream());
                assertTrue(answer.startsWith("HTTP/1.1 400 ") && answer.contains("{\"error\":\"unknown method 'get'"),
                        answer);
            }
        }
    }
}

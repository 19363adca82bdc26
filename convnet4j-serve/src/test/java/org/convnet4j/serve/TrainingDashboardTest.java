package org.convnet4j.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.convnet4j.train.TrainingListener;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CLI's --ui/--logdir as a library call: a server and/or a run log per training run; nothing when neither. */
class TrainingDashboardTest {
    @TempDir
    Path dir;

    @Test
    void neitherServerNorFolderGivesListenersThatDoNothing() throws Exception {
        try (TrainingDashboard d = TrainingDashboard.open(null, null, null)) {
            assertNull(d.url());
            TrainingListener l = d.run("lenet5", null);
            assertFalse(l instanceof DashboardListener);
        }
    }

    @Test
    void eachRunGetsAFolderAndTheServerShowsIt() throws Exception {
        Path logs = dir.resolve("logs");
        try (TrainingDashboard d = TrainingDashboard.open(0, logs, null)) {
            assertTrue(d.url().startsWith("http://127.0.0.1:"), d.url());
            assertTrue(d.run("first", null) instanceof DashboardListener);
            assertTrue(d.run("second", null) instanceof DashboardListener);
            try (Stream<Path> runs = Files.list(logs)) {
                List<String> names = runs.map(p -> p.getFileName().toString()).sorted().toList();
                assertEquals(2, names.size(), names.toString());
                assertTrue(names.get(0).startsWith("first-") && names.get(1).startsWith("second-"), names.toString());
            }
            HttpResponse<String> page = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(d.url() + "/"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, page.statusCode());
        }
    }

    /**
     * zoo-benchmark and transfer give their test set for the confusion matrix: the run says so ("data": "test"),
     * (the page's title names it: DashboardPageTest); a run given validation data says that.
     */
    @Test
    void theConfusionMatrixNamesTheDataItCounts() throws Exception {
        Path logs = dir.resolve("named");
        org.convnet4j.train.ConfusionMatrix cm = new org.convnet4j.train.ConfusionMatrix(List.of("a", "b"));
        cm.add(0, 0);
        cm.add(1, 0);
        try (TrainingDashboard d = TrainingDashboard.open(null, logs, null)) {
            ((DashboardListener) d.run("zoo-lenet5", null, "test")).confusion(cm, 2);
            ((DashboardListener) d.run("lenet5", null)).confusion(cm, 2);
        }
        List<String> data;
        try (Stream<Path> runs = Files.list(logs)) {
            data = runs.sorted().map(r -> {
                List<com.google.gson.JsonObject> events;
                try {
                    events = RunLog.read(r).since(0);
                } catch (java.io.IOException e) {
                    throw new UncheckedIOException(e);
                }
                return r.getFileName().toString().replaceAll("-\\d.*", "") + ":"
                        + events.get(events.size() - 1).getAsJsonObject("confusion").get("data").getAsString();
            }).toList();
        }
        assertEquals(List.of("lenet5:validation", "zoo-lenet5:test"), data);
    }

    @Test
    void aFileWhereTheFolderShouldBeIsAnUncheckedIoException() throws Exception {
        Path file = Files.writeString(dir.resolve("not-a-folder"), "x");
        try (TrainingDashboard d = TrainingDashboard.open(null, file, null)) {
            UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> d.run("lenet5", null));
            assertTrue(e.getCause().getMessage().contains(file.toString()), e.getCause().toString());
        }
    }
}

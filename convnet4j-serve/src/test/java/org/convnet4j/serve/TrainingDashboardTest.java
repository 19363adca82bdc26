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

    @Test
    void aFileWhereTheFolderShouldBeIsAnUncheckedIoException() throws Exception {
        Path file = Files.writeString(dir.resolve("not-a-folder"), "x");
        try (TrainingDashboard d = TrainingDashboard.open(null, file, null)) {
            UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> d.run("lenet5", null));
            assertTrue(e.getCause().getMessage().contains(file.toString()), e.getCause().toString());
        }
    }
}

package org.convnet4j.io.weights;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.convnet4j.internal.json.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link CacheReport}: the weights cache as a Java user reads it, without the CLI. */
class CacheReportTest {
    @TempDir
    Path dir;

    @Test
    void reportsEachEntrysCachedCopyTheOtherCachesAndUrlDownloads() throws Exception {
        Path torch = Files.createDirectories(dir.resolve("torch"));
        Downloads d = new Downloads(new Downloads.Config(dir.resolve("cache"), true, null, null, Duration.ofSeconds(5),
                Duration.ofSeconds(5), 1, List.of(torch)));
        WeightsCatalogue catalogue = WeightsCatalogue.builtIn();
        List<WeightsCatalogue.Entry> entries = catalogue.entries();
        String mine = entries.get(0).file();
        String theirs = entries.get(1).file();
        Files.createDirectories(d.config().weightsDir());
        Files.write(d.cached(mine), new byte[] {1, 2, 3});
        Files.write(torch.resolve(theirs), new byte[] {4, 5, 6, 7, 8});
        Path url = d.cachedUrl("http://127.0.0.1:1/some/head.onnx");
        Files.createDirectories(url.getParent());
        Files.write(url, new byte[] {9, 9});

        JsonObject report = Json.parseObject(CacheReport.json(catalogue, d), "report");
        assertEquals(d.config().weightsDir().toString(), report.get("cache").getAsString());
        JsonArray others = report.getAsJsonArray("other_caches");
        assertEquals(1, others.size());
        assertEquals(torch.toString(), others.get(0).getAsJsonObject().get("dir").getAsString());
        assertTrue(others.get(0).getAsJsonObject().get("exists").getAsBoolean());
        JsonArray listed = report.getAsJsonArray("entries");
        assertEquals(entries.size(), listed.size());
        JsonObject first = listed.get(0).getAsJsonObject();
        assertEquals(d.cached(mine).toString(), first.get("cached").getAsString());
        assertEquals(0, first.getAsJsonArray("in_other_caches").size());
        JsonObject second = listed.get(1).getAsJsonObject();
        assertFalse(second.has("cached") && !second.get("cached").isJsonNull(), "not cached: no path"); // null, omitted
        JsonObject found = second.getAsJsonArray("in_other_caches").get(0).getAsJsonObject();
        assertEquals(torch.resolve(theirs).toString(), found.get("path").getAsString());
        assertEquals(5, found.get("size").getAsLong());
        JsonArray urls = report.getAsJsonArray("url_downloads");
        assertEquals(1, urls.size());
        JsonObject u = urls.get(0).getAsJsonObject();
        assertEquals(url.toString(), u.get("path").getAsString());
        assertEquals(2, u.get("size").getAsLong());
        assertEquals("ONNX", u.get("format").getAsString());
        assertFalse(u.get("partial").getAsBoolean());
        assertFalse(u.get("recorded").getAsBoolean()); // copied in by hand: no record, its SHA-256 computed now
        assertEquals(64, u.get("sha256").getAsString().length());

        // the same cache as weights list's text: the cache, a table row per entry, then the URL downloads
        String text = CacheReport.text(catalogue, d);
        assertTrue(text.startsWith("cache: " + d.config().weightsDir() + " (offline)\n"), text); // offline: true above
        String firstRow = text.lines().filter(l -> l.startsWith(entries.get(0).name())).findFirst().orElseThrow();
        assertTrue(firstRow.contains(mine) && firstRow.endsWith("  0.0 MB"), firstRow); // 3 bytes
        String secondRow = text.lines().filter(l -> l.startsWith(entries.get(1).name())).findFirst().orElseThrow();
        assertTrue(secondRow.contains(theirs) && secondRow.endsWith("; " + d.otherCaches().get(0).possessive()
                + ": 0.0 MB"), secondRow);
        assertTrue(text.contains("fetched from other URLs (" + d.config().weightsDir().resolve("urls") + "): 1\n"),
                text);
        assertTrue(text.lines().anyMatch(l -> l.startsWith("head.onnx ") && l.contains(u.get("sha256").getAsString())),
                text);
    }
}

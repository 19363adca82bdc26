package org.convnet4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.convnet4j.io.weights.WeightsCatalogue;
import org.convnet4j.testsupport.JavaSnippets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's CacheReport example, taken from README.md as it is, compiled with javac against the library and run
 * with the cache set (property {@code convnet4j.cache}) to a temporary folder holding one catalogued file: what it
 * prints is the report of that cache.
 */
class ReadmeCacheReportExampleTest {
    private static final Pattern BLOCK = Pattern.compile(
            "<!-- compiled and run by ReadmeCacheReportExampleTest -->\\s*```java\\n(.*?)```", Pattern.DOTALL);

    @Test
    void theReadmesCacheReportExamplePrintsTheReportOfTheCache(@TempDir Path tmp) throws Exception {
        Matcher m = BLOCK.matcher(Files.readString(Path.of("..", "README.md")));
        assertTrue(m.find(), "README.md has no block marked for ReadmeCacheReportExampleTest");
        Path src = Files.createDirectories(tmp.resolve("src"));
        Path classes = Files.createDirectories(tmp.resolve("classes"));
        Path source = src.resolve("CacheReportExample.java");
        Files.writeString(source, JavaSnippets.wrap("CacheReportExample", m.group(1), "java.nio.file.Path"));
        assertEquals("", JavaSnippets.compile(classes, List.of(source)));

        Path cache = tmp.resolve("cache");
        String file = WeightsCatalogue.builtIn().entries().get(0).file();
        Path cached = cache.resolve("weights").resolve(file);
        Files.createDirectories(cached.getParent());
        Files.write(cached, new byte[] {1, 2, 3});
        String before = System.getProperty("convnet4j.cache");
        PrintStream out = System.out;
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        System.setProperty("convnet4j.cache", cache.toString());
        try (URLClassLoader loader = new URLClassLoader(new URL[] {classes.toUri().toURL()},
                getClass().getClassLoader())) {
            System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
            loader.loadClass("CacheReportExample").getMethod("run").invoke(null);
        } finally {
            System.setOut(out);
            if (before == null) {
                System.clearProperty("convnet4j.cache");
            } else {
                System.setProperty("convnet4j.cache", before);
            }
        }
        JsonObject report = JsonParser.parseString(printed.toString(StandardCharsets.UTF_8)).getAsJsonObject();
        assertTrue(report.get("cache").getAsString().startsWith(cache.toString()), report.get("cache").toString());
        JsonArray entries = report.getAsJsonArray("entries");
        assertEquals(WeightsCatalogue.builtIn().entries().size(), entries.size());
        JsonObject first = entries.get(0).getAsJsonObject();
        assertEquals(cached.toString(), first.get("cached").getAsString());
        assertNotEquals(null, report.get("url_downloads"));
    }
}

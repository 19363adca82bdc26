package org.convnet4j.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.convnet4j.checkpoint.Checkpoint;
import org.convnet4j.testsupport.JavaSnippets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's Spark Java example ("compiled and run by ReadmeSparkExampleTest"), taken from README.md as it is,
 * compiled with javac against the library and Spark and run on the tests' local[2] session. Only the places change:
 * {@code hdfs:///x} becomes a temporary directory's {@code x}, where the test put a labelled picture folder, a model
 * file and some photos; and the training is one epoch long.
 */
class ReadmeSparkExampleTest {
    private static final Path README = Path.of("..", "README.md");
    private static final Pattern BLOCK = Pattern.compile(
            "<!-- compiled and run by ReadmeSparkExampleTest -->\\s*```java\\n(.*?)```", Pattern.DOTALL);

    @Test
    void readmeSparkExampleCompilesAndRuns(@TempDir Path tmp) throws Exception {
        TestSpark.session(); // the example's getOrCreate() finds it
        Matcher m = BLOCK.matcher(Files.readString(README));
        assertTrue(m.find(), "README.md has no block marked 'compiled and run by ReadmeSparkExampleTest'");
        String code = m.group(1);
        assertTrue(code.contains("\"hdfs:///"), "the example is expected to read from hdfs:/// paths");

        TestSpark.stripeFolder(tmp.resolve("labelled"), 10, 4);
        TestSpark.stripeFolder(tmp.resolve("photos-src"), 3, 5);
        Path photos = Files.createDirectories(tmp.resolve("photos"));
        try (var s = Files.walk(tmp.resolve("photos-src"))) {
            for (Path f : s.filter(Files::isRegularFile).toList()) {
                Files.copy(f, photos.resolve(f.getFileName()));
            }
        }
        Files.createDirectories(tmp.resolve("models"));
        Files.move(TestSpark.lenetFile(tmp, List.of("horizontal", "vertical")), tmp.resolve("models/lenet5.c4j"));

        Path src = Files.createDirectories(tmp.resolve("src"));
        Path classes = Files.createDirectories(tmp.resolve("classes"));
        Path file = src.resolve("ReadmeSpark.java");
        // the training one epoch long (the example's epochs are for a user's data; the assertions need one)
        Files.writeString(file, JavaSnippets.wrap("ReadmeSpark", code.replace("\"hdfs:///", "DIR + \"/")
                .replace("Path.of(\"", "Path.of(DIR, \"").replaceAll("\\.epochs\\([0-9]+\\)", ".epochs(1)"), "String"));
        long t0 = System.nanoTime();
        assertEquals("", JavaSnippets.compile(classes, List.of(file)), "the README's Spark example does not compile");
        long t1 = System.nanoTime();

        try (URLClassLoader loader = new URLClassLoader(new URL[] {classes.toUri().toURL()}, getClass().getClassLoader())) {
            Class<?> example = loader.loadClass("ReadmeSpark");
            example.getField("DIR").set(null, tmp.toString());
            example.getMethod("run").invoke(null);
        }
        System.out.printf(java.util.Locale.ROOT, "ReadmeSparkExampleTest: compiled in %.1f s, ran in %.1f s%n",
                (t1 - t0) / 1e9, (System.nanoTime() - t1) / 1e9);
        assertTrue(Files.isDirectory(tmp.resolve("models/case1-pipeline/stages")), "the fitted pipeline was saved");
        // the saved pipeline answers with the folders' names, not with the indexer's indices
        org.apache.spark.ml.PipelineModel fitted = org.apache.spark.ml.PipelineModel.load(
                tmp.resolve("models/case1-pipeline").toString());
        String names = ConvNetPipelines.classNameColumn(fitted);
        for (org.apache.spark.sql.Row r : ConvNetPipelines.transform(fitted, TestSpark.session().read()
                .format("binaryFile").load(photos.toString())).select(names).collectAsList()) {
            assertTrue(List.of("horizontal", "vertical").contains(r.getString(0)), r.toString());
        }
        Path trained = tmp.resolve("lenet5-spark.c4j");
        assertTrue(Files.exists(trained) && Files.exists(tmp.resolve("lenet5-spark.last.c4j")), "best and last files");
        assertEquals(List.of("horizontal", "vertical"),
                com.google.gson.JsonParser.parseString(Checkpoint.load(trained).description()).getAsJsonObject()
                        .get("class_names").getAsJsonArray().asList().stream()
                        .map(e -> e.getAsString()).toList());
    }
}

package org.convnet4j.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.convnet4j.image.Images;
import org.convnet4j.spark.cli.CliRun;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The "done when": the same picture folder gets the same answers from {@code spark predict} as from the main
 * CLI's {@code predict}, each run as a user runs it: {@code predict --json} of the main CLI's jar ({@code
 * convnet4j-cli/target/convnet4j.jar}, what {@code ./convnet4j predict} runs) in a child JVM, and {@code spark
 * predict} on local[2] to a CSV and to Parquet, on the same model file and folder (class sub-folders, a nested folder,
 * JPEG files, suffixes in upper and in mixed case, names and folders starting with . or _). Both find the same
 * pictures; for each, the CSV's class is the CLI's top-1 and its probability the CLI's to the CSV's 6 decimals; the
 * Parquet's class index, class name and every class's probability equal the CLI's within 1e-6 (the CLI classifies one
 * picture at a time, spark predict in batches of 3).
 *
 * <p>An IT (failsafe, after the cluster ITs) rather than a unit test so that this module does not depend on
 * convnet4j-cli: the CI's parallel reactor build ({@code mvn -T 2}) then builds this module while io, serve and cli
 * build and test, and this class waits for the CLI's jar ({@code -Dconvnet4j.cli.jar.waitSeconds}, which .ci/run
 * gives; 0 by default: refused at once). A sequential build of the whole tree builds convnet4j-cli first (it comes
 * first in the parent's module list); {@code -pl convnet4j-spark} needs {@code convnet4j-cli} in the list too.
 */
class SparkPredictAgainstPredictIT {
    @TempDir
    static Path dir;

    @AfterAll
    static void stopSession() {
        // this class runs in the failsafe JVM the cluster ITs share: it leaves no session to the next class
        TestSpark.stopIfRunning();
    }

    @Test
    void sparkPredictAnswersAsTheMainCliPredictOnTheSameFolder() throws Exception {
        Path model = TestSpark.lenetFile(Files.createDirectories(dir.resolve("model")), List.of("horizontal", "vertical"));
        Path pictures = TestSpark.stripeFolder(dir.resolve("pictures"), 4, 23);
        Random r = new Random(29);
        Files.createDirectories(pictures.resolve("vertical/more"));
        Images.write(TestSpark.stripes(false, r), pictures.resolve("vertical/more/deeper-1.PNG"));
        Images.write(TestSpark.stripes(true, r), pictures.resolve("horizontal/photo-1.jpg"));
        Images.write(TestSpark.stripes(false, r), pictures.resolve("vertical/photo-2.JPEG"));
        Images.write(TestSpark.stripes(true, r), pictures.resolve("horizontal/scan-3.Png"));
        // names Spark's binaryFile index leaves out without a word (predict DIR takes them)
        Files.createDirectories(pictures.resolve("_drafts"));
        Files.createDirectories(pictures.resolve("vertical/.thumbs"));
        Images.write(TestSpark.stripes(true, r), pictures.resolve("horizontal/.dot-4.png"));
        Images.write(TestSpark.stripes(false, r), pictures.resolve("vertical/_under-5.png"));
        Images.write(TestSpark.stripes(false, r), pictures.resolve("_drafts/draft-6.png"));
        Images.write(TestSpark.stripes(true, r), pictures.resolve("vertical/.thumbs/thumb-7.png"));

        Map<Path, JsonObject> cli = mainCliPredict(model, pictures);
        assertEquals(16, cli.size(), "pictures the main CLI's predict found: " + cli.keySet());

        SparkSession spark = TestSpark.session();
        Path csv = dir.resolve("answers.csv");
        Path parquet = dir.resolve("answers.parquet");
        for (Path out : List.of(csv, parquet)) {
            String[] run = CliRun.run("predict", "--master", "local[2]", "--model", model.toString(), "--images",
                    pictures.toString(), "-o", out.toString(), "--batch", "3", "--partitions", "2");
            assertEquals("0", run[0], run[2]);
        }

        // the CSV: top-1 class and its probability (6 decimals)
        List<String> lines = Files.readAllLines(csv);
        assertEquals("path,class,probability", lines.get(0));
        Map<Path, String[]> rows = new TreeMap<>();
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.split(",");
            rows.put(local(f[0]), f);
        }
        assertEquals(cli.keySet(), rows.keySet(), "the pictures spark predict found (CSV)");
        for (Map.Entry<Path, JsonObject> e : cli.entrySet()) {
            JsonObject top1 = e.getValue().getAsJsonArray("top").get(0).getAsJsonObject();
            String[] row = rows.get(e.getKey());
            assertEquals(top1.get("class").getAsString(), row[1], "top-1 class of " + e.getKey());
            assertEquals(top1.get("probability").getAsDouble(), Double.parseDouble(row[2]), 1e-6,
                    "top-1 probability of " + e.getKey());
        }

        // the Parquet: class index, class name and every class's probability
        Map<Path, Row> stored = new TreeMap<>();
        for (Row row : spark.read().parquet(parquet.toString()).select("path", "class", "prediction", "probability",
                "error").collectAsList()) {
            assertTrue(row.isNullAt(4), row.toString());
            stored.put(local(row.getString(0)), row);
        }
        assertEquals(cli.keySet(), stored.keySet(), "the pictures spark predict found (Parquet)");
        double worst = 0;
        for (Map.Entry<Path, JsonObject> e : cli.entrySet()) {
            Row row = stored.get(e.getKey());
            Vector p = row.getAs(3);
            List<JsonElement> top = new ArrayList<>();
            e.getValue().getAsJsonArray("top").forEach(top::add);
            assertEquals(p.size(), top.size(), "classes of " + e.getKey());
            JsonObject top1 = top.get(0).getAsJsonObject();
            assertEquals(top1.get("class").getAsString(), row.getString(1), "class of " + e.getKey());
            assertEquals(top1.get("label").getAsInt(), (int) row.getDouble(2), "class index of " + e.getKey());
            for (JsonElement t : top) {
                JsonObject c = t.getAsJsonObject();
                double want = c.get("probability").getAsDouble();
                double got = p.apply(c.get("label").getAsInt());
                assertEquals(want, got, 1e-6, c.get("class").getAsString() + " probability of " + e.getKey());
                worst = Math.max(worst, Math.abs(want - got));
            }
        }
        System.out.printf("SparkPredictAgainstPredictIT: %d pictures, the same classes; probabilities within %.2g of"
                + " the main CLI's predict%n", cli.size(), worst);
    }

    /** A spark predict path (a file: URI) as a local path. */
    private static Path local(String path) {
        return Path.of(URI.create(path)).toAbsolutePath().normalize();
    }

    /**
     * {@code java -jar convnet4j-cli/target/convnet4j.jar predict -m MODEL --json -k 2 FOLDER} in a child JVM (the JVM
     * options of this module's child JVMs); its answers by picture (absolute path).
     */
    private static Map<Path, JsonObject> mainCliPredict(Path model, Path pictures) throws Exception {
        Path jar = mainCliJar();
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.addAll(Arrays.stream(System.getProperty("convnet4j.spark.testJvmArgs", "").trim().split("\\s+"))
                .filter(a -> !a.isEmpty()).toList());
        cmd.addAll(List.of("-Xmx512m", "-Xss4m", "-jar", jar.toString(), "predict", "-m", model.toString(), "--json",
                "-k", "2", pictures.toString()));
        Path out = dir.resolve("cli-predict.json");
        Path err = dir.resolve("cli-predict.err");
        Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        assertTrue(p.waitFor(180, TimeUnit.SECONDS), "the main CLI's predict did not finish");
        assertEquals(0, p.exitValue(), "the main CLI's predict: " + Files.readString(err));
        JsonObject answers = JsonParser.parseString(Files.readString(out, StandardCharsets.UTF_8)).getAsJsonObject();
        Map<Path, JsonObject> byPicture = new TreeMap<>();
        for (JsonElement a : answers.getAsJsonArray("predictions")) {
            JsonObject o = a.getAsJsonObject();
            byPicture.put(Path.of(o.get("image").getAsString()).toAbsolutePath().normalize(), o);
        }
        return byPicture;
    }

    /**
     * The main CLI's jar, built by convnet4j-cli's package phase; refused when it is older than that module's classes
     * (a build that stopped before package: {@code mvn test}), which it would otherwise test instead of this tree's
     * CLI. With {@code -Dconvnet4j.cli.jar.waitSeconds=N} (.ci/run: its {@code mvn -T 2} builds convnet4j-cli at the
     * same time as this module, which no longer depends on it) a missing, older or half-written jar is waited for, up
     * to N seconds; the refusal then names what is still wrong.
     */
    private static Path mainCliJar() throws Exception {
        Path jar = Path.of(System.getProperty("convnet4j.cli.jar", "../convnet4j-cli/target/convnet4j.jar"));
        long wait = Long.getLong("convnet4j.cli.jar.waitSeconds", 0);
        long deadline = System.nanoTime() + wait * 1_000_000_000L;
        long t0 = System.nanoTime();
        String wrong;
        while ((wrong = notReady(jar)) != null && System.nanoTime() < deadline) {
            Thread.sleep(2000);
        }
        assertTrue(wrong == null, wrong + (wait > 0 ? " (waited " + wait + " s)" : ""));
        if (System.nanoTime() - t0 > 1_000_000_000L) {
            System.out.printf(java.util.Locale.ROOT, "SparkPredictAgainstPredictIT: waited %.0f s for %s%n",
                    (System.nanoTime() - t0) / 1e9, jar);
        }
        return jar;
    }

    /** Why {@code jar} cannot be the CLI's jar of this tree yet, or null when it can. */
    private static String notReady(Path jar) throws IOException {
        if (!Files.isRegularFile(jar)) {
            return "no main CLI jar at " + jar.toAbsolutePath() + " (convnet4j-cli's package phase builds it: mvn verify)";
        }
        long built = Files.getLastModifiedTime(jar).toMillis();
        Path classes = jar.resolveSibling("classes");
        if (Files.isDirectory(classes)) {
            try (Stream<Path> files = Files.walk(classes)) {
                List<Path> newer = files.filter(Files::isRegularFile).filter(f -> {
                    try {
                        return Files.getLastModifiedTime(f).toMillis() > built;
                    } catch (IOException e) {
                        return true;
                    }
                }).limit(3).toList();
                if (!newer.isEmpty()) {
                    return jar + " is older than the CLI's classes " + newer
                            + " (convnet4j-cli's package phase rebuilds it: mvn verify)";
                }
            }
        }
        // the shade plugin may be writing it right now: whole once its central directory and manifest read
        try (java.util.jar.JarFile f = new java.util.jar.JarFile(jar.toFile())) {
            if (f.getManifest() == null || f.getManifest().getMainAttributes().getValue("Main-Class") == null) {
                return jar + " has no Main-Class in its manifest";
            }
        } catch (IOException e) {
            return jar + " is not a whole jar yet: " + e;
        }
        return null;
    }
}

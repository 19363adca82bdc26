package org.convnet4j.spark.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.Transformer;
import org.apache.spark.sql.Row;
import org.convnet4j.spark.ConvNetFeaturizer;
import org.convnet4j.spark.TestSpark;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Undecodable pictures among good ones, as a user meets them with the spark commands: by default each is an error
 * row and counted in the summary; with {@code --fail-fast} the job stops on it in one line (exit 2) and leaves no
 * output, no temporaries. The {@code --fail-fast} runs are in a child JVM: what the user sees on stderr depends on
 * the logging set-up, which is SparkMain's alone there.
 */
class SparkCliBadPicturesTest {
    @TempDir
    static Path dir;
    static Path model;
    static Path labelled;

    @BeforeAll
    static void files() throws Exception {
        TestSpark.session(); // the in-process commands run in it (and leave it running for the checks after them)
        model = TestSpark.lenetFile(dir, List.of("horizontal", "vertical"));
        labelled = TestSpark.stripeFolder(dir.resolve("labelled"), 6, 19);
        Files.write(labelled.resolve("vertical").resolve("broken.png"), new byte[] {(byte) 0x89, 'P', 'N', 'G', 1, 2});
        // beside the class folders: no class, left out of transfer's fit and counted; predict classifies them
        Files.copy(labelled.resolve("vertical/vertical-0.png"), labelled.resolve("loose-b.png"));
        Files.copy(labelled.resolve("horizontal/horizontal-0.png"), labelled.resolve("loose-a.png"));
    }

    /**
     * spark transfer leaves an undecodable picture out of the fit and says so (it used to fail the job on it with
     * no way to go on); the saved pipeline's featurizer reports such pictures as error rows; predict from it counts
     * the broken picture. Pictures beside the class folders are left out and counted in one line, as transfer does
     * (they were left out without a word).
     */
    @Test
    void transferLeavesUndecodablePicturesOutOfTheFitAndCountsThem() throws Exception {
        Path pipeline = dir.resolve("out/stripes");
        // 5 logistic-regression iterations (each a Spark job): the counts and stages are checked, not the fit
        String[] r = CliRun.run("transfer", "--master", "local[2]", "--base", model.toString(), "--images",
                labelled.toString(), "-o", pipeline.toString(), "--max-iter", "5");
        assertEquals("0", r[0], r[2]);
        assertTrue(r[1].contains("case 1: 12 pictures of 2 classes"), r[1]);
        assertTrue(r[2].contains("1 of 13 pictures could not be decoded and were left out (first: ")
                && r[2].contains("broken.png"), r[2]);
        assertTrue(r[2].contains("2 pictures outside any class folder were left out: first file:" + labelled.resolve(
                "loose-a.png") + "\n"), r[2]);
        PipelineModel fitted = PipelineModel.load(pipeline.toString());
        assertEquals(4, fitted.stages().length);
        for (Transformer t : fitted.stages()) {
            if (t instanceof ConvNetFeaturizer f) {
                assertFalse(f.getFailFast(), "saved as the command ran: error rows, not a failed job");
            }
        }
        try (Stream<Path> s = Files.list(pipeline.getParent())) {
            assertEquals(List.of("stripes"), s.map(p -> p.getFileName().toString()).toList(), "no temporaries");
        }
        r = CliRun.run("predict", "--master", "local[2]", "--model", pipeline.toString(), "--images",
                labelled.toString(), "-o", dir.resolve("answers.csv").toString());
        assertEquals("0", r[0], r[2]);
        assertTrue(r[2].contains("15 pictures, 14 classified, 1 could not be decoded (first: "), r[2]);
        assertEquals(15, Files.readAllLines(dir.resolve("answers.csv")).size(), "header and 14 rows");
    }

    /**
     * Every picture the user gave is accounted for: an empty file is an error row in predict's words ("empty file, not
     * an image") and counted in the summary, names starting with . or _ are classified. Spark's binaryFile index left
     * all three out without a word (the summary said 4 pictures, 0 could not be decoded).
     */
    @Test
    void anEmptyPictureIsAnErrorRowAndDotOrUnderscoreNamesAreClassified() throws Exception {
        Path folder = TestSpark.stripeFolder(dir.resolve("every"), 2, 41);
        Files.createFile(folder.resolve("vertical/empty.png"));
        Files.copy(folder.resolve("vertical/vertical-0.png"), folder.resolve("vertical/.dot.png"));
        Files.copy(folder.resolve("horizontal/horizontal-0.png"), folder.resolve("horizontal/_under.png"));
        Path parquet = dir.resolve("every.parquet");
        String[] r = CliRun.run("predict", "--master", "local[2]", "--model", model.toString(), "--images",
                folder.toString(), "-o", parquet.toString());
        assertEquals("0", r[0], r[2]);
        assertTrue(r[2].contains("7 pictures, 6 classified, 1 could not be decoded (first: ")
                && r[2].contains("empty.png: empty file, not an image)"), r[2]);
        List<Row> rows = TestSpark.session().read().parquet(parquet.toString()).select("path", "class", "error")
                .orderBy("path").collectAsList();
        assertEquals(List.of("_under.png", "horizontal-0.png", "horizontal-1.png", ".dot.png", "empty.png",
                "vertical-0.png", "vertical-1.png"), rows.stream().map(x -> Path.of(x.getString(0)).getFileName()
                .toString()).toList());
        for (Row x : rows) {
            boolean empty = x.getString(0).endsWith("/empty.png");
            assertEquals(empty, !x.isNullAt(2), x.toString());
            assertEquals(empty, x.isNullAt(1), x.toString());
        }
        Path csv = dir.resolve("every-features.csv");
        r = CliRun.run("featurize", "--master", "local[2]", "--model", model.toString(), "--images", folder.toString(),
                "-o", csv.toString());
        assertEquals("0", r[0], r[2]);
        assertTrue(r[2].contains("7 pictures, 1 could not be decoded;"), r[2]);
        assertEquals(7, Files.readAllLines(csv).size(), "header and 6 rows");
    }

    @Test
    void transferWithoutAnyDecodablePictureFailsInOneLine() throws Exception {
        Path bad = dir.resolve("all-broken");
        for (String c : List.of("a", "b")) {
            Files.createDirectories(bad.resolve(c));
            Files.write(bad.resolve(c).resolve("x.png"), new byte[] {(byte) 0x89, 'P', 'N', 'G', 7});
        }
        String[] r = CliRun.run("transfer", "--master", "local[2]", "--base", model.toString(), "--images",
                bad.toString(), "-o", dir.resolve("none").toString());
        assertEquals("2", r[0], r[2]);
        assertEquals(1, r[2].strip().lines().count(), r[2]);
        assertTrue(r[2].contains("none of the 2 pictures could be decoded (first: "), r[2]);
        assertFalse(Files.exists(dir.resolve("none")));
    }

    /** spark transfer --fail-fast (the option did not exist) and spark predict --fail-fast to Parquet. */
    @Test
    void failFastStopsOnTheBrokenPictureInOneLineAndLeavesNothing() throws Exception {
        Path out = Files.createDirectories(dir.resolve("ff"));
        // both in one child JVM (one JVM start less), each command with a session of its own as for a user
        List<List<String>> lines = CliRun.children(new int[] {2, 2}, List.of(
                List.of("transfer", "--master", "local[2]", "--fail-fast", "--base", model.toString(), "--images",
                        labelled.toString(), "-o", out.resolve("pipeline").toString()),
                List.of("predict", "--master", "local[2]", "--fail-fast", "--model", model.toString(), "--images",
                        labelled.toString(), "-o", out.resolve("answers.parquet").toString())));
        assertOneLineNamingTheBrokenPicture(lines.get(0), "convnet4j spark transfer: ");
        assertOneLineNamingTheBrokenPicture(lines.get(1), "convnet4j spark predict: ");
        try (Stream<Path> s = Files.list(out)) {
            assertEquals(List.of(), s.toList(), "no output, no partial output, no temporaries");
        }
    }

    private static void assertOneLineNamingTheBrokenPicture(List<String> lines, String prefix) {
        String all = String.join("\n", lines);
        List<String> errors = lines.stream().filter(l -> !l.startsWith("convnet4j spark: WARNING: ")).toList();
        assertEquals(1, errors.size(), all);
        assertTrue(errors.get(0).startsWith(prefix) && errors.get(0).contains("broken.png: "), all);
        assertFalse(all.contains("Exception") || all.contains("\tat "), all);
    }
}

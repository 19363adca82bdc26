package org.convnet4j.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.convnet4j.data.ImageFolderDataset;
import org.convnet4j.data.OnBadFile;
import org.convnet4j.model.Preprocessing;
import org.convnet4j.tensor.Shape;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The spark commands find the pictures of a folder as the main CLI finds them. Spark's binaryFile index left out,
 * without a word, empty files and every name (file or folder) starting with . or _: an empty picture got no row and
 * no count, and {@code spark train} left the same names out. Here: {@link PictureFiles} lists as {@code predict DIR}
 * ({@link ImageFolderDataset#pictureFiles}), {@link PictureFolder} as {@code train}, and {@link PictureFiles#labelled}
 * gives a picture the class of the class folder it is below, as {@code transfer}.
 */
class PictureFilesTest {
    @TempDir
    static Path dir;
    static Path folder;

    @BeforeAll
    static void folder() throws Exception {
        folder = TestSpark.stripeFolder(dir.resolve("every"), 2, 37);
        Path v = folder.resolve("vertical");
        Files.createFile(v.resolve("empty.png"));
        Files.copy(v.resolve("vertical-0.png"), v.resolve(".dot.png"));
        Files.copy(v.resolve("vertical-1.png"), v.resolve("_under.PNG"));
        Files.createDirectories(v.resolve(".thumbs"));
        Files.copy(v.resolve("vertical-0.png"), v.resolve(".thumbs/thumb.png"));
        Files.createDirectories(folder.resolve("_drafts/deeper"));
        Files.copy(v.resolve("vertical-1.png"), folder.resolve("_drafts/deeper/draft.png"));
        Files.createDirectories(folder.resolve(".git"));
        Files.copy(v.resolve("vertical-1.png"), folder.resolve(".git/not-a-class.png"));
        Files.copy(v.resolve("vertical-1.png"), folder.resolve("outside-any-class.png"));
        Files.writeString(v.resolve("notes.txt"), "not a picture");
    }

    @Test
    void readFindsEveryPicturePredictFindsEmptyOnesAndDotOrUnderscoreNamesIncluded() throws Exception {
        SparkSession spark = TestSpark.session();
        Map<Path, Row> rows = new TreeMap<>();
        for (Row r : PictureFiles.read(spark, folder.toString(), 3).collectAsList()) {
            rows.put(local(r.getString(0)), r);
        }
        assertEquals(new ArrayList<>(ImageFolderDataset.pictureFiles(folder)), new ArrayList<>(rows.keySet()));
        assertEquals(11, rows.size(), rows.keySet().toString());
        Row empty = rows.get(folder.resolve("vertical/empty.png"));
        assertEquals(0, empty.getLong(2));
        assertEquals(0, ((byte[]) empty.getAs("content")).length, "an empty file keeps its row, with no bytes");
        Path dot = folder.resolve("vertical/.dot.png");
        assertArrayEquals(Files.readAllBytes(dot), (byte[]) rows.get(dot).getAs("content"));
        assertEquals(Files.size(dot), rows.get(dot).getLong(2));
    }

    /**
     * A file gone between the listing and the read is an error row naming it and why (the task used to fail, and
     * the job with it after Spark's retries), reported by the stage as a picture that cannot be decoded is.
     */
    @Test
    void aFileGoneSinceTheListingIsAnErrorRowNotAFailedJob() throws Exception {
        SparkSession spark = TestSpark.session();
        Path few = TestSpark.stripeFolder(dir.resolve("few"), 2, 43);
        Path model = TestSpark.lenetFile(Files.createDirectories(dir.resolve("model")), List.of("horizontal", "vertical"));
        Dataset<Row> pictures = PictureFiles.read(spark, few.toString(), 2); // listed now, read when the job runs
        Path gone = few.resolve("vertical/vertical-1.png");
        Files.delete(gone);
        Map<Path, Row> rows = new TreeMap<>();
        for (Row r : ConvNetClassifierModel.fromFile(spark, model.toString()).transform(pictures)
                .select("path", "content", Pictures.READ_ERROR, "className", "error").collectAsList()) {
            rows.put(local(r.getString(0)), r);
        }
        assertEquals(4, rows.size(), rows.keySet().toString());
        for (Map.Entry<Path, Row> e : rows.entrySet()) {
            Row r = e.getValue();
            boolean isGone = e.getKey().equals(gone);
            assertEquals(isGone, r.isNullAt(1), r.toString());
            assertEquals(isGone, !r.isNullAt(4), r.toString());
            assertEquals(isGone, r.isNullAt(3), r.toString());
            if (isGone) {
                assertTrue(r.getString(4).startsWith(r.getString(0) + ": cannot read: "), r.getString(4));
                assertEquals(r.getString(2), r.getString(4), "the stage reports the read's reason");
            }
        }
    }

    @Test
    void labelledGivesTheClassFolderAPictureIsBelowAsTransferDoes() throws Exception {
        SparkSession spark = TestSpark.session();
        PictureFiles.Labelled found = PictureFiles.labelled(spark, folder.toString(), 2);
        Dataset<Row> labelled = found.pictures();
        Map<String, String> classes = new TreeMap<>();
        for (Row r : labelled.select("path", "label_name").collectAsList()) {
            classes.put(folder.relativize(local(r.getString(0))).toString(), r.getString(1));
        }
        Map<String, String> expected = new TreeMap<>();
        ImageFolderDataset local = ImageFolderDataset.builder(folder).onBadFile(OnBadFile.SKIP)
                .build();
        for (int i = 0; i < local.size(); i++) {
            expected.put(folder.relativize(local.file(i)).toString(), local.classNames().get(local.label(i)));
        }
        for (ImageFolderDataset.Skipped s : local.skipped()) { // the empty file: an error row of its class
            expected.put(folder.relativize(s.file()).toString(), "vertical");
        }
        assertEquals(expected, classes);
        assertEquals("_drafts", classes.get("_drafts/deeper/draft.png"), "the class folder, not the nearest folder");
        // the picture beside the class folders: left out by both, and counted by both (spark transfer said nothing)
        assertEquals(List.of(folder.resolve("outside-any-class.png")), local.outsideClassFolders());
        assertEquals(local.outsideClassFolders().size(), found.outside());
        assertEquals(classes.size(), found.count());
        assertEquals("1 picture outside any class folder was left out: file:" + folder.resolve("outside-any-class.png"),
                found.outsideLine().orElseThrow());
    }

    /**
     * Listing asks no file for its permissions, owner or group. Through {@code listFiles} every file became a
     * {@code LocatedFileStatus}, which copies them, and Hadoop's local file system (without its native library, as
     * on a plain Java install) started an {@code ls -ld} process per file: {@code spark predict} on 1,000 pictures
     * ran at 387 pictures/s where the old binaryFile reading ran at 1,231-1,290 (docs/SCALE.md).
     */
    @Test
    void listingAsksNoFileForItsPermissions() throws Exception {
        org.apache.hadoop.conf.Configuration plain = new org.apache.hadoop.conf.Configuration();
        org.apache.hadoop.conf.Configuration strict = new org.apache.hadoop.conf.Configuration();
        strict.set("fs.file.impl", NoPermissionsFileSystem.class.getName());
        strict.setBoolean("fs.file.impl.disable.cache", true);
        List<String> expected = new ArrayList<>();
        for (org.apache.hadoop.fs.FileStatus f : PictureFiles.list(folder.toString(), plain)) {
            expected.add(f.getPath().toString());
        }
        List<String> listed = new ArrayList<>();
        for (org.apache.hadoop.fs.FileStatus f : PictureFiles.list(folder.toString(), strict)) {
            listed.add(f.getPath().toString());
        }
        assertTrue(expected.size() >= 10, "the folder's pictures: " + expected.size());
        assertEquals(expected, listed);
        Preprocessing prep = Preprocessing.forInput(Shape.of(1, 28, 28));
        PictureFolder a = PictureFolder.list(folder.toString(), prep, plain);
        PictureFolder b = PictureFolder.list(folder.toString(), prep, strict);
        assertEquals(a.classNames(), b.classNames());
        assertEquals(a.size(), b.size());
    }

    @Test
    void sparkTrainListsTheClassFoldersAndPicturesTrainLists() throws Exception {
        SparkSession spark = TestSpark.session();
        PictureFolder listed = PictureFolder.list(folder.toString(), Preprocessing.forInput(Shape.of(1, 28, 28)),
                spark.sparkContext().hadoopConfiguration());
        ImageFolderDataset local = ImageFolderDataset.builder(folder).onBadFile(OnBadFile.SKIP).build();
        assertEquals(List.of("_drafts", "horizontal", "vertical"), local.classNames());
        assertEquals(local.classNames(), listed.classNames());
        Map<Path, String> a = new TreeMap<>();
        for (int i = 0; i < local.size(); i++) {
            a.put(local.file(i), local.classNames().get(local.label(i)));
        }
        for (ImageFolderDataset.Skipped s : local.skipped()) { // train skips it when decoding, spark train too
            a.put(s.file(), "vertical");
        }
        Map<Path, String> b = new TreeMap<>();
        for (int i = 0; i < listed.size(); i++) {
            b.put(local(listed.file(i)), listed.classNames().get(listed.label(i)));
        }
        assertEquals(a, b);
        // the picture beside the class folders: left out by both, and counted in the same words (spark train said nothing)
        assertEquals(List.of(folder.resolve("outside-any-class.png")), local.outsideClassFolders());
        assertEquals(java.util.Optional.of("1 picture outside any class folder was left out: file:"
                + folder.resolve("outside-any-class.png")), listed.outsideClassFoldersLine());
    }

    private static Path local(String path) {
        return Path.of(URI.create(path)).toAbsolutePath().normalize();
    }
}

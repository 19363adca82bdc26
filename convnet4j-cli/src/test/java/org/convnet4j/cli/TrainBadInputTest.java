package org.convnet4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.convnet4j.data.FashionMnist;
import org.convnet4j.image.Images;
import org.convnet4j.model.ModelFiles;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.zoo.ModelZoo;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** train/evaluate/predict refuse bad input with one line on stderr and exit code 2. */
class TrainBadInputTest {
    @TempDir
    Path dir;

    private static void assertBadInput(CliRun run, String... fragments) {
        assertEquals(2, run.exitCode(), run.err());
        assertEquals(1, run.errLines(), "one line: " + run.err());
        for (String f : fragments) {
            assertTrue(run.err().contains(f), "'" + f + "' in: " + run.err());
        }
    }

    private static void needsFashionMnist() {
        Assumptions.assumeTrue(Files.isDirectory(Path.of(FashionMnist.DEBIAN_DIR)), "Fashion-MNIST not installed");
    }

    @Test
    void missingDatasetFolder() {
        assertBadInput(CliRun.of("train", "--data", dir.resolve("nowhere").toString(), "--out",
                dir.resolve("m.c4j").toString()), "nowhere", "no such directory");
        assertFalse(Files.exists(dir.resolve("m.c4j")));
    }

    @Test
    void divergedRunSaysNoCheckpointWasWritten() throws Exception {
        Path data = dir.resolve("pictures");
        for (String cls : new String[] {"a", "b"}) {
            Files.createDirectories(data.resolve(cls));
            for (int i = 0; i < 8; i++) {
                Tensor t = Tensor.zeros(1, 28, 28);
                java.util.Arrays.fill(t.data(), cls.equals("a") ? 10 + i : 200 - i);
                Images.write(t, data.resolve(cls).resolve(i + ".png"));
            }
        }
        Path out = dir.resolve("m.c4j");
        // a learning rate near float32's largest number breaks the weights in the first steps
        assertBadInput(CliRun.of("train", "--data", data.toString(), "--optimizer", "sgd", "--lr", "3e38", "--batch",
                "4", "--val-split", "0", "--epochs", "1", "--out", out.toString(), "--no-progress"),
                "training diverged", "no epoch finished, so no checkpoint was written");
        assertFalse(Files.exists(out));
        assertFalse(Files.exists(dir.resolve("m.last.c4j")));
    }

    @Test
    void corruptedModelFile() throws Exception {
        Path model = dir.resolve("m.c4j");
        ModelFiles.save(ModelZoo.build("lenet5", null, 10), model);
        byte[] b = Files.readAllBytes(model);
        b[b.length - 100] ^= 0x10;
        Files.write(model, b);
        Path png = dir.resolve("x.png");
        Images.write(Tensor.zeros(1, 28, 28), png);
        assertBadInput(CliRun.of("predict", "--model", model.toString(), png.toString()), "corrupted");
        assertBadInput(CliRun.of("evaluate", "--model", model.toString(), "--data", dir.toString()), "corrupted");
        assertBadInput(CliRun.of("train", "--resume", model.toString()), "corrupted");
    }

    @Test
    void notAModelFileAtAll() throws Exception {
        Path junk = Files.writeString(dir.resolve("junk.c4j"), "this is not a checkpoint");
        Path png = dir.resolve("x.png");
        Images.write(Tensor.zeros(1, 28, 28), png);
        CliRun run = CliRun.of("predict", "--model", junk.toString(), png.toString());
        assertEquals(2, run.exitCode(), run.err());
        assertTrue(run.err().contains("junk.c4j"), run.err());
    }

    @Test
    void checkpointOfAnotherArchitecture() {
        needsFashionMnist();
        Path classic = dir.resolve("classic.c4j");
        CliRun train = CliRun.of("train", "--model", "lenet5-classic", "--limit", "26", "--epochs", "1", "--out",
                classic.toString(), "--no-progress");
        assertEquals(0, train.exitCode(), train.err());
        assertBadInput(CliRun.of("train", "--resume", classic.toString(), "--model", "lenet5", "--epochs", "2",
                "--no-progress"), "different architecture", "Sigmoid", "ReLU");
    }

    @Test
    void modelSavedWithoutTrainingStateCannotBeResumed() throws Exception {
        Path model = dir.resolve("plain.c4j");
        ModelFiles.save(ModelZoo.build("lenet5", null, 10), model);
        assertBadInput(CliRun.of("train", "--resume", model.toString()), "resumed");
    }

    @Test
    void inputShapeTheModelDoesNotAccept() {
        needsFashionMnist();
        // LeNet-5 cannot shrink 8x8 through two convolutions and two poolings
        assertBadInput(CliRun.of("train", "--input", "1x8x8", "--limit", "26", "--out", dir.resolve("a.c4j").toString()),
                "8");
        // Fashion-MNIST pictures are 1x28x28; a 3x32x32 model gets them converted, and is told so
        CliRun colour = CliRun.of("train", "--input", "3x32x32", "--limit", "2", "--epochs", "1", "--val-split", "0",
                "--no-progress", "--out", dir.resolve("b.c4j").toString());
        assertEquals(0, colour.exitCode(), colour.err());
        assertTrue(colour.out().contains("converting: fashion-mnist: pictures [1, 28, 28] converted to the model's input"
                + " [3, 32, 32]"), colour.out());
        assertBadInput(CliRun.of("train", "--input", "28x28"), "CxHxW");
    }

    @Test
    void evaluationDataWithOtherClasses() throws Exception {
        Path model = dir.resolve("m.c4j");
        ModelFiles.save(ModelZoo.build("lenet5", null, 10), model);
        Path data = dir.resolve("three");
        for (String c : new String[] {"a", "b", "c"}) {
            Files.createDirectories(data.resolve(c));
            Images.write(Tensor.zeros(1, 10, 10), data.resolve(c).resolve("1.png"));
        }
        assertBadInput(CliRun.of("evaluate", "--model", model.toString(), "--data", data.toString()),
                "10 classes", "3");
    }

    @Test
    void unreadablePictureToPredict() throws Exception {
        Path model = dir.resolve("m.c4j");
        ModelFiles.save(ModelZoo.build("lenet5", null, 10), model);
        Path bad = Files.writeString(dir.resolve("bad.png"), "not a png");
        assertBadInput(CliRun.of("predict", "--model", model.toString(), bad.toString()), "bad.png");
    }

    @Test
    void divergingTrainingStopsWithAClearMessage() {
        needsFashionMnist();
        Path out = dir.resolve("nan.c4j");
        CliRun run = CliRun.of("train", "--limit", "26", "--epochs", "1", "--optimizer", "sgd", "--lr", "1e6",
                "--out", out.toString(), "--no-progress");
        assertEquals(2, run.exitCode(), run.err());
        assertTrue(run.err().contains("training diverged"), run.err());
        assertTrue(run.err().lines().anyMatch(l -> l.contains("training diverged") && l.contains("checkpoint")), run.err());
    }

    @Test
    void badOptionValues() {
        assertBadInput(CliRun.of("train", "--model", "alexnet9"), "unknown model 'alexnet9'", "lenet5");
        assertBadInput(CliRun.of("train", "--optimizer", "rmsprop"), "rmsprop");
        assertBadInput(CliRun.of("train", "--val-split", "1.5"), "--val-split");
        assertBadInput(CliRun.of("train", "--val-split", "0", "--patience", "2"), "--patience needs validation");
        assertBadInput(CliRun.of("train", "--out", dir.resolve("no/such/dir/m.c4j").toString()), "does not exist");
    }
}

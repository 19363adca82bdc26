package org.convnet4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import java.nio.file.Path;
import org.convnet4j.internal.json.Json;
import org.convnet4j.data.FashionMnist;
import org.convnet4j.io.onnx.OnnxExporter;
import org.convnet4j.io.weights.ModelLoader;
import org.convnet4j.model.ModelFiles;
import org.convnet4j.model.SavedModel;
import org.convnet4j.nn.Sequential;
import org.convnet4j.train.TrainConfig;
import org.convnet4j.train.Trainer;
import org.convnet4j.train.optim.Adam;
import org.convnet4j.zoo.LeNet5;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Imported model files (ONNX, Keras .h5) as transfer bases and in evaluate. */
class ImportedBaseTest {
    private static final Path KERAS = Path.of("../convnet4j-io/src/test/resources/fixtures/keras");
    @TempDir
    static Path dir;
    static Path onnx;
    static Sequential lenet;

    @BeforeAll
    static void exportALeNet() throws Exception {
        lenet = LeNet5.build();
        lenet.initialize(3);
        // a little training so that evaluate has something better than chance to report
        Trainer.fit(lenet, org.convnet4j.data.Datasets.subset(FashionMnist.train(), 1000), null,
                TrainConfig.builder(new Adam(lenet, 0.003)).epochs(1).batchSize(50).seed(1).build());
        onnx = dir.resolve("lenet.onnx");
        OnnxExporter.export(lenet, onnx);
    }

    @Test
    void onnxBaseWorksForBottleneckAndFineTuning() {
        Path out = dir.resolve("from-onnx.c4j");
        CliRun c1 = CliRun.of("transfer", "--base", onnx.toString(), "--case", "1", "--data", "fashion-mnist:5-9",
                "--limit", "20", "--test-limit", "20", "--out", out.toString(), "--json", "--no-progress", "--cache",
                dir.resolve("cache").toString());
        assertEquals(0, c1.exitCode(), c1.err());
        JsonObject o = Json.parseObject(c1.out().strip(), "stdout");
        assertEquals(1, o.get("case").getAsInt());
        assertTrue(o.get("test_accuracy").getAsDouble() > 0.4, c1.out()); // 5 classes: chance 0.2
        CliRun c2 = CliRun.of("transfer", "--base", onnx.toString(), "--case", "2", "--data", "fashion-mnist:5-9",
                "--limit", "8", "--test-limit", "5", "--epochs", "1", "--out", dir.resolve("c2.c4j").toString(),
                "--no-progress");
        assertEquals(0, c2.exitCode(), c2.err());
        assertTrue(c2.out().contains("trained: "), c2.out());
    }

    @Test
    void kerasH5BaseWorksWithResize() throws Exception {
        Path out = dir.resolve("from-h5.c4j");
        CliRun r = CliRun.of("transfer", "--base", KERAS.resolve("vgg16.h5").toString(), "--case", "1", "--resize",
                "--data", "fashion-mnist:5-9", "--limit", "6", "--test-limit", "4", "--out", out.toString(), "--json",
                "--no-progress", "--cache", dir.resolve("cache").toString());
        assertEquals(0, r.exitCode(), r.err());
        SavedModel saved = ModelFiles.read(out);
        assertEquals(java.util.List.of("Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"), saved.model().classNames());
        // the transferred model prepares pictures as the Keras base does (caffe: BGR, mean subtracted)
        assertEquals(ModelLoader.load(KERAS.resolve("vgg16.h5")).preprocessing().toJson(),
                saved.preprocessing().toJson());
        assertTrue(saved.preprocessing().mean().length == 3, saved.description().toString());
    }

    @Test
    void adviseMeasuresAnOnnxBaseWithTheLinearProbe() {
        CliRun r = CliRun.of("advise", "--base", onnx.toString(), "--data", "fashion-mnist:5-9", "--limit", "20",
                "--probe-samples", "90", "--json");
        assertEquals(0, r.exitCode(), r.err());
        JsonObject figures = Json.parseObject(r.out().strip(), "stdout").getAsJsonObject("figures");
        assertTrue(figures.get("probe_feature_accuracy").getAsDouble() > 0.4, r.out()); // 5 classes: chance 0.2
        assertTrue(!figures.has("feature_shift"), r.out()); // an ONNX file carries no feature statistics
    }

    @Test
    void evaluateReadsOnnxFilesAndGivesTheSameAccuracyAsTheOriginal() throws Exception {
        Path c4j = dir.resolve("lenet.c4j");
        ModelFiles.save(lenet, c4j);
        CliRun a = CliRun.of("evaluate", "--model", onnx.toString(), "--limit", "30", "--json");
        CliRun b = CliRun.of("evaluate", "--model", c4j.toString(), "--limit", "30", "--json");
        assertEquals(0, a.exitCode(), a.err());
        assertEquals(0, b.exitCode(), b.err());
        double accOnnx = Json.parseObject(a.out().strip(), "onnx").get("accuracy").getAsDouble();
        double accC4j = Json.parseObject(b.out().strip(), "c4j").get("accuracy").getAsDouble();
        assertEquals(accC4j, accOnnx, 1e-9);
        assertTrue(accOnnx > 0.3, a.out());
    }

    @Test
    void evaluatingAnImageNetStyleModelOnFashionMnistConvertsThePictures() {
        // the fixture is a small VGG16-shaped model with 10 outputs and Keras' caffe preprocessing
        CliRun r = CliRun.of("evaluate", "--model", KERAS.resolve("vgg16.h5").toString(), "--limit", "1");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("converting: fashion-mnist: pictures [1, 28, 28] converted to the model's input"
                + " [3, 64, 64] with its preprocessing"), r.out());
        assertTrue(r.out().contains("(10 pictures)"), r.out());
    }
}

package org.convnet4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.convnet4j.data.ArrayDataset;
import org.convnet4j.data.Dataset;
import org.convnet4j.image.Images;
import org.convnet4j.io.onnx.OnnxExporter;
import org.convnet4j.io.weights.ModelLoader;
import org.convnet4j.model.Classifications;
import org.convnet4j.model.ImageClassifier;
import org.convnet4j.model.ModelFiles;
import org.convnet4j.model.Preprocessing;
import org.convnet4j.nn.Sequential;
import org.convnet4j.run.TrainingRun;
import org.convnet4j.run.TrainingSettings;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.transfer.Bottleneck;
import org.convnet4j.transfer.FeatureCache;
import org.convnet4j.transfer.FeatureExtractor;
import org.convnet4j.transfer.FineTuneSettings;
import org.convnet4j.transfer.FineTuning;
import org.convnet4j.transfer.Transfer;
import org.convnet4j.transfer.TransferCase;
import org.convnet4j.transfer.TransferOptions;
import org.convnet4j.transfer.TransferPlan;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14, point 3: the library never prints to stdout. A child JVM (nothing of this JVM's set-up, every class
 * initialised there, so a stream a library grabbed at class initialisation is the real stdout) trains with the train
 * protocol, transfers (case 1 with each of Tribuo's classifiers, whose liblinear and libsvm print progress to
 * stdout unless silenced, and case 2), predicts from a picture file and round-trips ONNX; its stdout must be empty.
 * A control run that prints one line shows the harness sees stdout.
 */
class LibraryStdoutTest {
    @TempDir
    Path dir;

    private Process child(String... args) throws Exception {
        // the control only prints (a light JVM); the scenario trains and fits on 160 small pictures (ChildJvm.smallWork:
        // 7.4 s of CPU instead of 14.2 with C2 and the Vector API kernels, the same steps done)
        List<String> cmd = args.length > 1 ? ChildJvm.light("--add-modules", "jdk.incubator.vector")
                : ChildJvm.smallWork("--add-modules", "jdk.incubator.vector");
        cmd.add(Scenario.class.getName());
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectError(dir.resolve("stderr.txt").toFile()).start();
    }

    @Test
    void trainTransferPredictAndOnnxPrintNothingOnStdout() throws Exception {
        Process p = child(dir.toString());
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), "scenario did not finish");
        String err = Files.readString(dir.resolve("stderr.txt"));
        assertEquals(0, p.exitValue(), err);
        assertEquals("", out, "the library printed on stdout");
        // stderr holds log records only: Tribuo's per-tree INFO lines (java.util.logging's two-line form; muting them
        // is the application's choice, as the CLI does) and the JDK's incubator note; ours say nothing when all is well
        for (String line : err.lines().toList()) {
            assertTrue(line.startsWith("WARNING: Using incubator modules") || line.startsWith("INFO: Building model ")
                    || line.contains(" org.tribuo."), "unexpected stderr line: " + line);
        }
        // every step ran to its end: the scenario's record of them
        List<String> done = Files.readAllLines(dir.resolve("done.txt"));
        assertEquals(List.of("train", "case1 logreg", "case1 svm", "case1 rbf-svm", "case1 knn", "case1 forest",
                "case2", "predict", "onnx"), done.stream().map(l -> l.split(":")[0]).toList(), done.toString());
    }

    @Test
    void theHarnessSeesALinePrintedOnStdout() throws Exception {
        Process p = child(dir.toString(), "control");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), Files.readString(dir.resolve("stderr.txt")));
        assertEquals("printed" + System.lineSeparator(), out);
    }

    /** What an application does with the library, in small; a record of each step in DIR/done.txt. */
    public static final class Scenario {
        public static void main(String[] args) throws Exception {
            Path dir = Path.of(args[0]);
            if (args.length > 1) {
                System.out.println("printed");
                return;
            }
            List<String> done = new ArrayList<>();
            Dataset pictures = pictures(160, 3);

            TrainingSettings settings = TrainingSettings.builder().model("lenet5").epochs(1).batch(32).seed(1)
                    .valSplit(0.25).out(dir.resolve("base.c4j")).build();
            TrainingRun.Result trained = new TrainingRun(settings, pictures).run();
            done.add("train: " + trained.history().size() + " epoch");

            Sequential base = (Sequential) ModelFiles.load(dir.resolve("base.c4j"));
            TransferOptions options = TransferOptions.forClasses(pictures.classNames());
            for (String algorithm : List.of("logreg", "svm", "rbf-svm", "knn", "forest")) {
                Sequential c1 = Bottleneck.fit(Transfer.plan(TransferCase.BOTTLENECK, base, options), pictures,
                        algorithm, 1, new FeatureCache(dir.resolve("cache")), 64, FeatureExtractor.Progress.NONE);
                done.add("case1 " + algorithm + ": " + c1.predict(pictures.sample(0).reshape(
                        pictures.sample(0).shape().prepend(1))).size() + " outputs");
            }
            // phase 1, phase 2 and the refit all run; 2 tuning epochs instead of up to 60 (patience 10) print as much
            FineTuneSettings fine = FineTuneSettings.defaults().withMaxTuneEpochs(2);
            TransferPlan plan = Transfer.plan(TransferCase.FINE_TUNE_LAST, base, options);
            FineTuning.Result c2 = FineTuning.fit(plan, pictures, fine, line -> { });
            done.add("case2: " + c2.model().outputShape());

            Path png = dir.resolve("picture.png");
            Tensor pixels = pictures.sample(0).copy();
            for (int i = 0; i < pixels.size(); i++) {
                pixels.data()[i] *= 255;
            }
            Images.write(pixels, png);
            ModelFiles.save(c2.model(), dir.resolve("c2.c4j"), Preprocessing.forInput(base.inputShapes().get(0)));
            Classifications c = ImageClassifier.load(dir.resolve("c2.c4j")).classify(png);
            done.add("predict: " + c.best().className());

            OnnxExporter.export(c2.model(), dir.resolve("c2.onnx"));
            done.add("onnx: " + ModelLoader.load(dir.resolve("c2.onnx")).model().outputShape());
            Files.write(dir.resolve("done.txt"), done);
        }

        /** Pictures [1, 28, 28] in 0..1 whose class is the brighter third of the picture, with noise. */
        private static Dataset pictures(int n, int classes) {
            Random r = new Random(7);
            float[] x = new float[n * 28 * 28];
            int[] y = new int[n];
            for (int i = 0; i < n; i++) {
                y[i] = i % classes;
                for (int p = 0; p < 28 * 28; p++) {
                    double v = 0.3 + 0.15 * r.nextGaussian() + ((p / 28) * classes / 28 == y[i] ? 0.4 : 0);
                    x[i * 784 + p] = (float) Math.min(1, Math.max(0, v));
                }
            }
            List<String> names = new ArrayList<>();
            for (int k = 0; k < classes; k++) {
                names.add("c" + k);
            }
            return ArrayDataset.ofFloats(x, org.convnet4j.tensor.Shape.of(1, 28, 28), y, names);
        }
    }
}

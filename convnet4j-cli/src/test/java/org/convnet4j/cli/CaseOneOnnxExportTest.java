package org.convnet4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.convnet4j.io.onnx.OnnxExporter;
import org.convnet4j.nn.Sequential;
import org.convnet4j.nn.layers.Conv2d;
import org.convnet4j.nn.layers.Flatten;
import org.convnet4j.nn.layers.MaxPool2d;
import org.convnet4j.nn.layers.ReLU;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.transfer.Bottleneck;
import org.convnet4j.transfer.ShallowClassifier;
import org.convnet4j.transfer.ShallowClassifiers;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A case-1 model (a frozen network, then a Tribuo classifier fitted on its features) exports to ONNX when the
 * classifier is linear, and the file computes what the model computes: it is run by an evaluator outside our engine
 * (tools/fixtures/onnx_torch_eval.py: the ONNX nodes one by one with PyTorch, after onnx.checker's full check) on
 * the same inputs. Non-linear classifiers refuse in one line.
 */
class CaseOneOnnxExportTest {
    private static final Path EVAL = Path.of("..", "tools", "fixtures", "onnx_torch_eval.py");
    private static final Path PYTHON = Path.of("/usr/bin/python3");

    @TempDir
    Path dir;

    private static Sequential base() {
        Sequential net = new Sequential(Shape.of(1, 8, 8), new Conv2d(4, 3), new ReLU(), new MaxPool2d(2),
                new Flatten());
        net.initialize(11);
        return net;
    }

    /** Pictures whose class is the quadrant (of {@code classes}) with the brightest sum, plus noise. */
    private static Tensor pictures(int n, int classes, long seed, int[] labels) {
        Random r = new Random(seed);
        float[] x = new float[n * 64];
        for (int i = 0; i < n; i++) {
            int c = r.nextInt(classes);
            if (labels != null) {
                labels[i] = c;
            }
            for (int p = 0; p < 64; p++) {
                int quadrant = (p / 8 < 4 ? 0 : 2) + (p % 8 < 4 ? 0 : 1);
                x[i * 64 + p] = (float) (r.nextGaussian() + (quadrant == c ? 1.5 : 0));
            }
        }
        return Tensor.wrap(x, n, 1, 8, 8);
    }

    private static Sequential caseOne(String algorithm, int classes) {
        Sequential net = base();
        int n = 160;
        int[] y = new int[n];
        Tensor x = pictures(n, classes, 5, y);
        Tensor f = net.predict(x);
        int d = f.dim(1);
        float[][] rows = new float[n][];
        for (int i = 0; i < n; i++) {
            rows[i] = java.util.Arrays.copyOfRange(f.data(), i * d, (i + 1) * d);
        }
        ShallowClassifier c = ShallowClassifiers.create(algorithm, 42);
        c.fit(rows, y, classes);
        List<String> names = new ArrayList<>();
        for (int k = 0; k < classes; k++) {
            names.add("q" + k);
        }
        return Bottleneck.join(net, c, classes, names);
    }

    private float[] runOutside(Path model, Tensor x) throws Exception {
        Path in = dir.resolve("x.f32");
        Path out = dir.resolve("y.f32");
        ByteBuffer b = ByteBuffer.allocate(4 * x.size()).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(x.data());
        Files.write(in, b.array());
        List<String> cmd = List.of(PYTHON.toString(), EVAL.toString(), model.toString(), in.toString(),
                x.dim(0) + "," + x.dim(1) + "," + x.dim(2) + "," + x.dim(3), out.toString());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), "onnx_torch_eval.py: " + log);
        ByteBuffer y = ByteBuffer.wrap(Files.readAllBytes(out)).order(ByteOrder.LITTLE_ENDIAN);
        float[] v = new float[y.remaining() / 4];
        y.asFloatBuffer().get(v);
        return v;
    }

    @Test
    void linearCaseOneHeadsExportAndTheFileComputesTheModelsOutputs() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(PYTHON), "no /usr/bin/python3");
        // logreg with 4 classes: liblinear's one-vs-rest probabilities; with 2: a softmax; svm: softmax of its scores
        String[][] cases = {{"logreg", "4"}, {"logreg", "2"}, {"svm", "4"}};
        for (String[] c : cases) {
            int classes = Integer.parseInt(c[1]);
            Sequential model = caseOne(c[0], classes);
            Path file = dir.resolve(c[0] + classes + ".onnx");
            OnnxExporter.export(model, file);
            Tensor x = pictures(24, classes, 99, null);
            float[] want = model.predict(x).data(); // the layer's output: log of the classifier's probabilities
            float[] got = runOutside(file, x);
            assertEquals(want.length, got.length, c[0] + " " + classes);
            float worst = 0;
            for (int i = 0; i < want.length; i++) {
                worst = Math.max(worst, Math.abs(want[i] - got[i]));
            }
            // the classifier computes in double on standardised features; the file in float on folded weights
            assertTrue(worst < 1e-4, c[0] + " " + classes + ": largest difference in log-probability " + worst);
            for (int i = 0; i < 24; i++) {
                assertEquals(org.convnet4j.tensor.RowOps.argmax(want, i * classes, classes),
                        org.convnet4j.tensor.RowOps.argmax(got, i * classes, classes), c[0] + " sample " + i);
            }
            // not trivially equal: the probabilities are spread, not one class at 1 everywhere
            assertTrue(Math.exp(want[0]) > 1e-3 && Math.exp(want[0]) < 0.999, c[0] + ": " + Math.exp(want[0]));
        }
    }

    @Test
    void aNonLinearHeadRefusesInOneLineAndWritesNothing() throws IOException {
        Sequential model = caseOne("knn", 3);
        Path file = dir.resolve("knn.onnx");
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> OnnxExporter.export(model, file));
        assertTrue(e.getMessage().startsWith("ONNX export: layer 'classifier' (ShallowClassifier): a knn classifier"
                + " has no ONNX form"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
        assertFalse(Files.exists(file));
    }
}

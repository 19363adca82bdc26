package org.convnet4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.convnet4j.io.onnx.OnnxExporter;
import org.convnet4j.nn.Sequential;
import org.convnet4j.nn.layers.Conv2d;
import org.convnet4j.nn.layers.Flatten;
import org.convnet4j.nn.layers.MaxPool2d;
import org.convnet4j.nn.layers.ReLU;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.testsupport.OnnxRuntimeEvaluator;
import org.convnet4j.transfer.Bottleneck;
import org.convnet4j.transfer.ShallowClassifier;
import org.convnet4j.transfer.ShallowClassifiers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A case-1 model (a frozen network, then a Tribuo classifier fitted on its features) exports to ONNX when the
 * classifier is linear, and the file computes what the model computes: it is run by an evaluator outside our engine
 * (tools/fixtures/onnx_torch_eval.py: the ONNX nodes one by one with PyTorch, after onnx.checker's full check) on
 * the same inputs. k-NN is written with standard operators (TopK over distances, a vote), a forest as
 * ONNX-ML's TreeEnsembleClassifier, the kernel SVM as ONNX-ML's SVMClassifier (run by ONNX Runtime).
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

    /**
     * {@code onnx_torch_eval.py --serve}, started by the first job and ended after the class: one python process (one
     * import of torch and onnx, most of a run's CPU time) for every file of the class instead of one each.
     */
    private static Process evaluator;
    private static BufferedWriter jobs;
    private static BufferedReader answers;

    /** One job for the evaluator (its tab-separated fields); asserts it succeeded and returns its answer. */
    private static String evaluator(String... job) throws IOException {
        if (evaluator == null) {
            evaluator = new ProcessBuilder(PYTHON.toString(), EVAL.toString(), "--serve")
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            jobs = new BufferedWriter(new OutputStreamWriter(evaluator.getOutputStream(), StandardCharsets.UTF_8));
            answers = new BufferedReader(new InputStreamReader(evaluator.getInputStream(), StandardCharsets.UTF_8));
        }
        jobs.write(String.join("\t", job));
        jobs.newLine();
        jobs.flush();
        String answer = answers.readLine();
        assertTrue(answer != null && answer.startsWith("ok\t"), "onnx_torch_eval.py " + job[0] + " " + job[1] + ": "
                + answer);
        return answer.substring(3);
    }

    @AfterAll
    static void stopEvaluator() throws Exception {
        if (evaluator != null) {
            jobs.close();
            assertTrue(evaluator.waitFor(60, TimeUnit.SECONDS), "onnx_torch_eval.py --serve did not end");
            assertEquals(0, evaluator.exitValue());
        }
    }

    private float[] runOutside(Path model, Tensor x) throws Exception {
        Path in = dir.resolve("x.f32");
        Path out = dir.resolve("y.f32");
        ByteBuffer b = ByteBuffer.allocate(4 * x.size()).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(x.data());
        Files.write(in, b.array());
        evaluator("eval", model.toString(), in.toString(), x.dim(0) + "," + x.dim(1) + "," + x.dim(2) + "," + x.dim(3),
                out.toString());
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
            checkWithOnnxRuntime(file, x, want);
            float[] again = org.convnet4j.io.weights.ModelLoader.load(file).model().predict(x).data();
            for (int i = 0; i < want.length; i++) {
                assertEquals(want[i], again[i], 1e-4f * Math.max(1f, Math.abs(want[i])), c[0] + ", imported back " + i);
            }
            // not trivially equal: the probabilities are spread, not one class at 1 everywhere
            assertTrue(Math.exp(want[0]) > 1e-3 && Math.exp(want[0]) < 0.999, c[0] + ": " + Math.exp(want[0]));
        }
    }

    @Test
    void aKnnHeadExportsInStandardOperatorsAndTheFileVotesAsTribuoDoes() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(PYTHON), "no /usr/bin/python3");
        int classes = 3;
        Sequential model = caseOne("knn", classes);
        Path file = dir.resolve("knn.onnx");
        OnnxExporter.export(model, file);
        Tensor x = pictures(40, classes, 99, null);
        float[] want = model.predict(x).data(); // log of Tribuo's vote fractions (k = 5), floored at log(1e-12)
        float[] got = runOutside(file, x);
        assertEquals(want.length, got.length);
        int split = 0;
        for (int i = 0; i < 40; i++) {
            for (int c = 0; c < classes; c++) {
                float w = want[i * classes + c];
                float g = got[i * classes + c];
                assertEquals(w, g, 1e-5f, "sample " + i + " class " + c);
                double p = Math.exp(w);
                assertEquals(Math.round(p * 5), p * 5, 1e-4, "a fraction of 5 votes: " + p);
            }
            split += Math.exp(want[i * classes]) > 0.1 && Math.exp(want[i * classes]) < 0.9 ? 1 : 0;
            assertEquals(org.convnet4j.tensor.RowOps.argmax(want, i * classes, classes),
                    org.convnet4j.tensor.RowOps.argmax(got, i * classes, classes), "sample " + i);
        }
        assertTrue(split > 0, "some samples' neighbours disagree (the votes are not all unanimous)");
        checkWithOnnxRuntime(file, x, want);

        // our importer reads the same file back as a network of standard operators
        org.convnet4j.nn.Model back = org.convnet4j.io.weights.ModelLoader.load(file).model();
        float[] again = back.predict(x).data();
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], again[i], 1e-5f, "imported back, value " + i);
        }
    }

    @Test
    void aForestHeadExportsAsAnOnnxMlTreeEnsembleThatVotesAsTribuoDoes() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(PYTHON), "no /usr/bin/python3");
        int classes = 4;
        Sequential model = caseOne("forest", classes);
        Path file = dir.resolve("forest.onnx");
        OnnxExporter.export(model, file);
        Tensor x = pictures(40, classes, 99, null);
        float[] want = model.predict(x).data(); // log of the fraction of Tribuo's 20 trees voting for each class
        float[] got = runOutside(file, x);      // TreeEnsembleClassifier as its specification says (python)
        assertEquals(want.length, got.length);
        int split = 0;
        for (int i = 0; i < 40; i++) {
            for (int c = 0; c < classes; c++) {
                float w = want[i * classes + c];
                assertEquals(w, got[i * classes + c], 1e-5f, "sample " + i + " class " + c);
                double p = Math.exp(w);
                assertEquals(Math.round(p * 20), p * 20, 1e-4, "a fraction of 20 votes: " + p);
            }
            split += Math.exp(want[i * classes]) > 0.02 && Math.exp(want[i * classes]) < 0.98 ? 1 : 0;
        }
        assertTrue(split > 0, "some samples' trees disagree (the votes are not all unanimous)");
        checkWithOnnxRuntime(file, x, want);

        // our importer runs the TreeEnsembleClassifier on its typed path: the same votes
        float[] again = importedBack(file, x, "TreeEnsembleClassifier");
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], again[i], 1e-5f, "forest, imported back, value " + i);
        }
    }

    /** Our importer's output for {@code x} (the typed path runs the ONNX-ML node {@code op}: ModelLoader says so). */
    private static float[] importedBack(Path file, Tensor x, String op) throws Exception {
        org.convnet4j.model.SavedModel back = org.convnet4j.io.weights.ModelLoader.load(file);
        String description = String.valueOf(back.description());
        int at = description.indexOf("\"typed_path\"");
        assertTrue(at >= 0, "no typed_path note in the description");
        String note = description.substring(at);
        assertTrue(note.contains(op) && note.contains("runs on the typed path only"), note);
        return back.model().predict(x).data();
    }

    /**
     * With {@code -Dconvnet4j.onnxruntime=DIR} (a folder where tools/onnx-runtime-install.sh put onnxruntime-node;
     * .ci/run does both, tools/onnx-runtime-check.sh on demand), the file is also run by ONNX Runtime
     * (tools/fixtures/onnx_ort_eval.js), which implements the ONNX-ML operators. Within 1e-4, relative beyond 1.
     */
    private void checkWithOnnxRuntime(Path file, Tensor x, float[] want) throws Exception {
        float[] got = runOnnxRuntime(file, x);
        if (got == null) {
            return;
        }
        assertEquals(want.length, got.length, "onnxruntime output");
        for (int i = 0; i < want.length; i++) {
            // relative for large negative log-probabilities: ONNX Runtime's float Sigmoid and Log are approximations
            // (logreg with 4 classes: 1.7e-4 at -7.9), the votes of k-NN and forests come out exact
            assertEquals(want[i], got[i], 1e-4f * Math.max(1f, Math.abs(want[i])),
                    "onnxruntime, value " + i + " of " + file.getFileName());
        }
        System.out.println("onnxruntime agrees on " + file.getFileName() + ": " + want.length + " values");
    }

    /**
     * ONNX Runtime's output for {@code x}, or null without {@code -Dconvnet4j.onnxruntime} outside CI; in CI its absence
     * fails the test, as in io ({@link OnnxRuntimeEvaluator#folder}).
     */
    private float[] runOnnxRuntime(Path file, Tensor x) throws Exception {
        String ort = OnnxRuntimeEvaluator.folder();
        if (ort == null) {
            return null;
        }
        Path in = dir.resolve("ort-x.f32");
        Path out = dir.resolve("ort-y.f32");
        ByteBuffer b = ByteBuffer.allocate(4 * x.size()).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(x.data());
        Files.write(in, b.array());
        StringBuilder dims = new StringBuilder();
        for (int k = 0; k < x.rank(); k++) {
            dims.append(k == 0 ? "" : ",").append(x.dim(k));
        }
        Process p = OnnxRuntimeEvaluator.process(ort, file.toString(), in.toString(), dims.toString(), out.toString())
                .start();
        String log = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), "onnx_ort_eval.js: " + log);
        ByteBuffer y = ByteBuffer.wrap(Files.readAllBytes(out)).order(ByteOrder.LITTLE_ENDIAN);
        float[] got = new float[y.remaining() / 4];
        y.asFloatBuffer().get(got);
        return got;
    }

    /**
     * An rbf-svm head: libsvm's model as data ({@link ShallowClassifier#kernelSvm()}) gives, by libsvm's formulas
     * computed here (kernels, pairwise decisions, Platt sigmoids, Wu-Lin-Weng coupling), the probabilities Tribuo's
     * libsvm gives; the exported file is ONNX-ML's SVMClassifier, which onnx.checker accepts, our importer refuses in
     * one line, and ONNX Runtime (with -Dconvnet4j.onnxruntime) runs to the model's log-probabilities.
     */
    @Test
    void anRbfSvmHeadExportsAsAnOnnxMlSvmClassifierWithLibsvmsProbabilities() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(PYTHON), "no /usr/bin/python3");
        for (int classes : new int[] {3, 2}) {
            Sequential model = caseOne("rbf-svm", classes);
            ShallowClassifier c = ((org.convnet4j.transfer.ShallowClassifierLayer) model.layers()
                    .get(model.layers().size() - 1)).classifier();
            ShallowClassifier.KernelSvm svm = c.kernelSvm().orElseThrow();
            assertEquals(classes, svm.classes());
            assertTrue(svm.size() > classes && svm.size() < 160, "support vectors: " + svm.size());
            Tensor x = pictures(40, classes, 99, null);
            Tensor features = base().predict(x);
            int d = features.dim(1);
            float[][] rows = new float[40][];
            for (int i = 0; i < 40; i++) {
                rows[i] = java.util.Arrays.copyOfRange(features.data(), i * d, (i + 1) * d);
            }
            double[][] tribuo = c.predictProba(rows);
            int spread = 0;
            for (int i = 0; i < 40; i++) {
                double[] mine = libsvmProbabilities(svm, rows[i]);
                for (int k = 0; k < classes; k++) {
                    assertEquals(tribuo[i][k], mine[k], 1e-6, classes + " classes: sample " + i + " class " + k);
                }
                spread += tribuo[i][0] > 0.05 && tribuo[i][0] < 0.95 ? 1 : 0;
            }
            assertTrue(spread > 0, "some probabilities are not near 0 or 1");

            Path file = dir.resolve("rbf" + classes + ".onnx");
            OnnxExporter.export(model, file);
            float[] want = model.predict(x).data();
            if (classes == 2) {
                twoClassSvmFileComputesTheModel(model, file, x, want);
                continue;
            }
            // onnx.checker's full check, then the ONNX-ML nodes' types
            assertEquals("['SVMClassifier']", evaluator("check", file.toString()).strip());
            // our importer runs the SVMClassifier on its typed path (in double): libsvm's probabilities again
            float[] again = importedBack(file, x, "SVMClassifier");
            assertEquals(want.length, again.length);
            for (int i = 0; i < 40; i++) {
                for (int k = 0; k < classes; k++) {
                    assertEquals(Math.exp(want[i * classes + k]), Math.exp(again[i * classes + k]), 1e-5,
                            "imported back, sample " + i + " class " + k);
                }
                assertEquals(org.convnet4j.tensor.RowOps.argmax(want, i * classes, classes),
                        org.convnet4j.tensor.RowOps.argmax(again, i * classes, classes), "imported back, sample " + i);
            }
            float[] got = runOnnxRuntime(file, x);
            if (got == null) {
                continue;
            }
            // probabilities, not their logs: ONNX Runtime computes the kernels and the coupling in float
            assertEquals(want.length, got.length, "onnxruntime output");
            double worst = 0;
            for (int i = 0; i < 40; i++) {
                for (int k = 0; k < classes; k++) {
                    double w = Math.exp(want[i * classes + k]);
                    double g = Math.exp(got[i * classes + k]);
                    worst = Math.max(worst, Math.abs(w - g));
                    assertEquals(w, g, 1e-5, "onnxruntime, " + file.getFileName() + " sample " + i + " class " + k);
                }
                assertEquals(org.convnet4j.tensor.RowOps.argmax(want, i * classes, classes),
                        org.convnet4j.tensor.RowOps.argmax(got, i * classes, classes), "onnxruntime, sample " + i);
            }
            System.out.printf("onnxruntime agrees on %s: %d probabilities, largest difference %.2e%n",
                    file.getFileName(), want.length, worst);
        }
    }

    /** Two classes are standard operators: the PyTorch evaluator, our importer and ONNX Runtime all run the file. */
    private void twoClassSvmFileComputesTheModel(Sequential model, Path file, Tensor x, float[] want) throws Exception {
        float[] got = runOutside(file, x);
        assertEquals(want.length, got.length);
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], got[i], 1e-4f * Math.max(1f, Math.abs(want[i])), "rbf2, PyTorch, value " + i);
        }
        float[] again = org.convnet4j.io.weights.ModelLoader.load(file).model().predict(x).data();
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], again[i], 1e-4f * Math.max(1f, Math.abs(want[i])), "rbf2, imported back, value " + i);
        }
        checkWithOnnxRuntime(file, x, want);
    }

    /** libsvm's svm_predict_probability, from the model's numbers and the published algorithm. */
    private static double[] libsvmProbabilities(ShallowClassifier.KernelSvm svm, float[] row) {
        int k = svm.classes();
        int d = svm.features();
        int l = svm.size();
        double[] kernel = new double[l];
        for (int v = 0; v < l; v++) {
            double sq = 0;
            for (int j = 0; j < d; j++) {
                double z = (row[j] - svm.mean()[j]) * (double) svm.inverseScale()[j];
                double diff = z - svm.supportVectors()[v * d + j];
                sq += diff * diff;
            }
            kernel[v] = Math.exp(-svm.gamma() * sq);
        }
        int[] start = new int[k];
        for (int i = 1; i < k; i++) {
            start[i] = start[i - 1] + svm.vectorsPerClass()[i - 1];
        }
        double[][] r = new double[k][k]; // r[i][j]: probability of i against j
        int pair = 0;
        for (int i = 0; i < k; i++) {
            for (int j = i + 1; j < k; j++, pair++) {
                double sum = -svm.rho()[pair];
                for (int v = 0; v < svm.vectorsPerClass()[i]; v++) {
                    sum += svm.coefficients()[(j - 1) * l + start[i] + v] * kernel[start[i] + v];
                }
                for (int v = 0; v < svm.vectorsPerClass()[j]; v++) {
                    sum += svm.coefficients()[i * l + start[j] + v] * kernel[start[j] + v];
                }
                double q = 1 / (1 + Math.exp(sum * svm.probA()[pair] + svm.probB()[pair]));
                r[i][j] = Math.min(Math.max(q, 1e-7), 1 - 1e-7);
                r[j][i] = 1 - r[i][j];
            }
        }
        if (k == 2) { // libsvm takes the pair's probability as it is
            double[] two = new double[2];
            two[svm.classOf()[0]] = r[0][1];
            two[svm.classOf()[1]] = r[1][0];
            return two;
        }
        // Wu, Lin and Weng (2004), method 2: minimise p'Qp subject to sum p = 1, by coordinate steps
        double[][] q = new double[k][k];
        for (int t = 0; t < k; t++) {
            for (int j = 0; j < k; j++) {
                if (j != t) {
                    q[t][t] += r[j][t] * r[j][t];
                    q[t][j] = -r[j][t] * r[t][j];
                }
            }
        }
        double[] p = new double[k];
        java.util.Arrays.fill(p, 1.0 / k);
        double[] qp = new double[k];
        for (int iter = 0; iter < Math.max(100, k); iter++) {
            double pqp = 0;
            for (int t = 0; t < k; t++) {
                qp[t] = 0;
                for (int j = 0; j < k; j++) {
                    qp[t] += q[t][j] * p[j];
                }
                pqp += p[t] * qp[t];
            }
            double worst = 0;
            for (int t = 0; t < k; t++) {
                worst = Math.max(worst, Math.abs(qp[t] - pqp));
            }
            if (worst < 0.005 / k) {
                break;
            }
            for (int t = 0; t < k; t++) {
                double diff = (-qp[t] + pqp) / q[t][t];
                p[t] += diff;
                pqp = (pqp + diff * (diff * q[t][t] + 2 * qp[t])) / (1 + diff) / (1 + diff);
                for (int j = 0; j < k; j++) {
                    qp[j] = (qp[j] + diff * q[t][j]) / (1 + diff);
                    p[j] /= 1 + diff;
                }
            }
        }
        double[] ours = new double[k];
        for (int i = 0; i < k; i++) {
            ours[svm.classOf()[i]] = p[i];
        }
        return ours;
    }
}

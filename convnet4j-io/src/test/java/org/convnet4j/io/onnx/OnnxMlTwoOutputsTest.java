package org.convnet4j.io.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.convnet4j.io.weights.ModelLoader;
import org.convnet4j.model.SavedModel;
import org.convnet4j.nn.Sequential;
import org.convnet4j.tensor.Tensor;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Classifier files with two outputs, a label per row and the per-class probabilities or scores (sklearn-onnx's layout,
 * tools/fixtures/onnx_ml_sklearn_fixture.py), loaded as a model by {@link ModelLoader}: the model's output is ONNX
 * Runtime's scores output, and the class name of each row's highest score is ONNX Runtime's label output for that row
 * (integer labels, string labels, and labels mapped by LabelEncoder, CategoryMapper, Cast and Identity after the
 * classifier), and a small convolutional network with a string-labelled LinearClassifier head. The generator keeps ONNX Runtime's outputs (ort.json); with {@code -Dconvnet4j.onnxruntime=DIR} it is
 * also run now.
 */
class OnnxMlTwoOutputsTest {
    private static final String DIR = "/fixtures/onnx_ml_sklearn/";
    /** Label output first, then the scores (a ZipMap, or a tensor for linear_svc, label_encoder, trees_classifier). */
    private static final List<String> CASES = List.of("svc_linear", "svc_poly", "svc_rbf", "svc_sigmoid", "forest",
            "logreg_softmax", "logreg_ovr", "logreg_binary", "linear_svc", "label_encoder", "trees_classifier",
            "label_strings_zipmap", "label_int_to_string", "label_string_to_int", "label_category_mapper",
            "label_label_encoder_v1", "label_cast_identity", "label_cnn_head", "picture_forest",
            "picture_logreg_binary", "picture_mlp_strings", "picture_mlp_ints", "label_label_encoder_v4_strings");

    /**
     * The cases whose output the layer reports as probabilities (SOFTMAX, LOGISTIC then Normalizer L1, libsvm's
     * coupling, a forest's vote fractions, the two-class LOGISTIC rows -w, w). linear_svc's are decision values.
     */
    private static final java.util.Set<String> PROBABILITIES = java.util.Set.of("svc_linear", "svc_poly", "svc_rbf",
            "svc_sigmoid", "forest", "logreg_softmax", "logreg_ovr", "logreg_binary", "label_encoder",
            "trees_classifier", "label_strings_zipmap", "label_int_to_string", "label_string_to_int",
            "label_category_mapper", "label_label_encoder_v1", "label_cast_identity", "label_cnn_head",
            "picture_forest", "picture_logreg_binary", "picture_mlp_strings", "picture_mlp_ints",
            "label_label_encoder_v4_strings");

    @TempDir
    Path tmp;

    private Path resource(String name) throws IOException {
        Path out = tmp.resolve(name.replace('/', '_'));
        try (InputStream in = OnnxMlTwoOutputsTest.class.getResourceAsStream(DIR + name)) {
            assertNotNull(in, "missing test resource " + DIR + name);
            Files.copy(in, out, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        return out;
    }

    @TestFactory
    List<DynamicTest> theModelsOutputIsTheScoresAndItsClassNamesGiveTheLabelOutput() throws Exception {
        List<OnnxRuntimeOutputs.Job> jobs = new ArrayList<>();
        for (String c : CASES) {
            jobs.add(new OnnxRuntimeOutputs.Job(resource(c + "/model.onnx"),
                    OnnxReader.readTensor(resource(c + "/input_0.pb"))));
        }
        List<List<OnnxRuntimeOutputs.Output>> now = OnnxRuntimeOutputs.runAll(jobs, tmp);
        List<DynamicTest> tests = new ArrayList<>();
        for (int i = 0; i < CASES.size(); i++) {
            String c = CASES.get(i);
            List<OnnxRuntimeOutputs.Output> live = now == null ? null : now.get(i);
            tests.add(DynamicTest.dynamicTest(c, () -> runCase(c, live)));
        }
        return tests;
    }

    private void runCase(String name, List<OnnxRuntimeOutputs.Output> live) throws Exception {
        Path file = resource(name + "/model.onnx");
        SavedModel saved = ModelLoader.load(file);
        OnnxProgramLayer layer = (OnnxProgramLayer) ((Sequential) saved.model()).layers().get(0);
        List<OnnxRuntimeOutputs.Output> kept = OnnxRuntimeOutputs.parse(Files.readString(resource(name + "/ort.json")));
        assertEquals(kept.get(0).name(), layer.labelOutput(), name + ": the label output");
        TensorData x = OnnxReader.readTensor(resource(name + "/input_0.pb"));
        int[] dims = java.util.Arrays.stream(x.dims()).mapToInt(d -> (int) d).toArray();
        float[] p = saved.model().predict(Tensor.of(x.floats(), dims)).data(); // rows of features, or pictures
        List<String> names = saved.model().classNames();
        assertNotNull(names, name + ": class names");
        assertEquals(PROBABILITIES.contains(name), layer.outputsProbabilities(), name + ": probabilities?");
        for (int r = 0; layer.outputsProbabilities() && r < p.length / names.size(); r++) {
            double sum = 0;
            for (int c = 0; c < names.size(); c++) {
                sum += p[r * names.size() + c];
            }
            assertEquals(1, sum, 1e-5, name + ": row " + r + " of what the layer calls probabilities");
        }
        String report = name + ": classes " + names;
        if (hasResource(name + "/label.txt")) { // scikit-learn's predict, as text: ONNX Runtime's labels are the same
            List<String> sklearn = List.of(Files.readString(resource(name + "/label.txt")).split("\n"));
            assertEquals(sklearn, labels(kept.get(0)), name + ": ONNX Runtime's labels against scikit-learn's");
        }
        report += " kept" + compare(name, p, names, kept);
        if (live != null) {
            report += " run now" + compare(name, p, names, live);
        }
        System.out.println(report);
    }

    private boolean hasResource(String name) {
        return OnnxMlTwoOutputsTest.class.getResource(DIR + name) != null;
    }

    private static List<String> labels(OnnxRuntimeOutputs.Output o) {
        if (o.strings() != null) {
            return o.strings();
        }
        List<String> out = new ArrayList<>();
        for (double v : o.values()) {
            out.add(Long.toString((long) v));
        }
        return out;
    }

    /** Our probabilities within 1e-4 of ONNX Runtime's scores, and the name of each row's largest its label. */
    private static String compare(String name, float[] p, List<String> names, List<OnnxRuntimeOutputs.Output> ort) {
        assertEquals(2, ort.size(), name);
        List<String> want = labels(ort.get(0));
        double[] scores = ort.get(1).values();
        assertEquals(scores.length, p.length, name + ": values");
        int rows = want.size();
        int classes = p.length / rows;
        assertEquals(classes, names.size(), name + ": one class name per column");
        if (ort.get(1).keys() != null && name.equals("label_strings_zipmap")) {
            assertEquals(ort.get(1).keys(), names, name + ": the ZipMap's keys");
        }
        double worst = 0;
        for (int i = 0; i < p.length; i++) {
            worst = Math.max(worst, Math.abs(scores[i] - p[i]));
            assertEquals(scores[i], p[i], 1e-4 * Math.max(1, Math.abs(scores[i])), name + ": score " + i);
        }
        java.util.Set<String> seen = new java.util.TreeSet<>();
        for (int r = 0; r < rows; r++) {
            int best = 0;
            for (int c = 1; c < classes; c++) {
                best = p[r * classes + c] > p[r * classes + best] ? c : best;
            }
            assertEquals(want.get(r), names.get(best), name + ": row " + r + "'s label");
            seen.add(want.get(r));
        }
        assertTrue(seen.size() > 1, name + ": the rows are not all one class");
        return String.format(" (%d labels equal, %s; scores within %.2e)", rows, seen, worst);
    }

    /**
     * An ImageClassifier (what {@code predict} runs) on the CNN with a string-labelled head takes its probabilities as
     * they are: ONNX Runtime's, not a softmax of them (which made 0.589 read as 42%).
     */
    @Test
    void anImageClassifierTakesTheHeadsProbabilitiesAsTheyAre() throws Exception {
        Path file = resource("label_cnn_head/model.onnx");
        SavedModel saved = ModelLoader.load(file);
        org.convnet4j.model.ImageClassifier c = new org.convnet4j.model.ImageClassifier(saved.model(),
                saved.preprocessing());
        TensorData x = OnnxReader.readTensor(resource("label_cnn_head/input_0.pb"));
        float[] p = saved.model().predict(Tensor.of(x.floats(), 24, 1, 8, 8)).data();
        List<OnnxRuntimeOutputs.Output> ort = OnnxRuntimeOutputs.parse(
                Files.readString(resource("label_cnn_head/ort.json")));
        for (int r = 0; r < 24; r++) {
            org.convnet4j.model.Classifications k = c.classificationsOf(p, r * 3);
            for (int j = 0; j < 3; j++) {
                assertEquals(ort.get(1).values()[r * 3 + j], k.probability(j), 1e-5, "row " + r + ", class " + j);
            }
            assertEquals(ort.get(0).strings().get(r), k.best().className(), "row " + r);
        }
    }

    /**
     * Probabilities are read from the graph, not from the values: a forest with one tree's votes doubled and a
     * -w, w pair whose intercepts are not opposed load, are not called probabilities, and indeed their rows do not
     * sum to 1 (so {@code predict} is right to take a softmax of them).
     */
    @Test
    void rowsTheGraphDoesNotProveToSumToOneAreNotProbabilities() throws IOException {
        for (String c : List.of("not_probabilities_forest", "not_probabilities_logreg_binary")) {
            SavedModel saved = ModelLoader.load(resource(c + "/model.onnx"));
            OnnxProgramLayer layer = (OnnxProgramLayer) ((Sequential) saved.model()).layers().get(0);
            assertFalse(layer.outputsProbabilities(), c);
            TensorData x = OnnxReader.readTensor(resource(c.substring("not_probabilities_".length()) + "/input_0.pb"));
            float[] p = saved.model().predict(Tensor.of(x.floats(), (int) x.dims()[0], (int) x.dims()[1])).data();
            int k = saved.model().classNames().size();
            double far = 0;
            for (int r = 0; r < p.length / k; r++) {
                double sum = 0;
                for (int j = 0; j < k; j++) {
                    sum += p[r * k + j];
                }
                far = Math.max(far, Math.abs(sum - 1));
            }
            assertTrue(far > 0.01, c + ": rows sum to 1 within " + far);
        }
    }

    /** What a two-output file cannot be as a model is one line naming the file and the part that does not fit. */
    @Test
    void aLabelPathThatDoesNotFitIsOneLine() throws IOException {
        String[][] cases = {
            {"svc_rbf_scores", "holds the decision values of the class pairs"},
            {"bad_label_encoder_keys", "LabelEncoder node 'output_label': its keys are strings, the label is integers"},
            {"bad_mlp_argmax_axis", "ArgMax node 'argmax': attribute axis is 0"},
            // the label alone: the program API computes it (OnnxMlStringsTest); a Model needs scores
            {"bad_mlp_label_only", "output 'label' must be a float tensor with the batch axis first; it is STRING"},
        };
        for (String[] c : cases) {
            Path file = resource(c[0] + "/model.onnx");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelLoader.load(file),
                    c[0]);
            String msg = e.getMessage();
            assertTrue(msg.startsWith(file.toString()), msg);
            assertTrue(msg.contains(c[1]), msg);
            assertFalse(msg.contains("\n"), msg);
        }
    }

    /** A saved copy of such a model (its configuration is the whole file) loads with the same names and outputs. */
    @Test
    void theSplitSurvivesTheLayersConfiguration() throws IOException {
        Path file = resource("label_category_mapper/model.onnx");
        OnnxModel.Model m = OnnxReader.readModel(file);
        OnnxProgramLayer layer = new OnnxProgramLayer(m, file.toString());
        org.convnet4j.nn.LayerConfig config = new org.convnet4j.nn.LayerConfig(OnnxProgramLayer.TYPE, layer.config());
        OnnxProgramLayer again = OnnxProgramLayer.fromConfig(config);
        assertEquals(List.of("cat", "dog", "bird"), again.classLabels());
        assertEquals("output_label", again.labelOutput());
        TensorData x = OnnxReader.readTensor(resource("label_category_mapper/input_0.pb"));
        Tensor in = Tensor.of(x.floats(), (int) x.dims()[0], (int) x.dims()[1]);
        assertEquals(java.util.Arrays.toString(layer.forward(List.of(in), false).data()),
                java.util.Arrays.toString(again.forward(List.of(in), false).data()));
    }
}

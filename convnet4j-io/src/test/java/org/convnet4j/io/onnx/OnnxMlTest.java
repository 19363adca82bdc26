package org.convnet4j.io.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * ONNX-ML classifier heads as sklearn-onnx writes them (tools/fixtures/onnx_ml_sklearn_fixture.py builds each graph
 * from the fitted scikit-learn estimator and keeps scikit-learn's predict and predict_proba / decision_function as
 * the reference): our typed path gives the same labels and, within 1e-4 (the files hold float32 attributes,
 * scikit-learn computes on doubles), the same probabilities or scores. Malformed attributes are one line naming the
 * file, the node and the attribute.
 */
class OnnxMlTest {
    private static final String DIR = "/fixtures/onnx_ml_sklearn/";
    /** Cases with scikit-learn's outputs as a reference (label.pb and/or scores.pb) and ONNX Runtime's (ort.json). */
    private static final List<String> CASES = List.of("svc_linear", "svc_poly", "svc_rbf", "svc_sigmoid",
            "svc_rbf_scores", "forest", "logreg_softmax", "logreg_ovr", "logreg_binary", "linear_svc", "svr_rbf",
            "linear_regression", "forest_regressor", "gradient_boosting", "imputer_extractor", "binarizer", "one_hot",
            "label_encoder", "string_labels");
    /**
     * Hand-made trees (the branch modes other than BRANCH_LEQ, NaN routing, base_values, MIN/MAX/AVERAGE/SUM,
     * ai.onnx.ml 5's TreeEnsemble with BRANCH_MEMBER): ONNX Runtime's outputs are the reference.
     */
    private static final List<String> RUNTIME_ONLY = List.of("trees_classifier", "trees_sum", "trees_average",
            "trees_min", "trees_max", "trees_v5");

    @TempDir
    Path tmp;

    private Path resource(String name) throws IOException {
        Path out = tmp.resolve(name.replace('/', '_'));
        try (InputStream in = OnnxMlTest.class.getResourceAsStream(DIR + name)) {
            assertTrue(in != null, "missing test resource " + DIR + name);
            Files.copy(in, out, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        return out;
    }

    private boolean hasResource(String name) {
        return OnnxMlTest.class.getResource(DIR + name) != null;
    }

    /** ONNX Runtime's outputs run now, per case (with -Dconvnet4j.onnxruntime), else null. */
    private java.util.Map<String, List<OnnxRuntimeOutputs.Output>> live;

    @TestFactory
    List<DynamicTest> sklearnShapedHeadsGiveScikitLearnsAndOnnxRuntimesOutputs() throws Exception {
        List<String> all = new ArrayList<>(CASES);
        all.addAll(RUNTIME_ONLY);
        // with -Dconvnet4j.onnxruntime=DIR (CI gives it), ONNX Runtime runs every file now, in one process
        List<OnnxRuntimeOutputs.Job> jobs = new ArrayList<>();
        for (String c : all) {
            jobs.add(new OnnxRuntimeOutputs.Job(resource(c + "/model.onnx"),
                    OnnxReader.readTensor(resource(c + "/input_0.pb"))));
        }
        List<List<OnnxRuntimeOutputs.Output>> now = OnnxRuntimeOutputs.runAll(jobs, tmp);
        if (now != null) {
            live = new java.util.HashMap<>();
            for (int i = 0; i < all.size(); i++) {
                live.put(all.get(i), now.get(i));
            }
        }
        List<DynamicTest> tests = new ArrayList<>();
        for (String c : all) {
            tests.add(DynamicTest.dynamicTest(c, () -> runCase(c)));
        }
        return tests;
    }

    private void runCase(String name) throws Exception {
        Path file = resource(name + "/model.onnx");
        OnnxModel.Model m = OnnxReader.readModel(file);
        // the float layers do not take ONNX-ML operators: one line saying where they run
        UnsupportedOnnxException e = assertThrows(UnsupportedOnnxException.class,
                () -> OnnxImporter.importModel(m, file.toString()));
        assertTrue(e.getMessage().contains("runs on the typed path only"), e.getMessage());
        OnnxProgram p = OnnxImporter.importProgram(m, file.toString());
        Path input = resource(name + "/input_0.pb");
        TensorData x = OnnxReader.readTensor(input);
        List<TensorData> out = p.run(List.of(x));
        String report = name + ":";
        if (hasResource(name + "/label.pb") || hasResource(name + "/scores.pb")) {
            report += compareWithScikitLearn(name, out);
        } else {
            assertTrue(RUNTIME_ONLY.contains(name), name + ": no scikit-learn reference");
        }
        // ONNX Runtime's outputs, kept with the fixture by the generator: every output compared
        report += " ONNX Runtime (kept)" + OnnxRuntimeOutputs.compare(name, out,
                OnnxRuntimeOutputs.parse(Files.readString(resource(name + "/ort.json"))));
        // and with -Dconvnet4j.onnxruntime=DIR (CI gives it), ONNX Runtime run now on the same file and rows
        if (live != null) {
            report += " ONNX Runtime (run now)" + OnnxRuntimeOutputs.compare(name, out, live.get(name));
        }
        System.out.println(report);
    }

    /** Labels (label.pb) equal, and the scores (scores.pb) within 1e-4; a description of the largest difference. */
    private String compareWithScikitLearn(String name, List<TensorData> out) throws IOException {
        boolean labelled = hasResource(name + "/label.pb");
        assertEquals(labelled ? 2 : 1, out.size(), name);
        String report = "";
        if (labelled) {
            TensorData wantLabel = OnnxReader.readTensor(resource(name + "/label.pb"));
            TensorData label = out.get(0);
            assertEquals(OnnxModel.INT64, label.dataType(), name);
            assertArrayEquals(wantLabel.longs(), label.longs(), name + ": labels");
            report += " " + label.longs().length + " labels equal";
        }
        TensorData wantScores = OnnxReader.readTensor(resource(name + "/scores.pb"));
        TensorData scores = out.get(labelled ? 1 : 0);
        assertArrayEquals(wantScores.dims(), scores.dims(), name + ": scores' shape");
        double worst = 0;
        int spread = 0;
        for (int i = 0; i < wantScores.elementCount(); i++) {
            double w = wantScores.value(i);
            double g = scores.value(i);
            worst = Math.max(worst, Math.abs(w - g));
            assertEquals(w, g, 1e-4 * Math.max(1, Math.abs(w)), name + ": score " + i);
            spread += w > 0.02 && w < 0.98 ? 1 : 0;
        }
        if (labelled) { // a classifier's probabilities or scores: not all saturated
            assertTrue(spread > 0, name + ": some values are neither near 0 nor near 1");
        }
        return report + String.format(" scikit-learn's %d values within %.2e", wantScores.elementCount(), worst);
    }

    @Test
    void malformedAttributesAreOneLineNamingTheFileNodeAndAttribute() throws IOException {
        String[][] cases = {
            {"bad_svc_rho_length", "SVMClassifier", "attribute rho has 2 values, the class pairs 3"},
            {"bad_forest_post_transform", "TreeEnsembleClassifier", "attribute post_transform is 'SQUASH'"},
            {"bad_forest_class_weights_length", "TreeEnsembleClassifier", "attribute class_weights has"},
            {"bad_linear_coefficients_length", "LinearClassifier", "attribute coefficients has 17 values"},
            {"bad_string_label_read", "LinearClassifier", "string labels cannot be held on the typed path"},
        };
        for (String[] c : cases) {
            Path file = resource(c[0] + "/model.onnx");
            OnnxModel.Model m = OnnxReader.readModel(file);
            UnsupportedOnnxException e = assertThrows(UnsupportedOnnxException.class,
                    () -> OnnxImporter.importProgram(m, file.toString()), c[0]);
            String msg = e.getMessage();
            assertTrue(msg.startsWith(file.toString()), msg);
            assertTrue(msg.contains(c[1] + " node '"), msg);
            assertTrue(msg.contains(c[2]), msg);
            assertFalse(msg.contains("\n"), msg);
        }
    }

    /**
     * A head fitted on string class names (classlabels_strings) read as a model: its class names are the labels, in
     * the order of the columns ONNX Runtime's ZipMap keys them by, and its output is ONNX Runtime's probabilities.
     */
    @Test
    void stringClassLabelsBecomeTheModelsClassNames() throws Exception {
        Path file = resource("string_labels/model.onnx");
        org.convnet4j.model.SavedModel saved = org.convnet4j.io.weights.ModelLoader.load(file);
        List<OnnxRuntimeOutputs.Output> ort = OnnxRuntimeOutputs.parse(
                Files.readString(resource("string_labels/ort.json")));
        assertEquals(List.of("bird", "cat", "dog"), ort.get(0).keys()); // as scikit-learn sorts them
        assertEquals(ort.get(0).keys(), saved.model().classNames());
        TensorData x = OnnxReader.readTensor(resource("string_labels/input_0.pb"));
        org.convnet4j.tensor.Tensor in = org.convnet4j.tensor.Tensor.of(x.floats(), (int) x.dims()[0],
                (int) x.dims()[1]);
        float[] p = saved.model().predict(in).data();
        double[] want = ort.get(0).values();
        assertEquals(want.length, p.length);
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], p[i], 1e-5, "probability " + i);
        }
        // integer labels are written out the same way
        Path forest = resource("forest/model.onnx");
        OnnxModel.Model m = OnnxReader.readModel(forest);
        OnnxModel.Graph g = m.graph();
        OnnxModel.Graph probabilitiesOnly = new OnnxModel.Graph(g.name(), g.nodes(), g.initializers(), g.inputs(),
                g.outputs().stream().filter(o -> !o.name().equals("output_label")).toList(), g.valueInfo());
        OnnxProgramLayer layer = new OnnxProgramLayer(new OnnxModel.Model(m.irVersion(), m.opsets(), m.producerName(),
                m.producerVersion(), probabilitiesOnly), forest.toString());
        assertEquals(List.of("0", "1", "2"), layer.classLabels());
    }

    @Test
    void rowsOfTheWrongWidthAreOneLineNamingTheFile() throws IOException {
        Path file = resource("linear_svc/model.onnx");
        OnnxProgram p = OnnxImporter.importProgram(OnnxReader.readModel(file), file.toString());
        TensorData five = new OnnxFolding.Arr(OnnxModel.FLOAT, new long[] {2, 5}, new double[10]).data("input");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> p.run(List.of(five)));
        assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("5"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }

    @Test
    void aClassifierHasNoBackwardPassAndSaysWhy() throws IOException {
        Path file = resource("logreg_softmax/model.onnx");
        OnnxProgram p = OnnxImporter.importProgram(OnnxReader.readModel(file), file.toString());
        TensorData x = OnnxReader.readTensor(resource("logreg_softmax/input_0.pb"));
        List<TensorData> out = p.forwardForTraining(List.of(x));
        TensorData g = new OnnxFolding.Arr(OnnxModel.FLOAT, out.get(1).dims(),
                new double[(int) out.get(1).elementCount()]).data("g");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> p.backward(java.util.Arrays.asList(null, g)));
        assertTrue(e.getMessage().contains("no backward pass") && e.getMessage().contains("not trained by gradient"),
                e.getMessage());
    }

    @Test
    void postTransformsAndNormalisersFollowTheirDefinitions() {
        double[] s = {1, 2, 3};
        OnnxMl.applyTransform("SOFTMAX", s, 0, 3);
        double z = Math.exp(1) + Math.exp(2) + Math.exp(3);
        assertEquals(Math.exp(2) / z, s[1], 1e-15);
        double[] l = {0, -2};
        OnnxMl.applyTransform("LOGISTIC", l, 0, 2);
        assertEquals(0.5, l[0], 0);
        assertEquals(1 / (1 + Math.exp(2)), l[1], 1e-15);
        double[] zero = {0, 1, 2};
        OnnxMl.applyTransform("SOFTMAX_ZERO", zero, 0, 3);
        assertEquals(0, zero[0], 0);
        assertEquals(Math.exp(1) / (Math.exp(1) + Math.exp(2)), zero[1], 1e-15);
        // the standard normal quantiles: 0.975 -> 1.959963984540054, 0.5 -> 0
        double[] q = {0.975, 0.5, 0.1};
        OnnxMl.applyTransform("PROBIT", q, 0, 3);
        assertEquals(1.959963984540054, q[0], 1e-9);
        assertEquals(0, q[1], 1e-12);
        assertEquals(-1.2815515655446004, q[2], 1e-9);
    }
}

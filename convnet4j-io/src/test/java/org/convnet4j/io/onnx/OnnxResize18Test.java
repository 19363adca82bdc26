package org.convnet4j.io.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.convnet4j.io.onnx.OnnxFolding.Arr;
import org.convnet4j.nn.GradientCheck;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Resize's attributes of opset 18: {@code antialias=1} (linear and cubic) and {@code keep_aspect_ratio_policy}
 * (not_larger, not_smaller), on the cases of tools/fixtures/onnx_resize18_cases.py, whose expected outputs are
 * PyTorch's (interpolate with antialias=True for bilinear and bicubic, upsample_bilinear2d at the policy's scale).
 * Each case is imported as the node runner imports it (the float layers: one {@code AxisTaps} per resized axis) and
 * must match within 1e-5 relative to the output's largest magnitude; the same node evaluated on the typed path
 * (double precision) must match too; and the imported program's backward pass is checked against finite
 * differences (so an imported antialiased Resize fine-tunes).
 */
class OnnxResize18Test {
    static final Path DIR = Path.of("src/test/resources/fixtures/onnx_resize18");
    static final int CASES = 8;
    static final double RTOL = 1e-5;

    static List<Path> cases() throws IOException {
        try (Stream<Path> s = Files.list(DIR)) {
            return s.filter(Files::isDirectory).sorted().toList();
        }
    }

    @TestFactory
    List<DynamicTest> importedCasesMatchTorch() throws IOException {
        List<DynamicTest> tests = new ArrayList<>();
        for (Path d : cases()) {
            String name = d.getFileName().toString();
            tests.add(DynamicTest.dynamicTest(name, () -> {
                OnnxNodeTests.Prepared c = OnnxNodeTests.prepare(d);
                OnnxProgram p = OnnxImporter.importProgram(c.model(), name, c.bound());
                List<TensorData> got = p.run(c.feed());
                assertArrayEquals(c.want().get(0).dims(), got.get(0).dims(), name + ": output shape");
                double err = TorchvisionModels.relErr(got.get(0).floats(), c.want().get(0).floats());
                System.out.printf("%s: float layers, max rel err %.2e%n", name, err);
                assertTrue(err <= RTOL, name + ": max rel err " + err);
            }));
        }
        assertEquals(CASES, tests.size(), "cases in " + DIR);
        return tests;
    }

    @TestFactory
    List<DynamicTest> typedPathMatchesTorch() throws IOException {
        List<DynamicTest> tests = new ArrayList<>();
        for (Path d : cases()) {
            String name = d.getFileName().toString();
            tests.add(DynamicTest.dynamicTest(name, () -> {
                OnnxNodeTests.Prepared c = OnnxNodeTests.prepare(d);
                OnnxModel.Node n = c.model().graph().nodes().get(0);
                TensorData x = c.feed().get(0);
                float[] xf = x.floats();
                double[] xv = new double[xf.length];
                for (int k = 0; k < xv.length; k++) {
                    xv[k] = xf[k];
                }
                long[] sizes = c.model().graph().initializers().get(0).longs();
                double[] sv = new double[sizes.length];
                for (int k = 0; k < sv.length; k++) {
                    sv[k] = sizes[k];
                }
                Arr none = new Arr(OnnxModel.FLOAT, new long[] {0}, new double[0]);
                Arr y = OnnxFolding.eval(n, List.of(new Arr(OnnxModel.FLOAT, x.dims(), xv), none, none,
                        new Arr(OnnxModel.INT64, new long[] {sizes.length}, sv)), 18);
                assertArrayEquals(c.want().get(0).dims(), y.dims(), name + ": output shape");
                float[] got = new float[y.v().length];
                for (int k = 0; k < got.length; k++) {
                    got[k] = (float) y.v()[k];
                }
                double err = TorchvisionModels.relErr(got, c.want().get(0).floats());
                System.out.printf("%s: typed path, max rel err %.2e%n", name, err);
                assertTrue(err <= RTOL, name + ": max rel err " + err);
            }));
        }
        return tests;
    }

    @Test
    void importedProgramsHaveFiniteDifferenceGradients() throws IOException {
        int values = 0;
        for (Path d : cases()) {
            String name = d.getFileName().toString();
            OnnxNodeTests.Prepared c = OnnxNodeTests.prepare(d);
            OnnxProgram p = OnnxImporter.importProgram(c.model(), name, c.bound());
            OnnxNodeSuiteTrainingTest.Check r = OnnxNodeSuiteTrainingTest.check(p, c.feed(), GradientCheck.EPS, false);
            assertEquals(null, r.skip(), name);
            assertTrue(r.failures().isEmpty(), name + ": " + r.failures());
            assertTrue(r.values() > 0, name);
            values += r.values();
        }
        System.out.println("opset-18 Resize cases: " + values + " gradient values checked against finite differences");
    }

    @TempDir
    Path tmp;

    /** With -Dconvnet4j.onnxruntime=DIR: ONNX Runtime on the same files gives the same outputs (a second reading). */
    @Test
    void onnxRuntimeComputesTheSameOutputs() throws Exception {
        Map<String, ProgramRoundTrips.Outcome> files = ProgramRoundTrips.caseFiles(cases(), tmp);
        List<String> failures = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        Integer byRuntime = ProgramRoundTrips.onnxRuntime(files, tmp, failures, skipped);
        System.out.println("ONNX Runtime on the opset-18 Resize cases: " + (byRuntime == null
                ? "not run (no -Dconvnet4j.onnxruntime=DIR)" : byRuntime + " run; failed: " + failures
                + "; not run: " + skipped));
        assertTrue(failures.isEmpty(), failures.size() + " failed:\n" + String.join("\n", failures));
        if (byRuntime != null) {
            assertEquals(List.of(), skipped, "cases ONNX Runtime did not run");
            assertEquals(CASES, byRuntime, "cases ONNX Runtime ran");
        }
    }

    /** Each imported case exports (the float layers' forms) and the exported file reproduces the expected outputs. */
    @Test
    void importedCasesExportAndRunAgain() throws Exception {
        List<String> wrong = new ArrayList<>();
        for (Path d : cases()) {
            String name = d.getFileName().toString();
            ProgramRoundTrips.Outcome o = ProgramRoundTrips.roundTrip(name, d, tmp.resolve(name + ".export.onnx"),
                    false);
            if (!o.exported()) {
                wrong.add(name + ": " + o.reason());
            }
        }
        assertTrue(wrong.isEmpty(), String.join("\n", wrong));
    }
}

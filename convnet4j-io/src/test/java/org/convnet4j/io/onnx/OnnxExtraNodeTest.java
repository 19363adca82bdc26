package org.convnet4j.io.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Node cases in the ONNX backend-test layout for what the installed libonnx-testdata (onnx 1.12) does not cover
 * ({@link OnnxNodeTests#EXTRA}: AveragePool with dilations at opset 19, Gelu at 20, Mish at 18, GroupNormalization at
 * 18 and 21), written by tools/fixtures/onnx_extra_node_cases.py with PyTorch's outputs: each must reproduce within
 * the node suite's tolerances (the same runner), and ONNX Runtime must compute the same outputs from the same files
 * (with -Dconvnet4j.onnxruntime=DIR, as .ci/run gives it; required in CI), so that the expected outputs agree with a
 * second implementation of each operator's definition and not only with PyTorch's function. The node suite's export
 * and training tests ({@link OnnxNodeSuiteExportTest}, {@link OnnxNodeSuiteTrainingTest}) take these cases too.
 */
class OnnxExtraNodeTest {
    /** The committed cases; a case that disappears fails the count. */
    static final int CASES = 17;
    /**
     * Cases ONNX Runtime refuses to load, with its message: its pooling requires each pad smaller than the kernel
     * without counting the dilation (pads [1, 2, 1, 0] for a 3 x 2 kernel of dilation 2 x 3, whose windows span
     * 5 x 4), which the ONNX operator does not require. A listed case it runs fails the test, so the list stays true.
     */
    static final Set<String> REFUSED_BY_RUNTIME = Set.of("test_averagepool_2d_dilations_pads",
            "test_averagepool_2d_dilations_pads_count_include_pad");

    @TempDir
    Path tmp;

    @TestFactory
    List<DynamicTest> extraCases() throws IOException {
        List<DynamicTest> tests = new ArrayList<>();
        for (Path d : OnnxNodeTests.extraCases()) {
            tests.add(OnnxNodeTests.caseTest(d.getFileName().toString(), d, null, null));
        }
        assertEquals(CASES, tests.size(), "cases in " + OnnxNodeTests.EXTRA);
        return tests;
    }

    @Test
    void onnxRuntimeComputesTheReferenceOutputsFromTheSameFiles() throws Exception {
        Map<String, ProgramRoundTrips.Outcome> files = ProgramRoundTrips.caseFiles(OnnxNodeTests.extraCases(), tmp);
        List<String> failures = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        Integer byRuntime = ProgramRoundTrips.onnxRuntime(files, tmp, failures, skipped);
        Set<String> refused = new TreeSet<>();
        failures.removeIf(f -> {
            String name = f.substring(0, f.indexOf(".onnx: ") < 0 ? 0 : f.indexOf(".onnx: "));
            boolean expected = REFUSED_BY_RUNTIME.contains(name) && f.contains("Pad should be smaller than kernel");
            if (expected) {
                refused.add(name);
            }
            return expected;
        });
        System.out.println("ONNX Runtime on the extra node cases: " + (byRuntime == null
                ? "not run (no -Dconvnet4j.onnxruntime=DIR)" : (byRuntime - refused.size())
                + " give the reference's outputs; refused by it: " + refused + "; not run by it: " + skipped));
        assertTrue(failures.isEmpty(), failures.size() + " failed:\n" + String.join("\n", failures));
        if (byRuntime != null) {
            // onnxruntime-node 1.31.1 has every operator of these cases (kernels or their ONNX function bodies)
            assertEquals(List.of(), skipped, "cases ONNX Runtime did not run");
            assertEquals(REFUSED_BY_RUNTIME, refused, "cases ONNX Runtime refuses");
            assertEquals(CASES - REFUSED_BY_RUNTIME.size(), byRuntime - refused.size(), "cases ONNX Runtime ran");
        }
    }
}

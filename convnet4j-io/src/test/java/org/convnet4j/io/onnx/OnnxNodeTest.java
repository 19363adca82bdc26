package org.convnet4j.io.onnx;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The ONNX backend node tests (Debian package libonnx-testdata) for every operator the importer supports:
 * each case must reproduce its outputs within rtol 1e-3 / atol 1e-5, or be listed with a reason in
 * onnx-node-exclusions.tsv; a listed case that starts passing fails too, so the list stays true.
 */
class OnnxNodeTest {
    /**
     * The fewest cases that must run and reproduce their outputs (103 when this was set, 289 with the tensor-graph
     * operators of issue 16, 298 with cubic Resize, 299 with Expand of a computed tensor, 312 with LayerNormalization's Mean and InvStdDev, 392 with the typed run-time path: integer, boolean and
     * batchless values, Shape/Size at run time, comparisons, Dropout's mask;
     * 427 with nodes across the batch axis evaluated on that path, 480 with
     * Reduce*, Softmax, ArgMax, Tile, Split and LayerNormalization in its evaluator, 486 with MatMul, Gemm
     * and PRelu there, 508 with FLOAT16, BFLOAT16, INT16, UINT16/32/64 data and exact DOUBLE on the typed path, 515 with
     * 3-D and 1-D windows and wide pads evaluated there: OnnxWindows, 518 with BatchNormalization's training form and a
     * training Dropout of ratio 0 giving its mask, 520 with MaxPool's Indices, 521 with Resize's
     * tf_crop_and_resize on the typed path, 524 with TopK there, 540 with ArgMin's 16 cases, 545 with Round, LessOrEqual and GreaterOrEqual, 558 with Mod: fmod 1 on the float layers, fmod 1 and 0 on integers on the typed path). Raise it when operators are added; it only protects against
     * the selection shrinking silently.
     */
    static final int MIN_REPRODUCED = 558;

    @TestFactory
    List<DynamicTest> nodeCases() throws IOException {
        Assumptions.assumeTrue(Files.isDirectory(OnnxNodeTests.ROOT), "libonnx-testdata is not installed");
        Map<String, String> excluded = OnnxNodeTests.exclusions();
        Map<String, String> leftOut = new TreeMap<>();
        List<Path> cases = OnnxNodeSuite.supportedCases(leftOut);
        assertFalse(cases.isEmpty(), "no supported node test cases found");
        // the selection uses the importer's own check(): a regression there could quietly shrink the suite
        long reproduced = cases.stream().filter(d -> !excluded.containsKey(d.getFileName().toString())).count();
        assertTrue(reproduced >= MIN_REPRODUCED, "only " + reproduced + " node cases are run (at least "
                + MIN_REPRODUCED + " expected); left out: " + leftOut.keySet());
        // what is not run and why, for the reader of the build output (target/onnx-node-left-out.tsv)
        StringBuilder report = new StringBuilder("# node cases not run: importer check() or reader message\n");
        leftOut.forEach((k, v) -> report.append(k).append('\t').append(v.replaceAll("\\s+", " ")).append('\n'));
        Files.writeString(Path.of("target", "onnx-node-left-out.tsv"), report);
        System.out.println("ONNX node suite: " + cases.size() + " cases of supported operators (" + reproduced
                + " reproduced, " + (cases.size() - reproduced) + " listed in onnx-node-exclusions.tsv), "
                + leftOut.size() + " of other operators left out (target/onnx-node-left-out.tsv)");
        List<DynamicTest> tests = new ArrayList<>();
        for (Path dir : cases) {
            String name = dir.getFileName().toString();
            tests.add(OnnxNodeTests.caseTest(name, dir, excluded.get(name), "onnx-node-exclusions.tsv"));
        }
        return tests;
    }
}

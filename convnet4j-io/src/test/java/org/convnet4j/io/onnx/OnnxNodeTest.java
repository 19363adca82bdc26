package org.convnet4j.io.onnx;

import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The ONNX backend node tests (Debian package libonnx-testdata) for every operator the importer supports:
 * each case must reproduce its outputs within rtol 1e-3 / atol 1e-5, or be listed with a reason in
 * onnx-node-exclusions.tsv; a listed case that starts passing fails too, so the list stays true.
 */
class OnnxNodeTest {

    @TestFactory
    List<DynamicTest> nodeCases() throws IOException {
        Assumptions.assumeTrue(Files.isDirectory(OnnxNodeTests.ROOT), "libonnx-testdata is not installed");
        Map<String, String> excluded = OnnxNodeTests.exclusions();
        List<Path> cases = OnnxNodeTests.supportedCases();
        assertFalse(cases.isEmpty(), "no supported node test cases found");
        List<DynamicTest> tests = new ArrayList<>();
        for (Path dir : cases) {
            String name = dir.getFileName().toString();
            tests.add(OnnxNodeTests.caseTest(name, dir, excluded.get(name), "onnx-node-exclusions.tsv"));
        }
        long skipped = cases.stream().filter(c -> excluded.containsKey(c.getFileName().toString())).count();
        System.out.println("ONNX node tests: " + cases.size() + " cases of supported operators, "
                + (cases.size() - skipped) + " reproduced, " + skipped + " excluded");
        return tests;
    }
}

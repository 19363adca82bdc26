package org.convnet4j.io.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Node cases in the ONNX backend-test layout for what the installed libonnx-testdata does not cover (AveragePool
 * with dilations, opset 19), written by tools/fixtures/onnx_extra_node_cases.py with PyTorch's outputs; each must
 * reproduce within the node suite's tolerances.
 */
class OnnxExtraNodeTest {
    private static final Path DIR = Path.of("src/test/resources/fixtures/onnx_node_extra");
    /** The committed cases; a case that disappears fails the count. */
    static final int CASES = 5;

    @TestFactory
    List<DynamicTest> extraCases() throws IOException {
        List<DynamicTest> tests = new ArrayList<>();
        try (Stream<Path> dirs = Files.list(DIR)) {
            for (Path d : dirs.sorted().toList()) {
                tests.add(OnnxNodeTests.caseTest(d.getFileName().toString(), d, null, null));
            }
        }
        assertEquals(CASES, tests.size(), "cases in " + DIR);
        return tests;
    }
}

package org.convnet4j.io.onnx;


import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The libonnx-testdata suites {@code pytorch-converted} and {@code pytorch-operator} in full (opsets 6-9,
 * IR 3: legacy attributes, initializers listed as inputs): every case must reproduce its outputs with the node
 * test runner, or be listed with its reason in onnx-pytorch-exclusions.tsv (a listed case that passes fails).
 */
class OnnxPytorchSuitesTest {
    private static final Path DATA = Path.of("/usr/share/libonnx-testdata/data");

    @TestFactory
    List<DynamicTest> pytorchSuites() throws IOException {
        Assumptions.assumeTrue(Files.isDirectory(DATA.resolve("pytorch-converted")), "libonnx-testdata is not installed");
        Map<String, String> excluded = OnnxNodeTests.exclusions("/onnx-pytorch-exclusions.tsv");
        List<DynamicTest> tests = new ArrayList<>();
        for (String suite : List.of("pytorch-converted", "pytorch-operator")) {
            try (Stream<Path> dirs = Files.list(DATA.resolve(suite))) {
                for (Path dir : dirs.sorted().toList()) {
                    String name = suite + "/" + dir.getFileName();
                    tests.add(OnnxNodeTests.caseTest(name, dir, excluded.get(name), "onnx-pytorch-exclusions.tsv"));
                }
            }
        }
        long skipped = tests.stream().filter(t -> t.getDisplayName().contains("(excluded: ")).count();
        System.out.println("ONNX pytorch-converted + pytorch-operator: " + tests.size() + " cases, "
                + (tests.size() - skipped) + " reproduced, " + skipped + " excluded");
        return tests;
    }
}

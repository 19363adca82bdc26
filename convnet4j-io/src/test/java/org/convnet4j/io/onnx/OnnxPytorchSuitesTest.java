package org.convnet4j.io.onnx;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
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
        Map<String, String> excluded = new TreeMap<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(
                getClass().getResourceAsStream("/onnx-pytorch-exclusions.tsv"), StandardCharsets.UTF_8))) {
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                if (!line.isBlank() && !line.startsWith("#")) {
                    String[] p = line.split("\t", 2);
                    excluded.put(p[0].trim(), p.length > 1 ? p[1].trim() : "");
                }
            }
        }
        List<DynamicTest> tests = new ArrayList<>();
        for (String suite : List.of("pytorch-converted", "pytorch-operator")) {
            try (Stream<Path> dirs = Files.list(DATA.resolve(suite))) {
                for (Path dir : dirs.sorted().toList()) {
                    String name = suite + "/" + dir.getFileName();
                    String reason = excluded.get(name);
                    if (reason == null) {
                        tests.add(DynamicTest.dynamicTest(name, () -> OnnxNodeTests.run(dir)));
                    } else {
                        tests.add(DynamicTest.dynamicTest(name + " (excluded: " + reason + ")", () -> {
                            boolean passed;
                            try {
                                OnnxNodeTests.run(dir);
                                passed = true;
                            } catch (AssertionError | Exception e) {
                                passed = false;
                            }
                            if (passed) {
                                fail(name + " passes now: remove it from onnx-pytorch-exclusions.tsv");
                            }
                        }));
                    }
                }
            }
        }
        long skipped = tests.stream().filter(t -> t.getDisplayName().contains("(excluded: ")).count();
        System.out.println("ONNX pytorch-converted + pytorch-operator: " + tests.size() + " cases, "
                + (tests.size() - skipped) + " reproduced, " + skipped + " excluded");
        return tests;
    }
}

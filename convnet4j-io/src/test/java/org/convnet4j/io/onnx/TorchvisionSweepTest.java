package org.convnet4j.io.onnx;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The full torchvision sweep (every family at opsets 11, 13, 17; hundreds of MB, so not committed): generate
 * with {@code /usr/bin/python3 tools/fixtures/torchvision_onnx.py /tmp/tv --size 96} and run with
 * {@code mvn -B -pl convnet4j-io -am test -Dtest=TorchvisionSweepTest -Dconvnet4j.torchvision=/tmp/tv
 * -Dsurefire.failIfNoSpecifiedTests=false} (docs/ONNX.md). The io pom leaves it out of the default build and
 * brings it in when the property is set; run without the property, or on a directory without cases, it fails
 * rather than pass or skip with nothing checked. The committed, reduced cases run in OnnxTensorGraphTest.
 */
class TorchvisionSweepTest {

    @TestFactory
    List<DynamicTest> sweep() throws IOException {
        String dir = System.getProperty("convnet4j.torchvision");
        assertNotNull(dir, "set -Dconvnet4j.torchvision=DIR (exports of tools/fixtures/torchvision_onnx.py DIR) to run"
                + " the torchvision sweep");
        assertTrue(Files.isDirectory(Path.of(dir)), "-Dconvnet4j.torchvision=" + dir + " is not a directory");
        List<DynamicTest> tests = new ArrayList<>();
        try (Stream<Path> cases = Files.list(Path.of(dir))) {
            for (Path c : cases.sorted().toList()) {
                if (Files.isRegularFile(c.resolve("model.onnx"))) {
                    tests.add(DynamicTest.dynamicTest(c.getFileName().toString(), () -> System.out.println(
                            "SWEEP " + c.getFileName() + ": " + TorchvisionModels.check(c, true))));
                }
            }
        }
        assertFalse(tests.isEmpty(), dir + " holds no case (NAME_opN/model.onnx): nothing would be checked");
        return tests;
    }
}

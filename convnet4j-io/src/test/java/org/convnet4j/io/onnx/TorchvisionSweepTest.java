package org.convnet4j.io.onnx;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The full torchvision sweep (every family at opsets 11, 13, 17; hundreds of MB, so not committed): generate
 * with {@code /usr/bin/python3 tools/fixtures/torchvision_onnx.py /tmp/tv} and run with
 * {@code mvn -pl convnet4j-io -am test -Dtest=TorchvisionSweepTest -Dconvnet4j.torchvision=/tmp/tv
 * -Dsurefire.failIfNoSpecifiedTests=false}. Without the property it reports itself skipped (the committed,
 * reduced cases run in OnnxTorchvisionTest).
 */
class TorchvisionSweepTest {

    @TestFactory
    List<DynamicTest> sweep() throws IOException {
        String dir = System.getProperty("convnet4j.torchvision");
        Assumptions.assumeTrue(dir != null, "set -Dconvnet4j.torchvision=DIR to run the full torchvision sweep");
        List<DynamicTest> tests = new ArrayList<>();
        try (Stream<Path> cases = Files.list(Path.of(dir))) {
            for (Path c : cases.sorted().toList()) {
                if (Files.isRegularFile(c.resolve("model.onnx"))) {
                    tests.add(DynamicTest.dynamicTest(c.getFileName().toString(), () -> System.out.println(
                            "SWEEP " + c.getFileName() + ": " + TorchvisionModels.check(c, true))));
                }
            }
        }
        return tests;
    }
}

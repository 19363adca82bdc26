package org.convnet4j.io.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Typed values computed at run time that feed float layers again (the second stage of {@link OnnxProgram}): a
 * Resize whose sizes come from Shape(x) times an int64 input, a Resize by an int64 sizes input before a
 * convolution, a Reshape by an int64 shape input before a convolution, a comparison cast to float before pooling,
 * an Expand to a computed shape before a convolution. The cases (tools/fixtures/onnx_runtime_values.py) carry
 * PyTorch's outputs for two different run-time values each; every input is fed at run time, nothing is bound.
 */
class OnnxRuntimeValuesTest {
    private static final Path DIR = Path.of("src/test/resources/fixtures/onnx_runtime_values");
    static final int CASES = 5;

    @TestFactory
    List<DynamicTest> runtimeValueCases() throws IOException {
        List<DynamicTest> tests = new ArrayList<>();
        try (Stream<Path> dirs = Files.list(DIR)) {
            for (Path d : dirs.sorted().toList()) {
                tests.add(DynamicTest.dynamicTest(d.getFileName().toString(), () -> run(d)));
            }
        }
        assertEquals(CASES, tests.size(), "cases in " + DIR);
        return tests;
    }

    private static void run(Path dir) throws IOException {
        OnnxModel.Model m = OnnxReader.readModel(dir.resolve("model.onnx"));
        String name = dir.getFileName().toString();
        // the float path alone cannot take these models: the values are known only when the model runs
        assertThrows(UnsupportedOnnxException.class, () -> OnnxImporter.importModel(m, name));
        OnnxProgram p = OnnxImporter.importProgram(m, name);
        assertTrue(p.toString().contains("second stage"), p.toString());
        List<Path> sets;
        try (Stream<Path> s = Files.list(dir)) {
            sets = s.filter(Files::isDirectory).sorted().toList();
        }
        assertEquals(2, sets.size(), "data sets of " + name);
        for (Path set : sets) {
            List<TensorData> feed = new ArrayList<>();
            for (int i = 0; i < p.inputNames().size(); i++) {
                feed.add(OnnxReader.readTensor(set.resolve("input_" + i + ".pb")));
            }
            TensorData got = p.run(feed).get(0);
            TensorData want = OnnxReader.readTensor(set.resolve("output_0.pb"));
            assertArrayEquals(want.dims(), got.dims(), name + "/" + set.getFileName() + " shape");
            for (int k = 0; k < want.floats().length; k++) {
                float e = want.floats()[k];
                float a = got.floats()[k];
                if (!(Math.abs(a - e) <= OnnxNodeTests.ATOL + OnnxNodeTests.RTOL * Math.abs(e))) {
                    fail(name + "/" + set.getFileName() + " element " + k + ": got " + a + ", expected " + e);
                }
            }
        }
        // each run's bound values gave a second stage of their own; in cast_comparison_maxpool the second stage
        // reads only the float product (the threshold stays in the first), so both runs share one
        int stages = name.equals("cast_comparison_maxpool") ? 1 : 2;
        assertEquals(stages, p.secondStages(), name);
        // running the first data set again reuses its stage
        Path first = sets.get(0);
        List<TensorData> feed = new ArrayList<>();
        for (int i = 0; i < p.inputNames().size(); i++) {
            feed.add(OnnxReader.readTensor(first.resolve("input_" + i + ".pb")));
        }
        p.run(feed);
        assertEquals(stages, p.secondStages(), name + " after a repeated run");
    }
}

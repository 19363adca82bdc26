package org.convnet4j.io.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.convnet4j.testsupport.TemporaryProperty;
import org.convnet4j.util.MemoryBudget;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Findings of the 2026-12-05 fuzz run over ONNX programs run with their inputs (tools/fuzz/onnx_programs.py and
 * ProgramFuzz.java, docs/ROBUSTNESS.md "ONNX programs and .pth pickles"): mutations of the onnx_runtime_values and
 * training_forms fixtures whose second stage is sized by integer inputs. Each failed with an OutOfMemoryError, a
 * NegativeArraySizeException, an ArithmeticException or an IllegalStateException under {@code -Xmx1g}; each is now one line (an
 * IllegalArgumentException: exit 2 in the CLI) naming the model and the problem. The budget is what {@code -Xmx1g}
 * gives by default (half the heap), as in the fuzz run.
 */
class OnnxProgramFuzzFindingsTest {
    private static final String DIR = "/fixtures/onnx_program_fuzz/";

    @TempDir
    Path dir;

    /** Case folder, then fragments of the expected message. */
    private static final String[][] CASES = {
        // resize_computed_sizes with its factor input k = 2^20: the typed Resize allocated 125,829,120 doubles
        {"resize_factor_2p20", "Resize would make [2, 3, 4194304, 5] = 125829120 values (at most 16777216"},
        // resize_sizes_input, its Conv turned into a Split of 12 outputs: split sizes of -1 (NegativeArraySizeException)
        {"split_negative_sizes", "Split sizes [0, 0, -1, -1, 0, 1, 0, -1, -1, 0, 1, 0] do not fit axis 0 of length 2"},
        // training_forms with the Slice that makes a value the second stage reads dropped (IllegalStateException)
        {"value_never_computed", "the second stage reads '/pool/Slice_output_0', which no node of the model computes"},
        // resize_computed_sizes with k = 1000: the second stage's float layers on [2, 3, 4000, 5000] (OutOfMemoryError)
        {"stage_resize_1000", "its second stage for the run-time values", "4000.0,5000.0",
            "needs 960 MB, above the limit of 537 MB"},
        // resize_sizes_input with 2^20 channels asked for (OutOfMemoryError converting to double)
        {"stage_channels_2p20", "its second stage for the run-time values", "1048576.0",
            "needs 738 MB, above the limit of 537 MB"},
        // training_forms with its Conv turned into a Split: the training-form BatchNorm got an empty batch (/ by zero)
        {"bn_training_empty_batch", "the training form needs a non-empty input with a channel axis, got [0, 1, 8, 8]"},
        // cast_comparison_maxpool, its second AveragePool given pads [2^62, 1, 0, 0] (2026-12-05 second session,
        // ProgramFuzz seed 41 case c0256): the window count overflowed (ArithmeticException)
        {"pool_pads_2p62", "AveragePool: pads [4611686018427387904, 1, 0, 0] beyond 2^31"},
    };

    private Path copy(String resource, Path to) throws IOException {
        try (InputStream in = OnnxProgramFuzzFindingsTest.class.getResourceAsStream(resource)) {
            assertNotNull(in, resource);
            Files.createDirectories(to.getParent());
            Files.copy(in, to);
        }
        return to;
    }

    private List<TensorData> inputs(String folder, Path to) throws IOException {
        List<TensorData> feed = new ArrayList<>();
        for (int i = 0; OnnxProgramFuzzFindingsTest.class.getResource(folder + "input_" + i + ".pb") != null; i++) {
            feed.add(OnnxReader.readTensor(copy(folder + "input_" + i + ".pb", to.resolve("input_" + i + ".pb"))));
        }
        return feed;
    }

    @TestFactory
    Stream<DynamicTest> eachFindingIsOneLineNamingTheModelAndTheProblem() {
        return Stream.of(CASES).map(c -> DynamicTest.dynamicTest(c[0], () -> {
            Path folder = dir.resolve(c[0]);
            Path model = copy(DIR + c[0] + "/model.onnx", folder.resolve("model.onnx"));
            List<TensorData> feed = inputs(DIR + c[0] + "/", folder);
            try (TemporaryProperty budget = TemporaryProperty.set(MemoryBudget.PROPERTY, "512m")) {
                OnnxProgram p = OnnxImporter.importProgram(OnnxReader.readModel(model), model.toString());
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> p.run(feed));
                String m = e.getMessage();
                assertFalse(m.contains("\n") || m.contains("\r"), "one line: " + m);
                assertTrue(m.startsWith(model.toString()), "names the model first: " + m);
                for (int i = 1; i < c.length; i++) {
                    assertTrue(m.contains(c[i]), "'" + c[i] + "' in: " + m);
                }
            }
        }));
    }

    /** The control: the seed of two of the cases, with its own inputs, runs under the same budget. */
    @Test
    void theUnmutatedProgramRuns() throws Exception {
        String seed = "/fixtures/onnx_runtime_values/resize_computed_sizes/";
        Path model = copy(seed + "model.onnx", dir.resolve("seed/model.onnx"));
        List<TensorData> feed = inputs(seed + "test_data_set_0/", dir.resolve("seed"));
        try (TemporaryProperty budget = TemporaryProperty.set(MemoryBudget.PROPERTY, "512m")) {
            List<TensorData> out = OnnxImporter.importProgram(OnnxReader.readModel(model), model.toString()).run(feed);
            assertEquals(1, out.size());
        }
    }
}

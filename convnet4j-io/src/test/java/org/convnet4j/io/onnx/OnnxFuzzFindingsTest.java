package org.convnet4j.io.onnx;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.URL;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.convnet4j.testsupport.TemporaryProperty;
import org.convnet4j.util.MemoryBudget;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Inputs of the structure-aware ONNX fuzz run (docs/ROBUSTNESS.md, "Fuzzing through the command line") that failed
 * until issue 15 was fixed, from the fuzz corpus (ReaderFuzzTest runs them too): each is now refused with one line
 * naming the file, the node and the problem (exit 2 in the CLI), instead of a NullPointerException or an
 * OutOfMemoryError. The budget is set to what {@code -Xmx1g} gives by default (half the heap), as in the fuzz run.
 */
class OnnxFuzzFindingsTest {
    private static final String DIR = "/org/convnet4j/io/fuzz/ReaderFuzzTestInputs/onnx/";

    /** File, then fragments of the expected message. */
    private static final String[][] CASES = {
        // a Tile whose repeats were rewired to a Gemm's float weight (was: NullPointerException in OnnxImporter.tile);
        // the mutation also left a NaN in conv.bias, which the reader now refuses first, so the Tile is reached through
        // a copy with that value 0 (bytes otherwise the same)
        {"structured_s21-0324", "NaN stored in initializer 'conv.bias' (1 of 8 values NaN)"},
        {"structured_s21-0324_finite", "Tile node '/head/Gemm'", "repeats ('head.weight') must be an integer tensor"},
        // an Expand left without its shape input (was: NullPointerException in OnnxFolding.checkedCount)
        {"structured_s21-0538", "Expand node '/Unsqueeze_7'", "shape (input 1), which is missing"},
        // a graph-input dimension of 2^20 or more sizes the LayerNorm of a GroupNormalization: each parameter alone
        // passed the per-parameter check, together they exhausted the heap (was: OutOfMemoryError); now the per-file
        // cap refuses them first: a file storing 1.7 KB of weights may ask for 16 times that + 64 MB (since issue 16 a
        // build charges values only: gamma's 64 MiB fit, beta is refused)
        {"structured_s21-0082", "InstanceNormalization node", "parameter 'beta'", "of weights it stores allow"},
        {"structured_s21-0123", "InstanceNormalization node", "parameter 'beta'", "of weights it stores allow"},
        {"structured_s21-0203", "InstanceNormalization node", "parameter 'beta'", "of weights it stores allow"},
        {"structured_s21-0339", "InstanceNormalization node", "parameter 'beta'", "of weights it stores allow"},
        {"structured_s21-0420", "InstanceNormalization node", "parameter 'beta'", "of weights it stores allow"},
        {"structured_s21-0478", "InstanceNormalization node", "parameter 'beta'", "of weights it stores allow"},
        {"structured_s21-0593", "InstanceNormalization node", "parameter 'beta'", "of weights it stores allow"},
    };

    /**
     * The 2026-12-03 rerun (docs/ROBUSTNESS.md): a graph-input dimension set to 2^20 imports (its parameters are small),
     * but one forward pass of a 16 x 2^20 picture exhausted a 1 GB heap in {@code predict}. The classifier now refuses
     * a model whose one-picture pass (weights and every activation) is above the budget, before any picture is read;
     * the unmutated model still makes one.
     */
    @TestFactory
    Stream<DynamicTest> aModelWhoseOneForwardPassIsAboveTheBudgetIsRefusedBeforeRunning() {
        return Stream.of("structured_s22-0045", "structured_s22-0136").map(name -> DynamicTest.dynamicTest(name, () -> {
            Path file = Path.of(OnnxFuzzFindingsTest.class.getResource(DIR + name).toURI());
            Path onnx = java.nio.file.Files.copy(file, dir.resolve(name + ".onnx"));
            try (TemporaryProperty budget = TemporaryProperty.set(MemoryBudget.PROPERTY, "512m")) {
                IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(
                        IllegalArgumentException.class, () -> org.convnet4j.io.weights.ModelLoader.classifier(onnx));
                String m = e.getMessage();
                assertFalse(m.contains("\n"), m);
                assertTrue(m.contains("a forward pass of one picture [") && m.contains("1048576")
                        && m.contains("above the limit of 537 MB"), m);
            }
        }));
    }

    @org.junit.jupiter.api.Test
    void theUnmutatedModelStillMakesAClassifier() throws Exception {
        Path seed = Path.of(OnnxFuzzFindingsTest.class.getResource("/fixtures/tensor_graph/tinymix_op17/model.onnx")
                .toURI());
        try (TemporaryProperty budget = TemporaryProperty.set(MemoryBudget.PROPERTY, "512m")) {
            assertNotNull(org.convnet4j.io.weights.ModelLoader.classifier(seed));
        }
    }

    @org.junit.jupiter.api.io.TempDir
    Path dir;

    /**
     * The 2026-12-05 run over ONNX programs (docs/ROBUSTNESS.md, "ONNX programs and .pth files"): models the float
     * importer refuses go to the typed path as one layer, which runs the program once on zeros of the declared input to
     * find its output shape. A declared input dimension of 2^20 made those zeros 1.6 GB (s31-0044, second_stage_transfer
     * with 1048576 channels) or their convolution 872 MB (s31-0227, typed_head 1048576 wide): out of memory with
     * -Xmx1g. Both are now refused before the run with the budget's line; the unmutated models still load.
     */
    @TestFactory
    Stream<DynamicTest> aTypedProgramWhoseRunOnItsDeclaredInputIsAboveTheBudgetIsRefusedBeforeRunning() {
        String[][] cases = {
            {"program_s31-0044", "input 'x' as declared [6, 1048576, 8, 8]", "needs 1.6 GB, above the limit of 537 MB"},
            {"program_s31-0227", "a run of its float graph on the declared input [-1, 1, 28, 1048576]",
                "needs 2.2 GB, above the limit of 537 MB"},
            {"/fixtures/second_stage_transfer/model.onnx"},
            {"/fixtures/typed_head/model.onnx"},
        };
        return Stream.of(cases).map(c -> DynamicTest.dynamicTest(c[0], () -> {
            URL url = OnnxFuzzFindingsTest.class.getResource(c[0].startsWith("/") ? c[0] : DIR + c[0]);
            assertNotNull(url, c[0]);
            Path onnx = java.nio.file.Files.copy(Path.of(url.toURI()), dir.resolve(c[0].replace('/', '_')
                    + (c[0].endsWith(".onnx") ? "" : ".onnx")));
            try (TemporaryProperty budget = TemporaryProperty.set(MemoryBudget.PROPERTY, "512m")) {
                if (c.length == 1) {
                    assertNotNull(org.convnet4j.io.weights.ModelLoader.load(onnx), c[0]); // the control
                    return;
                }
                IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(
                        IllegalArgumentException.class, () -> org.convnet4j.io.weights.ModelLoader.load(onnx));
                String m = e.getMessage();
                assertFalse(m.contains("\n"), m);
                assertTrue(m.startsWith(onnx.toString()), m);
                for (int i = 1; i < c.length; i++) {
                    assertTrue(m.contains(c[i]), "'" + c[i] + "' in: " + m);
                }
            }
        }));
    }

    @TestFactory
    Stream<DynamicTest> eachFindingIsOneLineNamingFileNodeAndProblem() {
        return Stream.of(CASES).map(c -> DynamicTest.dynamicTest(c[0], () -> {
            URL url = OnnxFuzzFindingsTest.class.getResource(DIR + c[0]);
            assertNotNull(url, DIR + c[0]);
            Path file = Path.of(url.toURI());
            try (TemporaryProperty budget = TemporaryProperty.set(MemoryBudget.PROPERTY, "512m")) {
                // as the fuzz target does (the corpus files have no .onnx suffix for ModelLoader to go by)
                OnnxImporter.importModel(OnnxReader.readModel(file), file.toString());
                fail(c[0] + ": loaded without complaint");
            } catch (IOException | IllegalArgumentException e) {
                String m = e.getMessage();
                assertFalse(m.contains("\n") || m.contains("\r"), c[0] + ": one line: " + m);
                assertTrue(m.startsWith(file.toString()), c[0] + ": names the file first: " + m);
                for (int i = 1; i < c.length; i++) {
                    assertTrue(m.contains(c[i]), c[0] + ": '" + c[i] + "' in: " + m);
                }
            }
        }));
    }
}

package org.convnet4j.io.onnx;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.convnet4j.io.weights.ModelLoader;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Mutated ONNX files (issue 15): one field of a valid Conv + Relu model changed per file — TensorProto dims,
 * data_type, raw_data length, float_data count, the external data fields; attribute types and values — by
 * tools/fixtures/onnx_mutations.py. Loading each gives an IOException whose message is one line naming the file,
 * the tensor or node, and the field (the fragments in expected.tsv); nothing else is thrown.
 * The same files are in the fuzz corpus (ReaderFuzzTestInputs/onnx/mutation_*).
 */
class OnnxMessagesTest {
    private static final String DIR = "/fixtures/onnx_mutations/";

    private static Path resource(String name) throws Exception {
        URL url = OnnxMessagesTest.class.getResource(DIR + name);
        assertNotNull(url, DIR + name + " (run tools/fixtures/onnx_mutations.py)");
        return Path.of(url.toURI());
    }

    @Test
    void theUnmutatedModelImports() throws Exception {
        ModelLoader.load(resource("valid/model.onnx"));
    }

    @TestFactory
    Stream<DynamicTest> everyMutationIsOneLineNamingFileTensorOrNodeAndField() throws Exception {
        List<String> rows = Files.readAllLines(resource("expected.tsv"), StandardCharsets.UTF_8);
        assertTrue(rows.size() >= 36, "cases: " + rows.size());
        List<DynamicTest> tests = new ArrayList<>();
        for (String row : rows) {
            String[] parts = row.split("\t");
            String name = parts[0];
            String[] fragments = parts[1].split("\\|");
            tests.add(DynamicTest.dynamicTest(name, () -> {
                Path file = resource(name + "/model.onnx");
                try {
                    ModelLoader.load(file);
                    fail(name + ": loaded without complaint");
                } catch (IOException | IllegalArgumentException e) {
                    // IOException: a broken file; UnsupportedOnnxException (an IllegalArgumentException): a node
                    // that cannot be imported as it stands; both exit 2 in the CLI
                    String m = e.getMessage();
                    assertFalse(m.contains("\n") || m.contains("\r"), name + ": one line: " + m);
                    assertTrue(m.startsWith(file.toString()), name + ": names the file first: " + m);
                    for (String f : fragments) {
                        assertTrue(m.contains(f), name + ": '" + f + "' in: " + m);
                    }
                }
            }));
        }
        return tests.stream();
    }
}

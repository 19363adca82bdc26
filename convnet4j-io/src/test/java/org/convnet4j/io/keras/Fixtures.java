package org.convnet4j.io.keras;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Map;
import org.convnet4j.checkpoint.SafeTensors;
import org.convnet4j.nn.Model;
import org.convnet4j.tensor.Tensor;

/** The fixtures written by tools/fixtures/keras_h5_fixture.py and how to compare with them. */
public final class Fixtures {
    /** max |ours - torch| / max |torch|; float32 forward against PyTorch's float64 on the same weights. */
    public static final double TOLERANCE = 1e-4;

    private Fixtures() {
    }

    public static Path path(String name) {
        try {
            return Path.of(Fixtures.class.getResource("/fixtures/keras/" + name).toURI());
        } catch (URISyntaxException | NullPointerException e) {
            throw new IllegalStateException("fixture " + name + " is missing", e);
        }
    }

    /** input and output of fixture {@code name} (file NAME.expected.safetensors). */
    public static Map<String, Tensor> expected(String name) throws IOException {
        return SafeTensors.read(path(name + ".expected.safetensors")).tensors();
    }

    /** Runs {@code model} on the fixture's input and compares with PyTorch's output. */
    public static void assertMatches(String name, Model model) throws IOException {
        assertMatches(name, expected(name), model);
    }

    /** Runs {@code model} on {@code e}'s "input" and compares with its "output" (PyTorch's). */
    public static void assertMatches(String name, Map<String, Tensor> e, Model model) {
        Tensor y = model.predict(e.get("input"));
        Tensor want = e.get("output");
        assertArrayEquals(want.shape().dims(), y.shape().dims(), name + ": output shape");
        double maxRef = 0;
        double maxDiff = 0;
        for (int i = 0; i < want.size(); i++) {
            maxRef = Math.max(maxRef, Math.abs(want.data()[i]));
            maxDiff = Math.max(maxDiff, Math.abs(want.data()[i] - y.data()[i]));
        }
        assertTrue(maxRef > 1e-3, name + ": reference output is degenerate");
        assertTrue(maxDiff <= TOLERANCE * maxRef, name + ": max |ours - torch| = " + maxDiff + ", max |torch| = " + maxRef);
    }
}

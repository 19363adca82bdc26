package org.convnet4j.io;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.convnet4j.io.onnx.OnnxModel;
import org.convnet4j.io.onnx.OnnxReader;
import org.convnet4j.tensor.Shape;
import org.convnet4j.util.MemoryBudget;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A file its folder's seal lists is held to its reader's size budget before it is hashed against the seal: the hash
 * is bounded in memory but not in time, so a listed file of 50 GB took minutes of reading before the reader refused
 * it for its size. Shown by order: a listed file that is both too large and changed since it was sealed is refused
 * for its size (before: for its SHA-256, which needed the whole file read), through both of infer's readers.
 */
class SealedInputsBudgetTest {
    @TempDir
    Path tmp;

    @AfterEach
    void defaults() {
        System.clearProperty(MemoryBudget.PROPERTY);
    }

    private Path resource(String name) throws IOException {
        Path out = tmp.resolve(name.replace('/', '_'));
        try (InputStream in = SealedInputsBudgetTest.class.getResourceAsStream("/fixtures/onnx_ml_strings/" + name)) {
            assertTrue(in != null, "missing test resource " + name);
            Files.copy(in, out);
        }
        return out;
    }

    @Test
    void aListedFileTooLargeForItsReaderIsRefusedBeforeItIsHashed() throws IOException {
        Path modelFile = resource("one_hot_strings/model.onnx");
        OnnxModel.Model model = OnnxReader.readModel(modelFile);
        Path out = tmp.resolve("out");
        ProgramInference.run(model, modelFile.toString(), List.of(resource("one_hot_strings/input_0.pb")), out, "pb");
        Path listed = out.resolve("output_0.pb"); // [12, 7] FLOAT, listed in out's seal
        byte[] b = Files.readAllBytes(listed);
        b[b.length - 1] ^= 1; // same size, another SHA-256
        Files.write(listed, b);

        IOException sum = assertThrows(IOException.class,
                () -> OnnxInputs.floatInputs(List.of(listed), List.of(Shape.of(7))));
        assertTrue(sum.getMessage().startsWith(listed + ": does not match its SHA-256 in "), sum.getMessage());

        System.setProperty(MemoryBudget.PROPERTY, Long.toString(b.length - 1)); // one byte short of the file
        String tooLarge = listed + ": a tensor file of " + b.length + " bytes needs ";
        IOException e = assertThrows(IOException.class,
                () -> OnnxInputs.floatInputs(List.of(listed), List.of(Shape.of(7))));
        assertTrue(e.getMessage().startsWith(tooLarge), e.getMessage());
        e = assertThrows(IOException.class, () -> ProgramInference.run(model, modelFile.toString(), List.of(listed),
                tmp.resolve("again"), "pb"));
        assertTrue(e.getMessage().startsWith(tooLarge), e.getMessage());
        assertTrue(Files.notExists(tmp.resolve("again")));
    }
}

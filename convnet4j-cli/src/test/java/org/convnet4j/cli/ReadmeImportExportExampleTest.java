package org.convnet4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.convnet4j.io.weights.ModelLoader;
import org.convnet4j.testsupport.JavaSnippets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's import/export example (the entry points of {@code import} and {@code export}), taken from README.md as
 * it is, compiled with javac against the library and run on the PyTorch LeNet-5 ONNX fixture: the model file it
 * writes and the ONNX file it exports classify the fixture's digit with the same probabilities as the original file.
 */
class ReadmeImportExportExampleTest {
    private static final Pattern BLOCK = Pattern.compile(
            "<!-- compiled and run by ReadmeImportExportExampleTest -->\\s*```java\\n(.*?)```", Pattern.DOTALL);
    private static final Path FIXTURES = Path.of("src", "test", "resources", "fixtures", "onnx");

    @Test
    void theReadmesImportExportExampleWritesModelsThatAnswerAsTheOriginal(@TempDir Path tmp) throws Exception {
        Matcher m = BLOCK.matcher(Files.readString(Path.of("..", "README.md")));
        assertTrue(m.find(), "README.md has no block marked for ReadmeImportExportExampleTest");
        Path src = Files.createDirectories(tmp.resolve("src"));
        Path classes = Files.createDirectories(tmp.resolve("classes"));
        Path source = src.resolve("ImportExportExample.java");
        Files.writeString(source, JavaSnippets.wrap("ImportExportExample",
                m.group(1).replace("Path.of(\"", "DIR.resolve(\""), "java.nio.file.Path"));
        assertEquals("", JavaSnippets.compile(classes, List.of(source)));
        Path dir = Files.createDirectories(tmp.resolve("work"));
        Files.copy(FIXTURES.resolve("lenet5_pytorch.onnx"), dir.resolve("lenet5.onnx"));
        try (URLClassLoader loader = new URLClassLoader(new URL[] {classes.toUri().toURL()},
                getClass().getClassLoader())) {
            Class<?> example = loader.loadClass("ImportExportExample");
            example.getField("DIR").set(null, dir);
            example.getMethod("run").invoke(null);
        }
        Path digit = FIXTURES.resolve("digit.png");
        double[] original = ModelLoader.classifier(dir.resolve("lenet5.onnx")).classify(digit).probabilities();
        assertEquals(10, original.length);
        assertArrayEquals(original, ModelLoader.classifier(dir.resolve("lenet5.c4j")).classify(digit).probabilities(),
                1e-5, "lenet5.c4j");
        assertArrayEquals(original, ModelLoader.classifier(dir.resolve("lenet5-again.onnx")).classify(digit)
                .probabilities(), 1e-5, "lenet5-again.onnx");
    }
}

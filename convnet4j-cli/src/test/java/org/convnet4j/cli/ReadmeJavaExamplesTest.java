package org.convnet4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.convnet4j.data.FashionMnist;
import org.convnet4j.image.Images;
import org.convnet4j.tensor.Tensor;
import org.junit.jupiter.api.Assumptions;
import org.convnet4j.testsupport.JavaSnippets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's Java examples marked "compiled and run by ReadmeJavaExamplesTest", taken from README.md as they
 * are, compiled with javac against the library and run in order (train writes the model that predict loads).
 * Only the data size shrinks, by two textual substitutions, so that the suite stays quick; file names are
 * resolved in a temporary directory.
 */
class ReadmeJavaExamplesTest {
    private static final Path README = Path.of("..", "README.md");
    private static final Pattern BLOCK = Pattern.compile(
            "<!-- compiled and run by ReadmeJavaExamplesTest: (\\w+) -->\\s*```java\\n(.*?)```", Pattern.DOTALL);

    @Test
    void readmeExamplesCompileAndRun(@TempDir Path tmp) throws Exception {
        Assumptions.assumeTrue(Files.isDirectory(Path.of(FashionMnist.DEBIAN_DIR)),
                "Fashion-MNIST not installed (.ci/run installs dataset-fashion-mnist)");
        Map<String, String> blocks = new LinkedHashMap<>();
        Matcher m = BLOCK.matcher(Files.readString(README));
        while (m.find()) {
            blocks.put(m.group(1), m.group(2));
        }
        assertEquals(List.of("train", "predict", "batch", "fusion"), new ArrayList<>(blocks.keySet()));
        writePicture(0, tmp.resolve("boot.png"));
        writePicture(1, tmp.resolve("shirt.png"));

        Path src = Files.createDirectories(tmp.resolve("src"));
        Path classes = Files.createDirectories(tmp.resolve("classes"));
        List<Path> files = new ArrayList<>();
        for (Map.Entry<String, String> b : blocks.entrySet()) {
            String code = b.getValue()
                    .replace("FashionMnist.train()", "org.convnet4j.data.Datasets.subset(FashionMnist.train(), 1200)")
                    .replace("FashionMnistSobel.load(FusionSources.Part.TRAIN, 3000)", "FashionMnistSobel.load(FusionSources.Part.TRAIN, 600)");
            Path f = src.resolve(className(b.getKey()) + ".java");
            // Path.of("x") resolves in the class's DIR
            Files.writeString(f, JavaSnippets.wrap(className(b.getKey()), code.replace("Path.of(\"", "DIR.resolve(\""),
                    "java.nio.file.Path"));
            files.add(f);
        }
        assertEquals("", JavaSnippets.compile(classes, files), "README examples do not compile");

        try (URLClassLoader loader = new URLClassLoader(new URL[] {classes.toUri().toURL()},
                getClass().getClassLoader())) {
            for (String name : blocks.keySet()) {
                Class<?> example = loader.loadClass(className(name));
                example.getField("DIR").set(null, tmp);
                Method run = example.getMethod("run");
                run.invoke(null);
            }
        }
        assertTrue(Files.exists(tmp.resolve("lenet5.c4j")) && Files.exists(tmp.resolve("lenet5.last.c4j")));
        assertTrue(Files.exists(tmp.resolve("fused.c4j")));
    }

    private static String className(String block) {
        return "Readme" + Character.toUpperCase(block.charAt(0)) + block.substring(1);
    }

    private static void writePicture(int index, Path file) throws IOException {
        Tensor t = FashionMnist.test().sample(index);
        for (int i = 0; i < t.size(); i++) {
            t.data()[i] *= 255;
        }
        Images.write(t, file);
    }
}

package org.convnet4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.convnet4j.data.FashionMnist;
import org.convnet4j.image.Images;
import org.convnet4j.tensor.Tensor;
import org.junit.jupiter.api.Assumptions;
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
        assertEquals(List.of("train", "predict", "fusion"), new ArrayList<>(blocks.keySet()));
        writePicture(0, tmp.resolve("boot.png"));
        writePicture(1, tmp.resolve("shirt.png"));

        Path src = Files.createDirectories(tmp.resolve("src"));
        Path classes = Files.createDirectories(tmp.resolve("classes"));
        List<String> files = new ArrayList<>();
        for (Map.Entry<String, String> b : blocks.entrySet()) {
            String code = b.getValue()
                    .replace("FashionMnist.train()", "org.convnet4j.data.Datasets.subset(FashionMnist.train(), 1200)")
                    .replace("FashionMnistSobel.load(FusionSources.Part.TRAIN, 3000)", "FashionMnistSobel.load(FusionSources.Part.TRAIN, 600)");
            Path f = src.resolve(className(b.getKey()) + ".java");
            Files.writeString(f, wrap(className(b.getKey()), code));
            files.add(f.toString());
        }
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        List<String> args = new ArrayList<>(List.of("-classpath", classPath(), "-d", classes.toString(), "-proc:none"));
        args.addAll(files);
        java.io.ByteArrayOutputStream errors = new java.io.ByteArrayOutputStream();
        int rc = javac.run(null, null, errors, args.toArray(String[]::new));
        assertEquals(0, rc, "README examples do not compile:\n" + errors.toString(StandardCharsets.UTF_8));

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

    /** Imports stay on top, the statements become the body of run(); Path.of("x") resolves in the class's DIR. */
    private static String wrap(String name, String code) {
        StringBuilder imports = new StringBuilder();
        StringBuilder body = new StringBuilder();
        for (String line : code.split("\n")) {
            (line.startsWith("import ") ? imports : body).append(line).append('\n');
        }
        String statements = body.toString().replace("Path.of(\"", "DIR.resolve(\"");
        return imports + "\npublic class " + name + " {\n    public static java.nio.file.Path DIR;\n\n"
                + "    public static void run() throws Exception {\n" + statements + "\n    }\n}\n";
    }

    private static void writePicture(int index, Path file) throws IOException {
        Tensor t = FashionMnist.test().sample(index);
        for (int i = 0; i < t.size(); i++) {
            t.data()[i] *= 255;
        }
        Images.write(t, file);
    }

    /** The test class path; under surefire's manifest-only jar, the entries its manifest lists. */
    private static String classPath() throws IOException {
        List<String> out = new ArrayList<>();
        for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
            out.add(e);
            if (e.endsWith(".jar") && e.contains("surefire")) {
                try (JarFile jar = new JarFile(e)) {
                    String cp = jar.getManifest() == null ? null
                            : jar.getManifest().getMainAttributes().getValue("Class-Path");
                    if (cp != null) {
                        for (String u : cp.trim().split("\\s+")) {
                            out.add(Path.of(java.net.URI.create(u)).toString());
                        }
                    }
                } catch (IllegalArgumentException ignored) {
                    // a relative Class-Path entry: javac resolves those itself
                }
            }
        }
        return String.join(File.pathSeparator, out);
    }
}

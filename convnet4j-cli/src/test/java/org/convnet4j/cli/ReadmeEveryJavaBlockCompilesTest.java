package org.convnet4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.convnet4j.testsupport.JavaSnippets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every Java block of the README compiles against the current API. The blocks that ReadmeJavaExamplesTest,
 * ReadmeSparkExampleTest, ReadmeServeExampleTest (serve) and LayerTypeReadmeTest run (or hold word for word) are left to them; the others are
 * fragments of a larger program (they use a {@code model}, a {@code config}, data from the text around them): each is
 * compiled as it stands, with the packages it uses imported and those few variables declared (below, per block),
 * not run (they name files, servers and downloads).
 */
class ReadmeEveryJavaBlockCompilesTest {
    private static final Path README = Path.of("..", "README.md");
    private static final Pattern BLOCK = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL);
    private static final String IMPORTS = String.join("\n", "import java.nio.file.*;", "import java.util.*;",
            "import org.convnet4j.data.*;", "import org.convnet4j.dataspec.*;", "import org.convnet4j.fusion.*;",
            "import org.convnet4j.image.*;", "import org.convnet4j.model.*;", "import org.convnet4j.nn.*;",
            "import org.convnet4j.nn.layers.DecisionFusion;", "import org.convnet4j.serve.*;",
            "import org.convnet4j.tensor.*;", "import org.convnet4j.train.*;", "import org.convnet4j.train.optim.*;",
            "import org.convnet4j.transfer.*;", "");

    /** The variables a fragment takes from the text around it, by a line that starts the block. */
    private static final Map<String, String> CONTEXT = Map.of(
            "MultiInputDataset data = FashionMnistSobel", "Model pixelModel = null, edgeModel = null;"
                    + " MultiInputDataset testData = null;");

    @Test
    void everyReadmeJavaBlockCompiles(@TempDir Path tmp) throws Exception {
        String readme = Files.readString(README);
        Matcher m = BLOCK.matcher(readme);
        Map<String, String> compiled = new LinkedHashMap<>();
        int all = 0;
        while (m.find()) {
            all++;
            String before = readme.substring(Math.max(0, m.start() - 200), m.start());
            String code = m.group(1);
            if (before.contains("compiled and run by") || before.contains("the same text as")) {
                continue; // run (or compared) by its own test
            }
            String first = code.lines().filter(l -> !l.startsWith("import ") && !l.isBlank()).findFirst().orElse("");
            String context = CONTEXT.entrySet().stream().filter(e -> first.startsWith(e.getKey()))
                    .map(Map.Entry::getValue).findFirst().orElse("");
            int line = (int) readme.substring(0, m.start()).lines().count() + 1;
            compiled.put("ReadmeBlockLine" + line, context + "\n" + code);
        }
        assertTrue(all >= 12, "Java blocks in the README: " + all);
        assertTrue(compiled.size() >= 6, "blocks compiled here: " + compiled.keySet());
        Path src = Files.createDirectories(tmp.resolve("src"));
        Path classes = Files.createDirectories(tmp.resolve("classes"));
        List<Path> files = new ArrayList<>();
        for (Map.Entry<String, String> b : compiled.entrySet()) {
            boolean ownImports = b.getValue().lines().anyMatch(l -> l.startsWith("import "));
            // a block's imports first (JavaSnippets keeps import lines on top), then the context's declarations
            String code = b.getValue().lines().filter(l -> l.startsWith("import ")).reduce("", (a, l) -> a + l + "\n")
                    + b.getValue().lines().filter(l -> !l.startsWith("import ")).reduce("", (a, l) -> a + l + "\n");
            String source = JavaSnippets.wrap(b.getKey(), code, "java.nio.file.Path");
            Path f = src.resolve(b.getKey() + ".java");
            Files.writeString(f, (ownImports ? "" : IMPORTS) + source);
            files.add(f);
        }
        assertEquals("", JavaSnippets.compile(classes, files), "README Java blocks that do not compile");

        // negative control: the same harness on the first block with a call the API does not have must fail
        Path broken = src.resolve("Broken.java");
        String first = Files.readString(files.get(0)).replace("class " + compiled.keySet().iterator().next(),
                "class Broken").replace("public static void run() throws Exception {",
                "public static void run() throws Exception {\n        Tensor.noSuchMethodInTheApi();");
        Files.writeString(broken, first.contains("import org.convnet4j.tensor.Tensor;") || first.contains(
                "import org.convnet4j.tensor.*;") ? first : "import org.convnet4j.tensor.Tensor;\n" + first);
        String errors = JavaSnippets.compile(Files.createDirectories(tmp.resolve("broken")), List.of(broken));
        assertTrue(errors.contains("noSuchMethodInTheApi"), errors);
    }
}

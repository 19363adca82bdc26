package org.convnet4j.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.convnet4j.data.ArrayDataset;
import org.convnet4j.data.Dataset;
import org.convnet4j.model.ModelFiles;
import org.convnet4j.model.Preprocessing;
import org.convnet4j.nn.Model;
import org.convnet4j.tensor.Shape;
import org.convnet4j.testsupport.JavaSnippets;
import org.convnet4j.train.TrainConfig;
import org.convnet4j.train.optim.Adam;
import org.convnet4j.zoo.LeNet5;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * README's "Serving from Java" block, taken from README.md as it stands (the block marked "compiled and run by
 * ReadmeServeExampleTest"), compiled with javac against the library and run: a model server on lenet5.c4j, a run log
 * shown by a dashboard, a training dashboard. Two changes are made to the text, as the other README example tests do:
 * port 6006 becomes 0 (any free port) and {@code Path.of("} becomes {@code DIR.resolve("} (a temporary folder). The
 * variables the block takes from the text around it ({@code model}, {@code config}, {@code train},
 * {@code validation}) are declared before it; what it leaves open (its run log and dashboard) is handed back after it
 * and closed here.
 */
public class ReadmeServeExampleTest {
    private static final Pattern BLOCK = Pattern.compile(
            "<!-- compiled and run by ReadmeServeExampleTest -->\\s*```java\\n(.*?)```", Pattern.DOTALL);
    private static final String IMPORTS = String.join("\n", "import java.nio.file.Path;", "import java.util.Map;",
            "import org.convnet4j.data.Dataset;", "import org.convnet4j.model.ModelFiles;",
            "import org.convnet4j.model.SavedModel;", "import org.convnet4j.nn.Model;", "import org.convnet4j.serve.*;",
            "import org.convnet4j.train.TrainConfig;", "import org.convnet4j.train.Trainer;", "");
    private static final String BEFORE = "Model model = ReadmeServeExampleTest.model(); TrainConfig config ="
            + " ReadmeServeExampleTest.config(model); Dataset train = ReadmeServeExampleTest.data(), validation = train;\n";
    private static final String AFTER = "\nReadmeServeExampleTest.left(log, dashboard);\n";

    private static RunLog leftLog;
    private static DashboardServer leftDashboard;

    @Test
    void theReadmesServingBlockServesAndLogsRuns(@TempDir Path tmp) throws Exception {
        Matcher m = BLOCK.matcher(Files.readString(Path.of("..", "README.md")));
        assertTrue(m.find(), "README.md has no block marked for ReadmeServeExampleTest");
        String block = m.group(1);
        assertTrue(block.contains("6006") && block.contains("Path.of(\""), block); // the two replacements apply
        Path src = Files.createDirectories(tmp.resolve("src"));
        Path classes = Files.createDirectories(tmp.resolve("classes"));
        Path source = src.resolve("ServeExample.java");
        Files.writeString(source, IMPORTS + JavaSnippets.wrap("ServeExample",
                BEFORE + block.replace("6006", "0").replace("Path.of(\"", "DIR.resolve(\"") + AFTER, "java.nio.file.Path"));
        assertEquals("", JavaSnippets.compile(classes, List.of(source)));

        Path dir = Files.createDirectories(tmp.resolve("work"));
        Model lenet = LeNet5.build().initialize(1).setClassNames(TestModels.CLASSES);
        ModelFiles.save(lenet, dir.resolve("lenet5.c4j"), Preprocessing.forInput(Shape.of(1, 28, 28)));
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        PrintStream stdout = System.out;
        try (URLClassLoader loader = new URLClassLoader(new URL[] {classes.toUri().toURL()},
                getClass().getClassLoader())) {
            Class<?> example = loader.loadClass("ServeExample");
            example.getField("DIR").set(null, dir);
            System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
            example.getMethod("run").invoke(null);
        } finally {
            System.setOut(stdout);
        }
        try {
            String out = printed.toString(StandardCharsets.UTF_8);
            assertTrue(out.startsWith("serving at http://127.0.0.1:"), out); // started, warmed up, closed
            String events = ModelServerTestHttp.get(leftDashboard.url() + "/api/runs/" + leftLog.id() + "/events");
            assertTrue(events.contains("\"type\":\"end\""), events); // the dashboard shows the whole run
            leftLog.close();
            // two runs under runs/: the log the dashboard shows, and the one TrainingDashboard made for "lenet5"
            List<Path> runs;
            try (Stream<Path> s = Files.list(dir.resolve("runs"))) {
                runs = s.sorted().toList();
            }
            assertEquals(2, runs.size(), runs.toString());
            for (Path run : runs) {
                assertTrue(run.getFileName().toString().startsWith("lenet5"), run.toString());
                String written = Files.readString(run.resolve(RunLog.EVENTS));
                assertTrue(written.contains("\"type\":\"end\""), run + ": " + written);
            }
            Path shown = dir.resolve("runs").resolve(leftLog.id());
            assertEquals(leftLog.size(), Files.readAllLines(shown.resolve(RunLog.EVENTS)).size());
        } finally {
            leftDashboard.close();
        }
    }

    /** The {@code model} the README's block trains (LeNet-5, fresh weights). */
    public static Model model() {
        return LeNet5.build().initialize(2);
    }

    /** Its {@code config}: one epoch of Adam in batches of 8. */
    public static TrainConfig config(Model model) {
        return TrainConfig.builder(new Adam(model, 1e-3)).epochs(1).batchSize(8).build();
    }

    /** Its {@code train} and {@code validation} data: 16 pictures of one lit pixel, ten classes. */
    public static Dataset data() {
        float[] pixels = new float[16 * 784];
        int[] labels = new int[16];
        for (int i = 0; i < 16; i++) {
            labels[i] = i % 10;
            pixels[i * 784 + i] = 1;
        }
        return ArrayDataset.ofFloats(pixels, Shape.of(1, 28, 28), labels, TestModels.CLASSES);
    }

    /** What the block leaves open, handed back by the line after it. */
    public static void left(RunLog log, DashboardServer dashboard) {
        leftLog = log;
        leftDashboard = dashboard;
    }
}

package org.convnet4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.convnet4j.image.Images;
import org.convnet4j.model.ModelFiles;
import org.convnet4j.nn.Model;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.zoo.ModelZoo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cases of issue 15 through the command line: each gives one line on stderr and exit 2 within seconds, with
 * bounded memory, and text from a file never reaches the terminal raw.
 */
class HostileFilesCliTest {
    @TempDir
    Path dir;

    private static void assertOneLine(CliRun run, int code, String... fragments) {
        assertEquals(code, run.exitCode(), run.err());
        assertEquals(1, run.errLines(), "one line: " + run.err());
        for (String f : fragments) {
            assertTrue(run.err().contains(f), "'" + f + "' in: " + run.err());
        }
    }

    /** A safetensors file with the given header JSON and data bytes. */
    private Path safetensors(String name, String header, byte[] data) throws Exception {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h).put(data);
        return Files.write(dir.resolve(name), b.array());
    }

    @Test
    void tinySafetensorsDeclaringHugeModelsAreRefusedAtOnce() throws Exception {
        // the 173-byte file: conv1.weight [6400, 0, 7, 7] without data
        Path empty = safetensors("empty.safetensors", "{\"conv1.weight\":{\"dtype\":\"F32\",\"shape\":[6400,0,7,7],"
                + "\"data_offsets\":[0,0]},\"layer4.0.conv1.weight\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]}}",
                new byte[0]);
        long t0 = System.nanoTime();
        assertOneLine(CliRun.of("inspect", empty.toString()), 2, "conv1.weight", "no elements");
        // 25 KB of real data whose first conv declares 6,400 filters: a ResNet of width 100 (hundreds of GB)
        Path wide = safetensors("wide.safetensors", "{\"conv1.weight\":{\"dtype\":\"F32\",\"shape\":[6400,1,1,1],"
                + "\"data_offsets\":[0,25600]},\"layer4.0.conv1.weight\":{\"dtype\":\"F32\",\"shape\":[1],"
                + "\"data_offsets\":[25600,25604]}}", new byte[25604]);
        assertOneLine(CliRun.of("inspect", wide.toString()), 2, "resnet18 of width 100.0", "above the limit");
        assertTrue(System.nanoTime() - t0 < 10e9, "seconds, not minutes");
    }

    @Test
    void descriptionsNested10000DeepAreOneLineInEveryCommand() throws Exception {
        Model m = ModelZoo.build("lenet5", null, 10);
        Path good = dir.resolve("good.c4j");
        ModelFiles.save(m, good);
        // the same tensors with a description that nests 10,000 arrays deep (checksums made to match)
        org.convnet4j.checkpoint.SafeTensors.Contents c = org.convnet4j.checkpoint.SafeTensors.read(good);
        String deep = "{\"architecture\":" + "[".repeat(10_000) + "]".repeat(10_000) + "}";
        java.util.Map<String, String> meta = new java.util.LinkedHashMap<>(c.metadata());
        meta.put("convnet4j", deep);
        meta.put("description_sha256", HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                .digest(deep.getBytes(StandardCharsets.UTF_8))));
        Path bad = dir.resolve("deep.c4j");
        org.convnet4j.checkpoint.SafeTensors.write(bad, c.tensors(), meta);
        Path png = dir.resolve("x.png");
        Images.write(Tensor.zeros(1, 28, 28), png);
        List<CliRun> runs = new ArrayList<>();
        runs.add(CliRun.of("inspect", bad.toString()));
        runs.add(CliRun.of("predict", "--model", bad.toString(), png.toString()));
        runs.add(CliRun.of("evaluate", "--model", bad.toString(), "--data", dir.toString()));
        runs.add(CliRun.of("export", bad.toString(), "-o", dir.resolve("x.onnx").toString()));
        for (CliRun r : runs) {
            assertOneLine(r, 2, "nests arrays and objects more than 256 deep");
        }
        assertFalse(Files.exists(dir.resolve("x.onnx")));
    }

    /**
     * Read-path messages name the file and the problem: a .c4j whose description (checksums made to match) asks
     * for impossible shapes or sizes fails in one line that starts with the file, in inspect and predict.
     */
    @Test
    void badDescriptionsAreOneLineNamingTheFile() throws Exception {
        Model m = ModelZoo.build("lenet5", null, 10);
        Path good = dir.resolve("good.c4j");
        ModelFiles.save(m, good);
        org.convnet4j.checkpoint.SafeTensors.Contents c = org.convnet4j.checkpoint.SafeTensors.read(good);
        String description = c.metadata().get("convnet4j");
        Path png = dir.resolve("x.png");
        Images.write(Tensor.zeros(1, 28, 28), png);
        java.util.Map<String, String[]> mutations = new java.util.LinkedHashMap<>();
        mutations.put("zero-input", new String[] {"\"input_shape\":[1,28,28]", "\"input_shape\":[0,28,28]", "input_shape"});
        mutations.put("zero-units", new String[] {"\"units\":84", "\"units\":0", "dense2"});
        mutations.put("negative-filters", new String[] {"\"filters\":16", "\"filters\":-16", "conv2"});
        mutations.put("zero-kernel", new String[] {"\"kernel_size\":[5,5],\"strides\":[1,1],\"padding\":\"valid\"",
                "\"kernel_size\":[0,5],\"strides\":[1,1],\"padding\":\"valid\"", "conv2"});
        mutations.put("zero-pool", new String[] {"\"pool_size\":[2,2],\"strides\":[2,2],\"padding\":\"valid\"}},{\"type\":\"Conv2d\"",
                "\"pool_size\":[0,2],\"strides\":[2,2],\"padding\":\"valid\"}},{\"type\":\"Conv2d\"", "pool1"});
        mutations.put("huge-units", new String[] {"\"units\":120", "\"units\":2000000000", "dense1"});
        mutations.put("unknown-layer", new String[] {"\"type\":\"ReLU\",\"name\":\"act3\"",
                "\"type\":\"Relu9\",\"name\":\"act3\"", "Relu9"});
        for (java.util.Map.Entry<String, String[]> e : mutations.entrySet()) {
            String[] r = e.getValue();
            assertTrue(description.contains(r[0]), e.getKey() + ": " + r[0]);
            String changed = e.getKey().equals("zero-input") ? description.replace(r[0], r[1])
                    : description.replaceFirst(java.util.regex.Pattern.quote(r[0]), java.util.regex.Matcher.quoteReplacement(r[1]));
            java.util.Map<String, String> meta = new java.util.LinkedHashMap<>(c.metadata());
            meta.put("convnet4j", changed);
            meta.put("description_sha256", HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(changed.getBytes(StandardCharsets.UTF_8))));
            Path bad = dir.resolve(e.getKey() + ".c4j");
            org.convnet4j.checkpoint.SafeTensors.write(bad, c.tensors(), meta);
            for (CliRun run : List.of(CliRun.of("inspect", bad.toString()),
                    CliRun.of("predict", "--model", bad.toString(), png.toString()))) {
                assertOneLine(run, 2, bad.toString(), r[2]);
            }
        }
    }

    /**
     * Weights holding a NaN or an infinity in every format read directly (tools/fixtures/nonfinite_weights_fixture.py):
     * one line naming the file and the weight as the file names it, exit 2, nothing written. Before, each was imported
     * (and predicted with) as any other file: a .c4j alone was refused.
     */
    @Test
    void weightsThatAreNotFiniteAreRefusedInEveryFormat() {
        Path fixtures = Path.of("../convnet4j-io/src/test/resources/fixtures/nonfinite");
        String[][] cases = {
            {"squeezenet1_1_w8_nan.pth", "features.0.weight (1 of", "3x64x64"},
            {"squeezenet1_1_w8_inf.safetensors", "classifier.1.bias (1 of", "3x64x64"},
            {"vgg16_notop_nan.h5", "block2_conv1/block2_conv1/kernel:0 (1 of", null},
            {"torch_small_neginf.onnx", "gate_Conv.kernel (1 of", null}};
        for (String[] c : cases) {
            Path out = dir.resolve(c[0] + ".c4j");
            List<String> args = new ArrayList<>(List.of("import", fixtures.resolve(c[0]).toString(), "-o", out.toString()));
            if (c[2] != null) {
                args.addAll(List.of("--input-shape", c[2])); // a small SqueezeNet, as the io tests read it
            }
            assertOneLine(CliRun.of(args.toArray(String[]::new)), 2, c[0] + ": its weights are not finite: ", c[1]);
            assertFalse(Files.exists(out), out + " not written");
        }
    }

    /**
     * {@code inspect} and {@code infer}'s typed path read an ONNX file as {@code import} and {@code predict} do
     * ({@code ModelLoader.readOnnx}, {@code importOnnx}, {@code importOnnxProgram}; fixtures from
     * tools/fixtures/nonfinite_constants_fixture.py): a NaN stored in a constant and an infinite learned weight are one
     * line, exit 2, nothing printed or written. Before, inspect listed the operators (and the layers) and infer wrote
     * what the model gave, all with exit 0. A -Inf Clip bound is meant and inspected as any file.
     */
    @Test
    void inspectAndTheTypedPathOfInferRefuseWhatTheOtherCommandsRefuse() {
        Path fixtures = Path.of("../convnet4j-io/src/test/resources/fixtures/nonfinite");
        String[][] inspected = {
            {"pad_nan_value.onnx", "NaN stored in Constant node 'pad_value_node' attribute 'value' (1 of 1 values NaN)"},
            {"embedding_nan_table.onnx", "NaN stored in initializer 'table' (1 of 40 values NaN)"},
            {"torch_small_neginf.onnx", "its weights are not finite: gate_Conv.kernel (1 of 64 values not finite)"}};
        for (String[] c : inspected) {
            Path f = fixtures.resolve(c[0]);
            CliRun run = CliRun.of("inspect", f.toString());
            assertOneLine(run, 2, f + ": " + c[1]);
            assertEquals("", run.out(), "nothing listed before the refusal");
        }
        Path ids = Path.of("src/test/resources/fixtures/integer_inputs/embedding_int64/test_data_set_0/input_0.pb");
        String[][] inferred = {
            {"embedding_nan_table.onnx", "NaN stored in initializer 'table' (1 of 40 values NaN)"},
            {"embedding_inf_weight.onnx", "its weights are not finite: "}};
        for (String[] c : inferred) {
            Path f = fixtures.resolve(c[0]);
            Path out = dir.resolve(c[0] + "-out");
            assertOneLine(CliRun.of("infer", "--model", f.toString(), "--input", ids.toString(), "-o", out.toString()),
                    2, f + ": " + c[1], "(1 of ");
            assertFalse(Files.exists(out), out + " not written");
        }
        CliRun meant = CliRun.of("inspect", fixtures.resolve("clip_neginf_bound.onnx").toString());
        assertEquals(0, meant.exitCode(), meant.err());
        assertTrue(meant.out().contains("everything is supported"), meant.out());
    }

    @Test
    void classNamesFromAFileCannotDriveTheTerminal() throws Exception {
        Model m = ModelZoo.build("lenet5", null, 2);
        m.setClassNames(List.of("cat\u001b]0;pwned\u0007", "dog\u009b2J"));
        Path model = dir.resolve("evil.c4j");
        ModelFiles.save(m, model);
        Path png = dir.resolve("x.png");
        Images.write(Tensor.zeros(1, 28, 28), png);
        CliRun run = CliRun.of("predict", "--model", model.toString(), png.toString());
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.out().contains("cat\\x1b]0;pwned\\x07") || run.out().contains("dog\\x9b2J"), run.out());
        for (char c : (run.out() + run.err()).toCharArray()) {
            assertFalse(c == 0x1b || c == 0x07 || c == 0x9b, "raw control character in: " + run.out());
        }
    }

    @Test
    void outOfMemoryAndStackOverflowAreOneLineWithWhatToDo() {
        for (Error e : new Error[] {new OutOfMemoryError("Java heap space"), new StackOverflowError()}) {
            StringWriter w = new StringWriter();
            int code = new ErrorReporter(false).handleError(e, new String[] {"inspect", "x"}, new PrintWriter(w, true));
            assertEquals(2, code);
            assertEquals(1, w.toString().lines().count(), w.toString());
            assertTrue(w.toString().startsWith("convnet4j inspect: "), w.toString());
            assertTrue(w.toString().contains(e instanceof OutOfMemoryError ? "-Xmx" : "-Xss"), w.toString());
        }
    }

    @Test
    void picturesTooLargeForTheWorkAreRefusedBeforeIt() throws Exception {
        Path png = dir.resolve("big.png");
        Images.write(Tensor.zeros(3, 1000, 1000), png);
        try (org.convnet4j.testsupport.TemporaryProperty budget = org.convnet4j.testsupport.TemporaryProperty.set(
                org.convnet4j.util.MemoryBudget.PROPERTY, "30m")) {
            // decoding needs 18 MB (fits); edge detection's working set, the picture and 4 float copies of 3 x 1 MP,
            // does not: refused from the header, before decoding (LargePicturesCliTest measures that)
            assertOneLine(CliRun.of("edges", png.toString(), "-o", dir.resolve("e.png").toString()), 2,
                    "big.png: a 1000x1000 picture (PNG, 3 bands of 8 bits), decoded and processed with 4 working copies"
                    + " of it as floats, needs 60 MB, above the limit of 31 MB");
        }
        assertFalse(Files.exists(dir.resolve("e.png")));
    }

    @Test
    void optionRangesAreChecked() {
        assertOneLine(CliRun.of("train", "--lr", "1e300", "--out", dir.resolve("m.c4j").toString()), 2, "--lr");
        assertOneLine(CliRun.of("train", "--lr", "NaN", "--out", dir.resolve("m.c4j").toString()), 2, "--lr");
        assertFalse(Files.exists(dir.resolve("m.c4j")));
    }

    /**
     * Sizes from options (issue 15, item 1: "option ranges validated ... sizes"): a batch, an input shape, a serving
     * batch and queue are compared with the memory budget before anything of that size is allocated, in one line
     * with exit 2; just below the limit the same commands run (the control).
     */
    @Test
    void sizesFromOptionsAreBudgetedBeforeAnythingIsAllocated() throws Exception {
        Path data = Files.createDirectories(dir.resolve("many"));
        for (String cls : List.of("dark", "light")) {
            Path d = Files.createDirectories(data.resolve(cls));
            for (int i = 0; i < 16; i++) {
                Images.write(Tensor.zeros(1, 28, 28).fill(cls.equals("dark") ? 10 + i : 240 - i), d.resolve(i + ".png"));
            }
        }
        Path out = dir.resolve("m.c4j");
        org.convnet4j.nn.ModelSummary lenet = org.convnet4j.nn.ModelSummary.of(ModelZoo.build("lenet5", null, 2));
        long budget = (lenet.trainingMemoryBytes(4, 2) + lenet.trainingMemoryBytes(32, 2)) / 2;
        try (org.convnet4j.testsupport.TemporaryProperty p = org.convnet4j.testsupport.TemporaryProperty.set(
                org.convnet4j.util.MemoryBudget.PROPERTY, Long.toString(budget))) {
            assertOneLine(CliRun.of("train", "--data", data.toString(), "--epochs", "1", "--val-split", "0", "--batch",
                    "32", "--no-progress", "--out", out.toString()), 2, "--batch 32: training lenet5", "in batches of 32",
                    "needs at least", "above the limit");
            assertFalse(Files.exists(out));
            CliRun control = CliRun.of("train", "--data", data.toString(), "--epochs", "1", "--val-split", "0", "--batch",
                    "4", "--no-progress", "--out", out.toString());
            assertEquals(0, control.exitCode(), control.err());
            // one picture of the input shape is over the budget: refused before any picture is converted to it
            assertOneLine(CliRun.of("train", "--data", data.toString(), "--input", "3x3000x3000", "--no-progress",
                    "--out", dir.resolve("n.c4j").toString()), 2, "--input [3, 3000, 3000]: one picture", "above the limit");
        }
        try (org.convnet4j.testsupport.TemporaryProperty p = org.convnet4j.testsupport.TemporaryProperty.set(
                org.convnet4j.util.MemoryBudget.PROPERTY, "64m")) {
            // a picture that fits (9 MB), but the dense layer it makes LeNet build (about 1 GB) does not
            assertOneLine(CliRun.of("train", "--data", data.toString(), "--input", "1x1500x1500", "--limit", "1",
                    "--val-split", "0", "--no-progress", "--out", dir.resolve("n.c4j").toString()), 2,
                    "--input [1, 1500, 1500]: ", "'dense1'", "parameter 'kernel' [120, 2226064] needs 1.1 GB",
                    "above the limit");
            assertFalse(Files.exists(dir.resolve("n.c4j")));
        }
        long evalBudget = (lenet.inferenceMemoryBytes(4) + lenet.inferenceMemoryBytes(32)) / 2;
        try (org.convnet4j.testsupport.TemporaryProperty p = org.convnet4j.testsupport.TemporaryProperty.set(
                org.convnet4j.util.MemoryBudget.PROPERTY, Long.toString(evalBudget))) {
            assertOneLine(CliRun.of("evaluate", "--model", out.toString(), "--data", data.toString(), "--batch", "256"),
                    2, "--batch 256: a forward pass of 32 pictures needs at least");
            CliRun control = CliRun.of("evaluate", "--model", out.toString(), "--data", data.toString(), "--batch", "4");
            assertEquals(0, control.exitCode(), control.err());
        }
        // the serving queue and batch, before a port is bound (default budget)
        assertOneLine(CliRun.of("serve", "--model", "m=" + out, "--port", "0", "--queue", "2000000000"), 2,
                "--max-batch 8, --queue 2000000000: serving m (per model: its weights, ", " of 8 samples and"
                + " 2000000000 queued requests of one sample each; a lower bound", "needs at least");
        // one worker given: one forward pass in flight
        assertOneLine(CliRun.of("serve", "--model", "m=" + out, "--port", "0", "--workers", "1", "--queue", "2000000000"),
                2, "--max-batch 8, --queue 2000000000: serving m (per model: its weights, a forward pass of 8 samples");
        assertOneLine(CliRun.of("serve", "--model", "m=" + out, "--port", "0", "--workers", "-1"), 2,
                "--workers: must be at least 0, got -1");
        assertOneLine(CliRun.of("serve", "--model", "m=" + out, "--port", "0", "--max-batch", "2000000000"), 2,
                "--max-batch 2000000000, --queue 64: serving m (", "needs at least");
    }

    /** Two classes of {@code n} 28x28 grey pictures each, in {@code dir/name}. */
    private Path folder(String name, int n) throws Exception {
        Path data = Files.createDirectories(dir.resolve(name));
        for (String cls : List.of("dark", "light")) {
            Path d = Files.createDirectories(data.resolve(cls));
            for (int i = 0; i < n; i++) {
                Images.write(Tensor.zeros(1, 28, 28).fill(cls.equals("dark") ? 10 + i : 240 - i), d.resolve(i + ".png"));
            }
        }
        return data;
    }

    /**
     * A training step with Adam of {@code model} in batches of 4 fits under the limit, one in batches of 16 does not
     * (every run below trains on more than 16 pictures, so --batch 32 means batches of at least 16).
     */
    private static String budgetBetween4And16(Model model) {
        org.convnet4j.nn.ModelSummary s = org.convnet4j.nn.ModelSummary.of(model);
        long adam = 4L * 2 * s.trainableParams();
        long at4 = s.trainingMemoryBytes(4, 0) + adam;
        long at16 = s.trainingMemoryBytes(16, 0) + adam;
        assertTrue(at16 > at4);
        return Long.toString((at4 + at16) / 2);
    }

    /**
     * --batch of fuse, transfer and zoo-benchmark: the trainer they run budgets a training step before the first
     * batch (zoo-benchmark every model before the first trains); one line naming the option, exit 2, nothing written;
     * just below the limit the same command runs.
     */
    @Test
    void batchesOfFuseTransferAndZooBenchmarkAreBudgeted() throws Exception {
        Path a = folder("a", 12);
        Path b = folder("b", 12);
        String inputs = "a=" + a + ",b=" + b;
        Path fused = dir.resolve("fused.c4j");
        CliRun first = CliRun.of("fuse", "--mode", "early", "--inputs", inputs, "--epochs", "1", "--batch", "4",
                "--out", fused.toString());
        assertEquals(0, first.exitCode(), first.err());
        String fuseBudget = budgetBetween4And16(ModelFiles.read(fused).model());
        Path refused = dir.resolve("refused.c4j");
        try (var p = org.convnet4j.testsupport.TemporaryProperty.set(org.convnet4j.util.MemoryBudget.PROPERTY, fuseBudget)) {
            assertOneLine(CliRun.of("fuse", "--mode", "early", "--inputs", inputs, "--epochs", "1", "--batch", "32",
                    "--out", refused.toString()), 2, "convnet4j fuse: --batch 32: a training step of a model (",
                    "parameters) in batches of 2", "needs at least", "above the limit");
            assertFalse(Files.exists(refused));
            CliRun control = CliRun.of("fuse", "--mode", "early", "--inputs", inputs, "--epochs", "1", "--batch", "4",
                    "--out", fused.toString());
            assertEquals(0, control.exitCode(), control.err());
        }

        Path data = folder("t", 24);
        Path transferred = dir.resolve("t.c4j");
        String[] transfer = {"transfer", "--base", "lenet5", "--case", "4", "--data", data.toString(), "--epochs", "1",
            "--no-progress", "--out"};
        CliRun t0 = CliRun.of(concat(transfer, transferred.toString(), "--batch", "4"));
        assertEquals(0, t0.exitCode(), t0.err());
        String transferBudget = budgetBetween4And16(ModelFiles.read(transferred).model());
        try (var p = org.convnet4j.testsupport.TemporaryProperty.set(org.convnet4j.util.MemoryBudget.PROPERTY,
                transferBudget)) {
            assertOneLine(CliRun.of(concat(transfer, refused.toString(), "--batch", "32")), 2,
                    "convnet4j transfer: --batch 32: a training step of", "needs at least", "above the limit");
            assertFalse(Files.exists(refused));
            CliRun control = CliRun.of(concat(transfer, transferred.toString(), "--batch", "4"));
            assertEquals(0, control.exitCode(), control.err());
        }

        Path zoo = dir.resolve("zoo");
        String[] bench = {"zoo-benchmark", "--models", "lenet5", "--data", data.toString(), "--epochs", "1", "--out",
            zoo.toString(), "--batch"};
        try (var p = org.convnet4j.testsupport.TemporaryProperty.set(org.convnet4j.util.MemoryBudget.PROPERTY,
                budgetBetween4And16(ModelZoo.build("lenet5", null, 2)))) {
            assertOneLine(CliRun.of(concat(bench, "32")), 2, "--batch 32: a training step of lenet5 (",
                    "in batches of 3", "above the limit");
            assertFalse(Files.exists(zoo.resolve("zoo-results.json")));
            CliRun control = CliRun.of(concat(bench, "4"));
            assertEquals(0, control.exitCode(), control.err());
            assertTrue(Files.exists(zoo.resolve("zoo-results.json")));
        }
    }

    private static String[] concat(String[] head, String... tail) {
        String[] all = java.util.Arrays.copyOf(head, head.length + tail.length);
        System.arraycopy(tail, 0, all, head.length, tail.length);
        return all;
    }

    /** Two classes of four 28x28 grey pictures: a training run of a second. */
    private Path tinyFolder() throws Exception {
        Path data = Files.createDirectories(dir.resolve("data"));
        for (String cls : List.of("dark", "light")) {
            Path d = Files.createDirectories(data.resolve(cls));
            for (int i = 0; i < 4; i++) {
                Images.write(Tensor.zeros(1, 28, 28).fill(cls.equals("dark") ? 10 + i : 240 - i), d.resolve(i + ".png"));
            }
        }
        return data;
    }

    @Test
    void resumingACopiedCheckpointWritesNextToItAndNeverOverTheOriginal() throws Exception {
        Path data = tinyFolder();
        Path runA = Files.createDirectories(dir.resolve("a"));
        Path outA = runA.resolve("m.c4j");
        CliRun first = CliRun.of("train", "--data", data.toString(), "--epochs", "1", "--val-split", "0", "--batch", "4",
                "--no-progress", "--out", outA.toString());
        assertEquals(0, first.exitCode(), first.err());
        // without validation the last epoch is copied to --out (atomically; feature statistics are added after)
        var lastWeights = org.convnet4j.checkpoint.Checkpoint.load(runA.resolve("m.last.c4j")).parameters();
        var outWeights = org.convnet4j.checkpoint.Checkpoint.load(outA).parameters();
        assertEquals(lastWeights.keySet(), outWeights.keySet());
        lastWeights.forEach((k, v) -> assertEquals(0f, v.maxAbsDiff(outWeights.get(k)), k));
        try (var files = Files.list(runA)) {
            assertEquals(List.of("m.c4j", "m.last.c4j"), files.map(p -> p.getFileName().toString()).sorted().toList());
        }
        assertOneLine(CliRun.of("evaluate", "--model", outA.toString(), "--data", data.toString(), "--top-k", "1000000"),
                2, "--top-k: 1000000 is more than the 2 classes");
        byte[] originalOut = Files.readAllBytes(outA);
        byte[] originalLast = Files.readAllBytes(runA.resolve("m.last.c4j"));

        Path runB = Files.createDirectories(dir.resolve("b"));
        Path copy = Files.copy(runA.resolve("m.last.c4j"), runB.resolve("m.last.c4j"));
        CliRun resumed = CliRun.of("train", "--resume", copy.toString(), "--epochs", "2", "--no-progress");
        assertEquals(0, resumed.exitCode(), resumed.err());
        assertTrue(Files.exists(runB.resolve("m.c4j")));
        assertArrayEquals(originalOut, Files.readAllBytes(outA), "the original run's model is untouched");
        assertArrayEquals(originalLast, Files.readAllBytes(runA.resolve("m.last.c4j")));
    }
}

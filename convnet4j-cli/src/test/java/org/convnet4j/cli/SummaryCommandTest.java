package org.convnet4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Map;
import org.convnet4j.checkpoint.Checkpoint;
import org.convnet4j.internal.json.Json;
import org.convnet4j.nn.Model;
import org.convnet4j.nn.ModelSpec;
import org.convnet4j.zoo.ModelZoo;
import org.convnet4j.zoo.ZooOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class SummaryCommandTest {
    private record Run(int code, String out, String err) {
    }

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(new SummaryCommand());
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void zooModelAsJson() {
        Run r = run("--model", "resnet18", "--input", "3x32x32", "--classes", "10", "--small-input", "--width",
                "0.125", "--json", "--batch", "8");
        assertEquals(0, r.code(), r.err());
        JsonObject j = Json.parseObject(r.out(), "summary");
        Model same = ModelZoo.build("resnet18", ZooOptions.builder().input(3, 32, 32).classes(10).smallInput(true)
                .width(0.125).build());
        assertEquals(same.parameterCount(), j.get("total_params").getAsLong());
        assertEquals(same.totalMacs(), j.get("total_macs").getAsLong());
        assertEquals(8, j.get("batch_size").getAsInt());
    }

    @Test
    void tableForLeNet() {
        Run r = run("--model", "lenet5");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("Total params:      61,706"), r.out());
        assertTrue(r.out().contains("conv1 (Conv2d)"), r.out());
    }

    @Test
    void badInputAndUnknownNames() {
        Run small = run("--model", "vgg16", "--input", "3x16x16");
        assertEquals(2, small.code());
        assertTrue(small.err().contains("32x32"), small.err());
        Run unknown = run("--model", "resnet99");
        assertEquals(2, unknown.code());
        assertTrue(unknown.err().contains("inception_v3"), unknown.err());
    }

    @Test
    void savedModelIsRebuiltFromItsArchitecture(@TempDir Path dir) throws Exception {
        Model m = ModelZoo.build("lenet5", ZooOptions.defaults());
        JsonObject d = new JsonObject();
        d.add("architecture", Json.toTree(ModelSpec.toMap(m)));
        Path file = dir.resolve("lenet.c4j");
        Checkpoint.save(file, new Checkpoint(m.stateDict(), Map.of(), Json.toCompact(d)));
        Run r = run("--model", file.toString(), "--json");
        assertEquals(0, r.code(), r.err());
        assertEquals(61_706L, Json.parseObject(r.out(), "summary").get("total_params").getAsLong());

        // read as every command reads a model file (ModelFiles through ModelArgument): a missing one is one line
        CliRun missing = CliRun.of("summary", "--model", dir.resolve("missing.c4j").toString());
        assertEquals(2, missing.exitCode(), missing.err());
        assertTrue(missing.err().contains("missing.c4j"), missing.err());
        assertEquals(1, missing.err().strip().lines().count(), missing.err());

        // the zoo's options do not apply to a file: refused, not silently ignored (--input 3x1000000x1000000 showed
        // the file's [1, 28, 28] with exit 0)
        CliRun input = CliRun.of("summary", "--model", file.toString(), "--input", "3x1000000x1000000");
        assertEquals(2, input.exitCode(), input.err());
        assertEquals(1, input.err().strip().lines().count(), input.err());
        assertTrue(input.err().contains("--input: applies to zoo models only; " + file), input.err());
        CliRun two = CliRun.of("summary", "--model", file.toString(), "--classes", "3", "--no-top");
        assertTrue(two.exitCode() == 2 && two.err().contains("--classes, --no-top: apply to zoo models only"), two.err());
    }
}

package org.convnet4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.convnet4j.io.Npy;
import org.convnet4j.model.ModelFiles;
import org.convnet4j.nn.Sequential;
import org.convnet4j.nn.layers.Conv2d;
import org.convnet4j.nn.layers.Dense;
import org.convnet4j.nn.layers.Flatten;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code infer} on a float model (the float route: the value read, made a float tensor, checked against the model's
 * input): every refusal of an input file is one line on stderr starting with the file's path, exit 2, and no output
 * written.
 */
class InferFloatInputsTest {
    @TempDir
    Path dir;

    private Path model() throws Exception {
        Sequential net = new Sequential(Shape.of(1, 4, 4), new Conv2d(2, 3).padding(1), new Flatten(), new Dense(3));
        net.initialize(1);
        Path c4j = dir.resolve("net.c4j");
        ModelFiles.save(net, c4j);
        return c4j;
    }

    private Path json(String name, String text) throws Exception {
        Path sub = Files.createDirectories(dir.resolve("in"));
        return Files.writeString(sub.resolve(name), text, StandardCharsets.UTF_8);
    }

    @Test
    void everyRefusedInputNamesItsPath() throws Exception {
        Path model = model();
        Path npy = dir.resolve("in").resolve("wide.npy");
        Files.createDirectories(npy.getParent());
        Npy.write(npy, Tensor.zeros(1, 1, 5, 5));
        Path npyRank = dir.resolve("in").resolve("flat.npy");
        Npy.write(npyRank, Tensor.zeros(16));
        List<Object[]> cases = new ArrayList<>();
        cases.add(new Object[] {json("zero.json", "{\"shape\": [0, 1, 4, 4], \"datatype\": \"FP32\", \"data\": []}"),
            "dimension"});
        cases.add(new Object[] {json("empty_axis.json", "{\"shape\": [1, 1, 0, 4], \"datatype\": \"FP32\", \"data\": []}"),
            "dimension"});
        cases.add(new Object[] {json("size.json", "{\"shape\": [1, 1, 4, 5], \"datatype\": \"FP32\", \"data\": ["
                + "0, ".repeat(19) + "0]}"), "[N, 1, 4, 4]"});
        cases.add(new Object[] {json("rank.json", "{\"shape\": [16], \"datatype\": \"FP32\", \"data\": ["
                + "0, ".repeat(15) + "0]}"), "[N, 1, 4, 4]"});
        cases.add(new Object[] {npy, "[N, 1, 4, 4]"});
        cases.add(new Object[] {npyRank, "[N, 1, 4, 4]"});
        List<String> wrong = new ArrayList<>();
        for (Object[] c : cases) {
            Path in = (Path) c[0];
            Path out = dir.resolve("out-" + in.getFileName());
            CliRun r = CliRun.of("infer", "--model", model.toString(), "--input", in.toString(), "-o", out.toString());
            String line = r.err().strip();
            if (r.exitCode() != 2 || r.errLines() != 1 || !line.startsWith("convnet4j infer: " + in + ": ")
                    || !line.contains((String) c[1]) || Files.exists(out)) {
                wrong.add(in + " -> exit " + r.exitCode() + ", output " + Files.exists(out) + ", stderr: " + r.err());
            }
        }
        assertTrue(wrong.isEmpty(), String.join("\n", wrong));
        // and one that fits is read and run
        Path ok = json("ok.json", "{\"shape\": [2, 1, 4, 4], \"datatype\": \"FP32\", \"data\": [" + "0.5, ".repeat(31)
                + "0.5]}");
        CliRun r = CliRun.of("infer", "--model", model.toString(), "--input", ok.toString(), "-o",
                dir.resolve("out-ok").toString());
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("[2, 3]"), r.out());
        // an output folder that is a file
        Path file = Files.writeString(dir.resolve("a-file"), "x");
        CliRun f = CliRun.of("infer", "--model", model.toString(), "--input", ok.toString(),
                "-o", file.toString());
        assertEquals(2, f.exitCode(), f.err());
        assertTrue(f.err().strip().equals("convnet4j infer: " + file + ": exists and is not a directory"), f.err());
    }
}

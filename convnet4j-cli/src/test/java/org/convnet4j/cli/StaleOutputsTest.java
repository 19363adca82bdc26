package org.convnet4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.convnet4j.io.Npy;
import org.convnet4j.model.ModelFiles;
import org.convnet4j.nn.Graph;
import org.convnet4j.nn.layers.Add;
import org.convnet4j.nn.layers.Dense;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.util.GroupSeal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An output left in {@code -o} by an earlier run is not taken for the last run's: {@code infer} of a two-output model,
 * then of a one-output model into the same folder, leaves output_1.pb of the first run beside the second run's
 * output_0.pb and seal; a reader ({@code infer --input}) of output_1.pb is refused in one line naming it (exit 2),
 * while {@code sha256sum -c} vouches for output_0.pb only. The same for a run in the other format (output_0.npy
 * beside a later run's output_0.pb). The user's own files in that folder are read as before.
 */
class StaleOutputsTest {
    @TempDir
    Path dir;

    @Test
    void anOutputOfAnEarlierRunIsRefusedInOneLine() throws Exception {
        Path x = dir.resolve("x.npy");
        Tensor t = Tensor.zeros(2, 4);
        for (int i = 0; i < t.size(); i++) {
            t.data()[i] = i / 8f - 0.5f;
        }
        Npy.write(x, t);
        Path out = Files.createDirectories(dir.resolve("out"));
        run(0, "infer", "--model", model("two", 3, 2).toString(), "--input", x.toString(), "-o", out.toString());
        run(0, "infer", "--model", reader().toString(), "--input", out.resolve("output_0.pb").toString(),
                "--input", out.resolve("output_1.pb").toString(), "-o", dir.resolve("read").toString());
        run(0, "infer", "--model", model("one", 3).toString(), "--input", x.toString(), "-o", out.toString());
        assertEquals(List.of(GroupSeal.FILE, "output_0.pb", "output_1.pb"), SaveFaults.list(out));
        assertEquals(0, sha256sum(out), "the seal vouches for output_0.pb");

        CliRun stale = run(2, "infer", "--model", reader().toString(), "--input", out.resolve("output_0.pb").toString(),
                "--input", out.resolve("output_1.pb").toString(), "-o", dir.resolve("read2").toString());
        assertEquals("convnet4j infer: " + out.resolve("output_1.pb") + ": not listed in " + out.toAbsolutePath()
                .resolve(GroupSeal.FILE) + " with the files convnet4j wrote there last (output_0.pb): left over from an"
                + " earlier run; write it again, or delete it", stale.err().strip());
        assertFalse(Files.exists(dir.resolve("read2")), "the reader wrote nothing");

        // another format: the npy run's output_0.npy beside a later pb run's output_0.pb and seal
        run(0, "infer", "--model", model("one", 3).toString(), "--input", x.toString(), "-o", out.toString(),
                "--format", "npy");
        run(0, "infer", "--model", model("one", 3).toString(), "--input", x.toString(), "-o", out.toString());
        CliRun npy = run(2, "infer", "--model", reader3().toString(), "--input", out.resolve("output_0.npy").toString(),
                "-o", dir.resolve("read3").toString()); // it fits: only the check stops it
        assertEquals(1, npy.errLines(), npy.err());
        org.junit.jupiter.api.Assertions.assertTrue(npy.err().startsWith("convnet4j infer: " + out.resolve("output_0.npy") + ": not listed in "),
                npy.err());

        // the user's own file in that folder, not named as an output: read as before
        Files.copy(x, out.resolve("my_input.npy"));
        run(0, "infer", "--model", model("one", 3).toString(), "--input", out.resolve("my_input.npy").toString(),
                "-o", dir.resolve("read4").toString());
    }

    private static CliRun run(int exit, String... args) {
        CliRun r = CliRun.of(args);
        assertEquals(exit, r.exitCode(), String.join(" ", args) + ": " + r.err());
        if (exit != 0) {
            assertEquals(1, r.errLines(), r.err());
        }
        return r;
    }

    /** A graph with a Dense head of each size on one [4] input (the outputs output_0 ... in that order). */
    private Path model(String name, int... heads) throws Exception {
        Path model = dir.resolve(name + ".c4j");
        if (!Files.exists(model)) {
            Graph.Builder b = Graph.builder(name).input("x", Shape.of(4));
            String[] outs = new String[heads.length];
            for (int i = 0; i < heads.length; i++) {
                outs[i] = "h" + i;
                b.add(outs[i], new Dense(heads[i]), "x");
            }
            Graph g = b.output(outs).build();
            g.initialize(5);
            ModelFiles.save(g, model);
        }
        return model;
    }

    /** A model that takes [N, 3] and [N, 2]: what reads both outputs of the two-output model. */
    private Path reader() throws Exception {
        Path model = dir.resolve("reader.c4j");
        if (!Files.exists(model)) {
            Graph g = Graph.builder("reader").input("p", Shape.of(3)).input("q", Shape.of(2))
                    .add("d", new Dense(2), "p")
                    .add("sum", new Add(), "d", "q")
                    .output("sum").build();
            g.initialize(7);
            ModelFiles.save(g, model);
        }
        return model;
    }

    /** A model that takes [N, 3] (the one-output model's output). */
    private Path reader3() throws Exception {
        Path model = dir.resolve("reader3.c4j");
        if (!Files.exists(model)) {
            Graph g = Graph.builder("reader3").input("p", Shape.of(3)).add("d", new Dense(2), "p").output("d").build();
            g.initialize(9);
            ModelFiles.save(g, model);
        }
        return model;
    }

    /** {@code sha256sum -c} on {@code out}'s seal, run in {@code out} (coreutils, outside convnet4j): its exit code. */
    private static int sha256sum(Path out) throws Exception {
        Process p = new ProcessBuilder("sha256sum", "-c", "--quiet", GroupSeal.FILE).directory(out.toFile())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        p.waitFor(60, TimeUnit.SECONDS);
        return p.exitValue();
    }
}

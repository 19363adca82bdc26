package org.convnet4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.convnet4j.image.Images;
import org.convnet4j.io.Npy;
import org.convnet4j.model.ModelFiles;
import org.convnet4j.model.Preprocessing;
import org.convnet4j.nn.Graph;
import org.convnet4j.nn.layers.Dense;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.zoo.LeNet5;

/**
 * What the fault suite's tests (KillAtAByteTest, KillMidCheckpointTest, FullDiskSavesTest, OutputPathsTest,
 * PictureWriteFailureTest, ReadOnlyFolderTest) start from, made once per class in its folder, and the checks they share:
 * the earlier target that no failure may cost, the one temporary file a stopped write left, and no temporary file left
 * behind.
 *
 * @param model      a LeNet-5 model file (untrained)
 * @param data       a --data folder of 8 grey 28x28 pictures in two classes
 * @param tensor     two inputs for {@code model}, as .npy
 * @param twoOutputs a model file with two outputs (a graph of two Dense heads on one [4] input)
 * @param twoInputs  two inputs for {@code twoOutputs}, as .npy
 * @param picture    a grey 32x32 PNG
 */
record SaveFaults(Path model, Path data, Path tensor, Path twoOutputs, Path twoInputs, Path picture) {
    /** The hook's system property (AtomicFiles' WriteFaults). */
    static final String HOOK = "convnet4j.faults.write";

    static SaveFaults in(Path dir) throws IOException {
        Path model = dir.resolve("lenet5.c4j");
        ModelFiles.save(LeNet5.build().initialize(1), model, Preprocessing.forInput(Shape.of(1, 28, 28)));

        Path data = dir.resolve("pictures");
        for (String cls : new String[] {"bright", "dark"}) {
            Files.createDirectories(data.resolve(cls));
            for (int i = 0; i < 4; i++) {
                Tensor t = Tensor.zeros(1, 28, 28);
                Arrays.fill(t.data(), cls.equals("bright") ? 200 + i : 20 + i);
                Images.write(t, data.resolve(cls).resolve(i + ".png"));
            }
        }

        Path tensor = dir.resolve("x.npy");
        Tensor x = Tensor.zeros(2, 1, 28, 28);
        for (int i = 0; i < x.size(); i++) {
            x.data()[i] = (i % 29) / 29f;
        }
        Npy.write(tensor, x);

        Path twoOutputs = dir.resolve("two-heads.c4j");
        Graph g = Graph.builder("two-heads").input("x", Shape.of(4))
                .add("a", new Dense(3), "x")
                .add("b", new Dense(2), "x")
                .output("a", "b").build();
        g.initialize(5);
        ModelFiles.save(g, twoOutputs);
        Path twoInputs = dir.resolve("x4.npy");
        Tensor x4 = Tensor.zeros(2, 4);
        for (int i = 0; i < x4.size(); i++) {
            x4.data()[i] = i / 8f - 0.5f;
        }
        Npy.write(twoInputs, x4);

        Path picture = dir.resolve("pic.png");
        Tensor p = Tensor.zeros(1, 32, 32);
        for (int i = 0; i < p.size(); i++) {
            p.data()[i] = (i * 37) % 256;
        }
        Images.write(p, picture);
        return new SaveFaults(model, data, tensor, twoOutputs, twoInputs, picture);
    }

    /** Puts an earlier version in {@code target} (one line naming it) and returns its bytes. */
    static byte[] earlier(Path target) throws IOException {
        byte[] b = ("an earlier " + target.getFileName() + " that no failure may cost\n").getBytes(StandardCharsets.UTF_8);
        Files.write(target, b);
        return b;
    }

    /** The names in {@code folder}, sorted. */
    static List<String> list(Path folder) throws IOException {
        try (Stream<Path> s = Files.list(folder)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    /** No temporary file (.tmp) is left in {@code folder}. */
    static void noTemporaryIn(Path folder) throws IOException {
        try (Stream<Path> s = Files.list(folder)) {
            assertEquals(List.of(), s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".tmp")).toList(),
                    "temporary files in " + folder);
        }
    }

    /** The one temporary file of {@code name} that process {@code pid} has in {@code folder}. */
    static Path temporary(Path folder, String name, long pid) throws IOException {
        try (Stream<Path> s = Files.list(folder)) {
            List<Path> tmps = s.filter(p -> p.getFileName().toString().startsWith(org.convnet4j.util.AtomicFiles.temporaryPrefix(name, pid))
                    && p.getFileName().toString().endsWith(".tmp")).toList();
            assertEquals(1, tmps.size(), "one temporary file of " + name + " in " + folder + ": " + tmps);
            return tmps.get(0);
        }
    }
}

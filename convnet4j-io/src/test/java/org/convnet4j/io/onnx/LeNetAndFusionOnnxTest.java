package org.convnet4j.io.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.convnet4j.nn.Graph;
import org.convnet4j.nn.Model;
import org.convnet4j.nn.Parameter;
import org.convnet4j.nn.Sequential;
import org.convnet4j.nn.layers.ConnectionTableConv2d;
import org.convnet4j.nn.layers.DecisionFusion;
import org.convnet4j.nn.layers.Dense;
import org.convnet4j.nn.layers.RbfOutput;
import org.convnet4j.nn.layers.ScaledTanh;
import org.convnet4j.nn.layers.TrainableSubsampling;
import org.convnet4j.nn.layers.WeightedSum;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.zoo.LeNet5LeCun1998;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ONNX forms of LeNet-5 (1998)'s layers (ScaledTanh, TrainableSubsampling, ConnectionTableConv2d, RbfOutput) and
 * of fusion's WeightedSum and DecisionFusion (every combination), checked without onnxruntime: each model is
 * exported, read back by our importer (as ModelLoader reads it) with the same outputs, and the files pass the ONNX
 * checker (Debian python3-onnx, full check with shape inference). The whole LeNet-5 (1998) of the zoo, RBF output
 * and all, is one of them.
 */
class LeNetAndFusionOnnxTest {
    /** Our layers compute these in double or in another order than the ONNX operators: float32 rounding apart. */
    private static final float TOLERANCE = 1e-5f;

    @TempDir
    Path dir;

    private final List<Path> written = new ArrayList<>();

    private static void randomise(Model m, long seed) {
        Random random = new Random(seed);
        for (Parameter p : m.namedParameters().values()) {
            if (p.isLearnable()) {
                for (int i = 0; i < p.value().size(); i++) {
                    p.value().data()[i] = (float) (0.5 * random.nextGaussian());
                }
            }
        }
    }

    /**
     * Exports, reads back, compares; returns the file's first output as our importer computes it: the float layers,
     * or, where they refuse a node (DecisionFusion's vote compares indices), the imported program.
     */
    private Tensor roundTrip(String name, Model original, Tensor... inputs) throws Exception {
        Path file = dir.resolve(name + ".onnx");
        OnnxExporter.export(original, file);
        written.add(file);
        OnnxModel.Model onnx = OnnxReader.readModel(file);
        List<Tensor> xs = List.of(inputs);
        Tensor got;
        try {
            got = OnnxImporter.importModel(onnx, name).forwardMulti(xs, false).get(0);
        } catch (UnsupportedOnnxException e) {
            OnnxProgram program = OnnxImporter.importProgram(onnx, name);
            List<TensorData> in = new ArrayList<>();
            for (int i = 0; i < inputs.length; i++) {
                in.add(TensorData.of(program.inputNames().get(i), inputs[i]));
            }
            got = program.run(in).get(0).toTensor();
        }
        Tensor want = original instanceof Graph g ? g.forwardMulti(xs, false).get(0) : original.predict(inputs[0]);
        assertEquals(want.shape(), got.shape(), name);
        float diff = want.maxAbsDiff(got);
        assertTrue(diff <= TOLERANCE, name + ": largest difference " + diff);
        return got;
    }

    /** The learnable parameters of the file as the float layers import it. */
    private long learnedBack(String name) throws Exception {
        return OnnxImporter.importModel(OnnxReader.readModel(dir.resolve(name + ".onnx")), name).parameterCount();
    }

    private static Tensor x(long seed, int... dims) {
        return Tensor.randn(new Random(seed), 1f, dims);
    }

    @Test
    void lenet5LayersAndTheWholeModelReadBack() throws Exception {
        Sequential tanh = new Sequential(Shape.of(2, 3, 3), new ScaledTanh(), new ScaledTanh(1.5, 0.1));
        roundTrip("scaled_tanh", tanh, x(1, 3, 2, 3, 3));

        Sequential sub = new Sequential(Shape.of(3, 5, 4), new TrainableSubsampling(2));
        sub.initialize(1);
        randomise(sub, 2);
        roundTrip("subsampling", sub, x(2, 3, 3, 5, 4));
        assertEquals(sub.parameterCount(), learnedBack("subsampling"), "the coefficient and the bias per map are learned");

        Sequential table = new Sequential(Shape.of(4, 6, 6), new ConnectionTableConv2d(new int[][] {{0, 1}, {1, 2, 3},
            {3}, {0, 2}, {0, 1, 2, 3}}, 3, 2));
        table.initialize(3);
        randomise(table, 3);
        roundTrip("connection_table", table, x(3, 3, 4, 6, 6));

        for (boolean learn : new boolean[] {false, true}) {
            Sequential rbf = new Sequential(Shape.of(12), new RbfOutput(5).learnCentres(learn));
            rbf.initialize(4);
            roundTrip("rbf_" + learn, rbf, x(4, 3, 12));
            assertEquals(rbf.parameterCount(), learnedBack("rbf_" + learn), "learnable centres are learned, fixed ones not");
        }

        Sequential lenet = LeNet5LeCun1998.build();
        lenet.initialize(5);
        roundTrip("lenet5_1998", lenet, x(5, 3, 1, 28, 28));
        checked();
    }

    @Test
    void fusionLayersReadBackInEveryCombination() throws Exception {
        Graph sum = Graph.builder("ws").input("a", Shape.of(4)).input("b", Shape.of(4)).input("c", Shape.of(4))
                .add("ws", new WeightedSum(), "a", "b", "c").build();
        randomise(sum, 6);
        roundTrip("weighted_sum", sum, x(6, 3, 4), x(7, 3, 4), x(8, 3, 4));
        assertEquals(3, learnedBack("weighted_sum"), "the three weights are learned again");

        for (DecisionFusion.Mode mode : DecisionFusion.Mode.values()) {
            DecisionFusion fusion = new DecisionFusion(mode);
            Graph g = Graph.builder("late_" + mode.id()).input("a", Shape.of(6)).input("b", Shape.of(6))
                    .add("head_a", new Dense(5), "a").add("head_b", new Dense(5), "b")
                    .add("fuse", fusion, "head_a", "head_b").build();
            randomise(g, 9);
            if (mode == DecisionFusion.Mode.WEIGHTED) {
                fusion.setWeights(new float[] {0.7f, 0.3f});
            }
            if (mode == DecisionFusion.Mode.STACK) {
                fusion.setMetaClassifier(Tensor.randn(new Random(10), 1f, 5, 10), Tensor.randn(new Random(11), 1f, 5));
            }
            Tensor a = x(12, 4, 6);
            Tensor b = x(13, 4, 6);
            Tensor got = roundTrip("late_" + mode.id(), g, a, b);
            // the fused decision (the arg-max) is the same for every sample
            Tensor want = g.forwardMulti(List.of(a, b), false).get(0);
            for (int i = 0; i < 4; i++) {
                assertEquals(org.convnet4j.tensor.RowOps.argmax(want.data(), i * 5, 5),
                        org.convnet4j.tensor.RowOps.argmax(got.data(), i * 5, 5), mode.id() + " sample " + i);
            }
        }
        checked();
    }

    /** The ONNX checker with shape inference accepts every file written. */
    private void checked() throws Exception {
        Path python = Path.of("/usr/bin/python3");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(python), "no /usr/bin/python3");
        org.junit.jupiter.api.Assumptions.assumeTrue(new ProcessBuilder(python.toString(), "-c", "import onnx")
                .inheritIO().start().waitFor() == 0, "python3-onnx is not installed");
        List<String> cmd = new ArrayList<>(List.of(python.toString(), "-c", "import onnx, sys\n"
                + "for f in sys.argv[1:]:\n    onnx.checker.check_model(onnx.load(f), full_check=True)"));
        written.forEach(f -> cmd.add(f.toString()));
        assertFalse(written.isEmpty());
        assertEquals(0, new ProcessBuilder(cmd).inheritIO().start().waitFor(), "onnx.checker on " + written);
    }
}

package org.convnet4j.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.convnet4j.nn.layers.Add;
import org.convnet4j.nn.layers.ArithmeticOp;
import org.convnet4j.nn.layers.ConstantArithmetic;
import org.convnet4j.nn.layers.Elementwise;
import org.convnet4j.nn.layers.BatchNorm2d;
import org.convnet4j.nn.layers.Conv2d;
import org.convnet4j.nn.layers.Dense;
import org.convnet4j.nn.layers.Flatten;
import org.convnet4j.nn.layers.GlobalAvgPool2d;
import org.convnet4j.nn.layers.ReLU;
import org.convnet4j.nn.layers.Transpose;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.train.loss.SoftmaxCrossEntropy;
import org.convnet4j.train.optim.Sgd;
import org.convnet4j.zoo.ModelZoo;
import org.convnet4j.zoo.ZooOptions;
import org.junit.jupiter.api.Test;

/** Training steps that reuse their buffers give the bits of steps that allocate everything afresh. */
class StepBuffersTest {

    /** How a step runs: allocating everything, reusing per-layer buffers, or with the memory plan as well. */
    private enum Mode { FRESH, REUSE, PLAN }

    private static List<float[]> train(String name, boolean reuse, int steps) {
        return train(zoo(name), reuse ? Mode.REUSE : Mode.FRESH, steps, Shape.of(3, 32, 32));
    }

    private static Model zoo(String name) {
        ZooOptions.Builder o = ZooOptions.builder().input(Shape.of(3, 32, 32)).classes(4).width(0.125);
        if (name.startsWith("resnet")) {
            o.smallInput(true); // the CIFAR stem keeps the 32x32 maps large enough for every stage
        }
        return ModelZoo.build(name, o.build());
    }

    private static List<float[]> train(Model m, Mode mode, int steps, Shape sample) {
        m.initialize(3);
        Sgd sgd = new Sgd(m, 0.05).momentum(0.9);
        SoftmaxCrossEntropy loss = new SoftmaxCrossEntropy();
        Random r = new Random(8);
        List<float[]> losses = new ArrayList<>();
        for (int s = 0; s < steps; s++) {
            // a smaller last batch, as at the end of an epoch: the buffers' shapes change and change back
            Tensor x = Tensor.randn(r, 1f, sample.prepend(s == 1 ? 2 : 3).dims());
            int[] labels = new int[x.dim(0)];
            for (int i = 0; i < labels.length; i++) {
                labels[i] = r.nextInt(4);
            }
            float[] value = new float[1];
            Runnable step = () -> {
                sgd.zeroGrad();
                Tensor out = m.forward(x, true);
                var v = loss.compute(out, labels);
                value[0] = (float) v.value();
                m.backwardParameters(v.gradient());
                sgd.step();
            };
            switch (mode) {
                case FRESH -> step.run();
                case REUSE -> StepBuffers.step(StepBuffers.MemoryPlan.OFF, step);
                case PLAN -> StepBuffers.step(StepBuffers.MemoryPlan.ON, step);
            }
            losses.add(value);
        }
        m.namedParameters().values().forEach(p -> losses.add(p.value().data().clone()));
        return losses;
    }

    @Test
    void reusedBuffersGiveTheBitsOfFreshOnes() {
        // residual graphs (gradient joins), batch norm, max pooling, ReLU, convolutions, dense layers
        for (String name : new String[] {"resnet18", "vgg16", "googlenet"}) {
            List<float[]> fresh = train(name, false, 4);
            List<float[]> reused = train(name, true, 4);
            for (int i = 0; i < fresh.size(); i++) {
                assertArrayEquals(fresh.get(i), reused.get(i), name + " value " + i);
            }
        }
    }

    private static void assertSameBits(List<float[]> expected, List<float[]> actual, String what) {
        assertEquals(expected.size(), actual.size(), what);
        for (int i = 0; i < expected.size(); i++) {
            assertArrayEquals(expected.get(i), actual.get(i), what + " value " + i);
        }
    }

    @Test
    void theMemoryPlanGivesTheBitsOfStepsWithoutIt() {
        // in-place batch norm / ReLU / Add and pooled gradients: bottleneck and basic residual blocks (graph joins,
        // downsample shortcuts nested in graphs), an inception net (concat joins), a plain sequential net
        // (reusedBuffersGiveTheBitsOfFreshOnes holds REUSE to FRESH, so PLAN is compared with REUSE alone)
        for (String name : new String[] {"resnet50", "resnet18", "googlenet"}) {
            List<float[]> without = train(zoo(name), Mode.REUSE, 3, Shape.of(3, 32, 32));
            List<float[]> with = train(zoo(name), Mode.PLAN, 3, Shape.of(3, 32, 32));
            assertSameBits(without, with, name);
        }
    }

    /**
     * Steps whose parallel calls cut their tasks in blocks ({@code StepBuffers.sampleBlocks}) give the bits of steps
     * handing tasks out from the shared counter: bottleneck residual blocks (batch norm, joins, max pool) with the
     * memory plan, with parallel calls made in both (the kernels' threads, when the machine has two or more cores).
     */
    @Test
    void sampleBlocksGiveTheBitsOfTheSharedCounter() {
        boolean was = StepBuffers.sampleBlocks;
        try {
            StepBuffers.sampleBlocks = false;
            List<float[]> shared = train(zoo("resnet50"), Mode.PLAN, 3, Shape.of(3, 32, 32));
            StepBuffers.sampleBlocks = true;
            long handOffs = org.convnet4j.tensor.kernels.KernelProvider.handOffs();
            List<float[]> blocks = train(zoo("resnet50"), Mode.PLAN, 3, Shape.of(3, 32, 32));
            assertTrue(org.convnet4j.tensor.kernels.KernelProvider.get().threads() < 2
                    || org.convnet4j.tensor.kernels.KernelProvider.handOffs() > handOffs, "parallel calls were made");
            assertSameBits(shared, blocks, "resnet50");
        } finally {
            StepBuffers.sampleBlocks = was;
        }
    }

    /**
     * A graph made to trip the plan: an Add of three inputs (only the first may take the sum), an Add fed twice by
     * one node, a ReLU output read by two nodes (not overwritable), an Add whose output is also the graph's output
     * gradient path to a second reader, batch norm after a convolution read by two nodes.
     */
    private static Model awkwardGraph() {
        Shape in = Shape.of(2, 6, 6);
        Graph g = Graph.builder("awkward").input("x", in)
                .add("c1", new Conv2d(4, 3).padding(1), "x")
                .add("b1", new BatchNorm2d(), "c1")
                .add("r1", new ReLU(), "b1")
                .add("c2", new Conv2d(4, 3).padding(1), "r1")
                .add("c3", new Conv2d(4, 1), "r1")
                .add("b2", new BatchNorm2d(), "c2")
                .add("b3", new BatchNorm2d(), "c3")
                .add("sum3", new Add(), "b2", "b3", "r1")
                .add("twice", new Add(), "sum3", "sum3")
                .add("r2", new ReLU(), "twice")
                .add("c4", new Conv2d(4, 3).padding(1), "r2")
                .add("b4", new BatchNorm2d(), "c4")
                .add("b5", new BatchNorm2d(), "c4") // c4 read twice: neither batch norm may write over it
                .add("sum2", new Add(), "b4", "b5")
                .add("r3", new ReLU(), "sum2")
                .add("back", new Add(), "r3", "r2") // r2 still read here after c4: ReLU output not overwritten
                .output("back")
                .build();
        return new Sequential("awkward_net", in, g, new Conv2d(3, 3), new BatchNorm2d(), new ReLU(),
                new Flatten(), new Dense(4));
    }

    @Test
    void theMemoryPlanGivesTheBitsOfStepsWithoutItOnAwkwardGraphs() {
        Shape in = Shape.of(2, 6, 6);
        List<float[]> without = train(awkwardGraph(), Mode.REUSE, 4, in);
        List<float[]> with = train(awkwardGraph(), Mode.PLAN, 4, in);
        assertSameBits(without, with, "awkward graph");
        assertSameBits(train(awkwardGraph(), Mode.FRESH, 4, in), with, "awkward graph (fresh)");
    }

    @Test
    void theTrainerReleasesTheGradientPoolWhenTrainingEnds() {
        Sequential model = new Sequential(Shape.of(2, 6, 6), new Conv2d(4, 3), new BatchNorm2d(), new ReLU(),
                new Flatten(), new Dense(4));
        model.initialize(2);
        Random r = new Random(4);
        int n = 40;
        float[] x = new float[n * 72];
        int[] labels = new int[n];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
        }
        for (int i = 0; i < n; i++) {
            labels[i] = i % 4;
        }
        org.convnet4j.data.Dataset data = org.convnet4j.data.ArrayDataset.ofFloats(x, Shape.of(2, 6, 6), labels,
                List.of("a", "b", "c", "d"));
        StepBuffers.releasePool();
        // a planned step on this thread fills the pool ...
        train(model, Mode.PLAN, 1, Shape.of(2, 6, 6));
        assertTrue(StepBuffers.poolState()[0] > 0, "the planned step took gradients from the pool");
        // ... and a whole training run leaves it empty
        new org.convnet4j.train.Trainer(org.convnet4j.train.TrainConfig.builder(new Sgd(model, 0.01)).epochs(1)
                .batchSize(8).seed(1).build()).fit(model, data, null);
        assertEquals(0, StepBuffers.poolState()[0], "arrays left in the pool after Trainer.fit");
    }

    @Test
    void theMemoryPlanKeepsFewGradientsAndWritesBatchNormAndReLUOverTheirInputs() {
        Model m = zoo("resnet50");
        StepBuffers.releasePool(); // what earlier tests on this thread left in it is not this model's
        train(m, Mode.PLAN, 1, Shape.of(3, 32, 32));
        long[] state = StepBuffers.poolState();
        // Without the plan every conv, batch norm and ReLU keeps an input gradient of its own (ResNet-50: 53 + 53 +
        // 49 of them, ~155 arrays); the pool holds what is live at once, per size: measured 19 arrays, 7.6 times the
        // largest, at this size (a pool that gave nothing back would hold every gradient)
        // The same on the scalar kernels (the pom's scalar execution skips this class, but -Dtest=StepBuffersTest
        // runs it there too): their reference convolution returned a gradient of its own and left the pooled one
        // taken for the rest of the step, 64 arrays; every pooled gradient must come back (state[1] == 0).
        assertTrue(state[0] <= 24 && state[2] <= 10 * state[3], "pool: " + state[0] + " arrays, " + state[2] + " floats, largest "
                + state[3]);
        assertEquals(0, state[1], "gradients taken from the pool and never given back");
        // the stem: x-hat over the convolution's output, ReLU's output over batch norm's
        Sequential s = (Sequential) m;
        Tensor x = Tensor.randn(new Random(2), 1f, 2, 3, 32, 32);
        Tensor[] outs = new Tensor[3];
        StepBuffers.step(StepBuffers.MemoryPlan.ON, () -> {
            outs[0] = s.layers().get(0).forward(x, true);
            outs[1] = ((InPlace) s.layers().get(1)).forwardInPlace(List.of(outs[0]), 0, true);
            outs[2] = ((InPlace) s.layers().get(2)).forwardInPlace(List.of(outs[1]), 0, true);
        });
        assertNotSame(outs[0], outs[1]);
        assertSame(outs[1], outs[2]);
    }

    @Test
    void denseReusesItsOutputAndInputGradientFromStepToStep() {
        // W3's dense layers: no new output or input-gradient array per step (both are written whole by the GEMM)
        Sequential s = new Sequential(Shape.of(6), new Dense(5), new Dense(3));
        s.initialize(2);
        Tensor x = Tensor.randn(new Random(3), 1f, 4, 6);
        Tensor dy = Tensor.randn(new Random(4), 1f, 4, 5);
        Dense first = (Dense) s.layers().get(0);
        Tensor[] seen = new Tensor[4];
        for (int step = 0; step < 2; step++) {
            int k = 2 * step;
            StepBuffers.step(StepBuffers.MemoryPlan.OFF, () -> {
                seen[k] = first.forward(x, true);
                seen[k + 1] = first.backward(dy);
            });
        }
        assertSame(seen[0], seen[2]);
        assertSame(seen[1], seen[3]);
        assertNotSame(first.forward(x, true), first.forward(x, true)); // outside a step: always new
    }

    @Test
    void globalAveragePoolingReusesItsOutputAndInputGradientFromStepToStep() {
        // ResNet-50's pool: its input gradient was a new 3 MB array per step at batch 8 (written whole: share per plane)
        GlobalAvgPool2d pool = new GlobalAvgPool2d();
        Sequential s = new Sequential(Shape.of(3, 4, 5), pool);
        s.initialize(2);
        Tensor x = Tensor.randn(new Random(3), 1f, 2, 3, 4, 5);
        Tensor dy = Tensor.randn(new Random(4), 1f, 2, 3);
        Tensor[] seen = new Tensor[4];
        for (int step = 0; step < 2; step++) {
            int k = 2 * step;
            StepBuffers.step(StepBuffers.MemoryPlan.OFF, () -> {
                seen[k] = pool.forward(x, true);
                seen[k + 1] = pool.backward(dy);
            });
        }
        assertSame(seen[0], seen[2]);
        assertSame(seen[1], seen[3]);
        Tensor fresh = pool.backward(dy); // outside a step: new, and the reused one holds the same values
        assertNotSame(seen[3], fresh);
        assertArrayEquals(fresh.data(), seen[3].data());
        assertEquals(dy.data()[4] / 20, fresh.data()[4 * 20 + 7]);
        assertNotSame(pool.forward(x, true), pool.forward(x, true));
    }

    @Test
    void aLayerGetsItsBufferBackInTheNextStepButNeverTwiceInOneStep() {
        ReLU relu = new ReLU();
        Tensor x = Tensor.randn(new Random(1), 1f, 2, 5);
        Tensor[] seen = new Tensor[3];
        StepBuffers.step(() -> seen[0] = relu.forward(x, true));
        StepBuffers.step(() -> {
            seen[1] = relu.forward(x, true);
            seen[2] = relu.forward(x, true); // a shared layer's second use must not clobber the first result
        });
        assertSame(seen[0], seen[1]);
        assertNotSame(seen[1], seen[2]);
        assertNotSame(relu.forward(x, true), relu.forward(x, true)); // outside a step: always new
    }

    /**
     * ConvNeXt's non-GEMM layers, which take their outputs and input gradients from slots since session 8: a
     * transpose to channels-last and back, a learned bias and layer scale over the last axis, GELU (its output read
     * twice: by the layer scale and by an Add that may write over its first input), a fixed per-channel scale
     * [C, 1, 1] (periodic path with a repeat) and a learned divisor [C, 1, W] (the index-map path, whose input
     * gradient adds into zeros).
     */
    static Model convNextLike() {
        Random r = new Random(11);
        Shape in = Shape.of(2, 6, 6);
        Tensor divisor = Tensor.randn(r, 0.1f, 4, 1, 6);
        for (int i = 0; i < divisor.size(); i++) {
            divisor.data()[i] += 1.5f; // well away from zero
        }
        Graph g = Graph.builder("convnext_like").input("x", in)
                .add("c", new Conv2d(4, 3).padding(1), "x")
                .add("t", new Transpose(1, 2, 0), "c")
                .add("bias", new ConstantArithmetic(ArithmeticOp.ADD, Tensor.randn(r, 1f, 1, 1, 4),
                        ConstantArithmetic.Order.INPUT_FIRST, ConstantArithmetic.Kind.LEARNABLE), "t")
                .add("gelu", new Elementwise(Elementwise.Fn.GELU), "bias")
                .add("ls", new ConstantArithmetic(ArithmeticOp.MUL, Tensor.randn(r, 1f, 1, 1, 4),
                        ConstantArithmetic.Order.CONSTANT_FIRST, ConstantArithmetic.Kind.LEARNABLE), "gelu")
                .add("join", new Add(), "ls", "gelu")
                .add("back", new Transpose(2, 0, 1), "join")
                .add("scale", new ConstantArithmetic(ArithmeticOp.MUL, Tensor.randn(r, 1f, 4, 1, 1)), "back")
                .add("div", new ConstantArithmetic(ArithmeticOp.DIV, divisor,
                        ConstantArithmetic.Order.INPUT_FIRST, ConstantArithmetic.Kind.LEARNABLE), "scale")
                .add("res", new Add(), "div", "c")
                .output("res")
                .build();
        return new Sequential("convnext_like_net", in, g, new Flatten(), new Dense(4));
    }

    @Test
    void convNextLayersGiveTheBitsOfFreshBuffersWithAndWithoutThePlan() {
        Shape in = Shape.of(2, 6, 6);
        List<float[]> fresh = train(convNextLike(), Mode.FRESH, 4, in);
        assertSameBits(fresh, train(convNextLike(), Mode.REUSE, 4, in), "convnext-like (reuse)");
        assertSameBits(fresh, train(convNextLike(), Mode.PLAN, 4, in), "convnext-like (plan)");
    }

    @Test
    void constantArithmeticElementwiseAndTransposeReuseTheirOutputsFromStepToStep() {
        Tensor x = Tensor.randn(new Random(3), 1f, 2, 4, 3, 5);
        Tensor dy = Tensor.randn(new Random(4), 1f, 2, 4, 3, 5);
        List<Layer> layers = List.of(
                new ConstantArithmetic(ArithmeticOp.MUL, Tensor.randn(new Random(5), 1f, 4, 1, 1)), // periodic
                new ConstantArithmetic(ArithmeticOp.SUB, Tensor.randn(new Random(6), 1f, 4, 1, 5)), // maps
                new Elementwise(Elementwise.Fn.GELU));
        for (Layer layer : layers) {
            Tensor[] seen = new Tensor[4];
            for (int step = 0; step < 2; step++) {
                int k = 2 * step;
                StepBuffers.step(StepBuffers.MemoryPlan.OFF, () -> {
                    seen[k] = layer.forward(List.of(x), true);
                    seen[k + 1] = layer.backwardAll(dy).get(0);
                });
            }
            assertSame(seen[0], seen[2], layer.describe());
            assertSame(seen[1], seen[3], layer.describe());
            assertNotSame(layer.forward(List.of(x), true), layer.forward(List.of(x), true)); // outside a step: new
        }
        Transpose t = new Transpose(2, 0, 1);
        Tensor dyT = Tensor.randn(new Random(7), 1f, 2, 5, 4, 3);
        Tensor[] seen = new Tensor[4];
        for (int step = 0; step < 2; step++) {
            int k = 2 * step;
            StepBuffers.step(StepBuffers.MemoryPlan.OFF, () -> {
                seen[k] = t.forward(x, true);
                seen[k + 1] = t.backward(dyT);
            });
        }
        assertSame(seen[0], seen[2]);
        assertSame(seen[1], seen[3]);
    }
}

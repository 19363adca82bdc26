package org.convnet4j.nn.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Random;
import org.convnet4j.nn.Graph;
import org.convnet4j.nn.Model;
import org.convnet4j.nn.Sequential;
import org.convnet4j.nn.StepBuffers;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.tensor.kernels.KernelProvider;
import org.convnet4j.train.loss.SoftmaxCrossEntropy;
import org.convnet4j.train.optim.Sgd;
import org.junit.jupiter.api.Test;

/**
 * Batch norm and the residual sum run the ReLU after them inside their training forward pass
 * ({@code BatchNorm.trainingRelu}, {@code Add.trainingRelu}, {@link org.convnet4j.nn.TrainingReluFusion}) in a
 * {@link Sequential} and in a {@link Graph}: three SGD steps with the memory plan give the bits of the layers run one by
 * one (every parameter, running statistic, the last logits), in fewer parallel calls; a batch norm before a sum (not a
 * ReLU) stays apart.
 */
class TrainingReluFusionTest {
    private static final Shape IN = Shape.of(3, 32, 33);

    @Test
    void fusedStepsGiveTheLayerByLayerBits() {
        Result fused = train(true);
        Result apart = train(false);
        assertEquals(apart.state().keySet(), fused.state().keySet());
        for (Map.Entry<String, float[]> e : apart.state().entrySet()) {
            assertArrayEquals(e.getValue(), fused.state().get(e.getKey()), e.getKey());
        }
        assertArrayEquals(apart.logits(), fused.logits(), "logits");
        if (KernelProvider.get().threads() > 1) {
            // three fused pairs (the stem's batch norm, the block's, the sum), each one ReLU pass over 8 x 67,584 values fewer
            assertTrue(fused.handOffs() < apart.handOffs(), fused.handOffs() + " vs " + apart.handOffs());
        }
    }

    private record Result(Map<String, float[]> state, float[] logits, long handOffs) {
    }

    private static Result train(boolean fuse) {
        boolean was = BatchNorm.trainingRelu;
        boolean wasAdd = Add.trainingRelu;
        BatchNorm.trainingRelu = fuse;
        Add.trainingRelu = fuse;
        try {
            Graph block = Graph.builder("block")
                    .input("x", Shape.of(8, 32, 33))
                    .add("conv_a", new Conv2d(8, 3).padding(1), "x")
                    .add("bn_a", new BatchNorm2d(), "conv_a")
                    .add("relu_a", new ReLU(), "bn_a")
                    .add("conv_b", new Conv2d(8, 1), "relu_a")
                    .add("bn_b", new BatchNorm2d(), "conv_b")
                    .add("sum", new Add(), "bn_b", "x")
                    .add("relu_out", new ReLU(), "sum")
                    .build();
            Model net = new Sequential(IN, new Conv2d(8, 3).padding(1), new BatchNorm2d(), new ReLU(), block,
                    new GlobalAvgPool2d(), new Flatten(), new Dense(5));
            net.initialize(3);
            Sgd sgd = new Sgd(net, 0.05).momentum(0.9);
            SoftmaxCrossEntropy loss = new SoftmaxCrossEntropy();
            Random random = new Random(5);
            float[][] logits = new float[1][];
            long h0 = KernelProvider.handOffs();
            for (int step = 0; step < 3; step++) {
                Tensor x = Tensor.randn(random, 1f, 8, 3, 32, 33);
                int[] labels = new int[8];
                for (int i = 0; i < labels.length; i++) {
                    labels[i] = random.nextInt(5);
                }
                StepBuffers.step(StepBuffers.MemoryPlan.ON, () -> {
                    sgd.zeroGrad();
                    Tensor out = net.forward(x, true);
                    logits[0] = out.data().clone();
                    net.backwardParameters(loss.compute(out, labels).gradient());
                    sgd.step();
                });
            }
            long handOffs = KernelProvider.handOffs() - h0;
            Map<String, float[]> state = new java.util.TreeMap<>();
            net.stateDict().forEach((k, v) -> state.put(k, v.data().clone()));
            return new Result(state, logits[0], handOffs);
        } finally {
            BatchNorm.trainingRelu = was;
            Add.trainingRelu = wasAdd;
        }
    }
}

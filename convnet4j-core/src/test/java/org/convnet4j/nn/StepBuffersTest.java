package org.convnet4j.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.convnet4j.nn.layers.ReLU;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.train.loss.SoftmaxCrossEntropy;
import org.convnet4j.train.optim.Sgd;
import org.convnet4j.zoo.ModelZoo;
import org.convnet4j.zoo.ZooOptions;
import org.junit.jupiter.api.Test;

/** Training steps that reuse their buffers give the bits of steps that allocate everything afresh. */
class StepBuffersTest {

    private static List<float[]> train(String name, boolean reuse, int steps) {
        Model m = ModelZoo.build(name, ZooOptions.builder().input(Shape.of(3, 32, 32)).classes(4).width(0.125)
                .build());
        m.initialize(3);
        Sgd sgd = new Sgd(m, 0.05).momentum(0.9);
        SoftmaxCrossEntropy loss = new SoftmaxCrossEntropy();
        Random r = new Random(8);
        List<float[]> losses = new ArrayList<>();
        for (int s = 0; s < steps; s++) {
            // a smaller last batch, as at the end of an epoch: the buffers' shapes change and change back
            Tensor x = Tensor.randn(r, 1f, s == 1 ? 2 : 3, 3, 32, 32);
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
            if (reuse) {
                StepBuffers.step(step);
            } else {
                step.run();
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
}

package org.convnet4j.bench;

import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.convnet4j.nn.Model;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.train.loss.Loss;
import org.convnet4j.train.loss.SoftmaxCrossEntropy;
import org.convnet4j.train.optim.Sgd;
import org.convnet4j.zoo.LeNet5;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Workload W3 as one JMH operation: a LeNet-5 training step on a random batch of 64 (forward, softmax
 * cross-entropy, backward, SGD with momentum 0.9). Images/s = 64 000 / (ms per op).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Dconvnet4j.jit.directives=true"})
public class LeNetTrainStepBenchmark {
    private static final int BATCH = 64;
    private Model net;
    private Sgd opt;
    private final Loss loss = new SoftmaxCrossEntropy();
    private Tensor x;
    private int[] labels;

    @Setup
    public void setUp() {
        net = LeNet5.build();
        net.initialize(0);
        opt = new Sgd(net, 0.01).momentum(0.9);
        Random random = new Random(1);
        x = Tensor.randn(random, 1f, BATCH, 1, 28, 28);
        labels = new int[BATCH];
        for (int i = 0; i < BATCH; i++) {
            labels[i] = random.nextInt(10);
        }
    }

    @Benchmark
    public double trainStep() {
        opt.zeroGrad();
        Tensor out = net.forward(x, true);
        Loss.LossValue value = loss.compute(out, labels);
        net.backwardAll(value.gradient());
        opt.step();
        return value.value();
    }
}

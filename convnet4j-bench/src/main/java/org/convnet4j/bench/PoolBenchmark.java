package org.convnet4j.bench;

import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.convnet4j.ops.PoolParams;
import org.convnet4j.ops.Pooling;
import org.convnet4j.tensor.Tensor;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Pooling forward and backward on a ResNet stem-sized map, N8 C64 112x112: max 3x3 stride 2 (the ResNet stem
 * pool) and max/avg 2x2 stride 2 (VGG, LeNet). Memory-bound: compare against copying the input once.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Dconvnet4j.jit.directives=true"})
public class PoolBenchmark {
    @Param({"max3s2", "max2s2", "avg2s2"})
    public String pool;

    private Tensor x;
    private Tensor y;
    private Tensor dy;
    private PoolParams params;

    @Setup
    public void setUp() {
        params = switch (pool) {
            case "max3s2" -> PoolParams.max(3, 2);
            case "max2s2" -> PoolParams.max(2, 2);
            case "avg2s2" -> PoolParams.avg(2, 2);
            default -> throw new IllegalArgumentException("PoolBenchmark: unknown pool '" + pool + "'");
        };
        Random random = new Random(1);
        x = Tensor.randn(random, 1f, 8, 64, 112, 112);
        y = Pooling.forward(x, params);
        dy = Tensor.randn(random, 1f, y.shape().dims());
    }

    @Benchmark
    public Tensor forward() {
        return Pooling.forward(x, params);
    }

    @Benchmark
    public Tensor backward() {
        return Pooling.backward(x, y, dy, params);
    }
}

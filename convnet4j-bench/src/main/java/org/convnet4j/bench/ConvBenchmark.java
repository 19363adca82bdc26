package org.convnet4j.bench;

import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.convnet4j.ops.ConvParams;
import org.convnet4j.ops.Convolution;
import org.convnet4j.tensor.Tensor;
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
 * Workload W2: a ResNet stage-1 convolution, 3x3, N8 C64 56x56 -> 64, stride 1, padding 1, forward only
 * (1.85 GFLOP per call: GFLOPS = 1849.7 / ms). The reference runs the same shape in PyTorch/oneDNN.
 *
 * <pre>java -jar convnet4j-bench/target/benchmarks.jar ConvBenchmark</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Dconvnet4j.jit.directives=true"})
public class ConvBenchmark {
    private Tensor x;
    private Tensor w;
    private ConvParams params;

    @Setup
    public void setUp() {
        Random random = new Random(1);
        x = Tensor.randn(random, 1f, 8, 64, 56, 56);
        w = Tensor.randn(random, 0.05f, 64, 64, 3, 3);
        params = ConvParams.of(1, 1);
    }

    @Benchmark
    public Tensor conv3x3Forward() {
        return Convolution.forward(x, w, null, params);
    }
}

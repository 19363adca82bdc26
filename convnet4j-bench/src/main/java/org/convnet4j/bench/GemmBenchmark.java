package org.convnet4j.bench;

import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.convnet4j.tensor.kernels.KernelProvider;
import org.convnet4j.tensor.kernels.Kernels;
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
 * W1: square SGEMM C = A * B for n = 512, 1024, 2048. GFLOPS = 2 n^3 / (seconds per op) / 1e9.
 *
 * <pre>java -jar convnet4j-bench/target/benchmarks.jar GemmBenchmark -p impl=vector1,vector</pre>
 *
 * <p>{@code impl}: {@code vector} (all threads), {@code vector1} (one thread), {@code scalar} (the naive
 * twin; only sensible at n = 512, it takes seconds per call).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Dconvnet4j.jit.directives=true"})
public class GemmBenchmark {
    @Param({"512", "1024", "2048"})
    public int n;

    @Param({"vector", "vector1"})
    public String impl;

    private Kernels kernels;
    private float[] a;
    private float[] b;
    private float[] c;

    @Setup
    public void setUp() {
        kernels = switch (impl) {
            case "vector" -> KernelProvider.vector();
            case "vector1" -> KernelProvider.vector(1);
            case "scalar" -> KernelProvider.scalar();
            default -> throw new IllegalArgumentException("GemmBenchmark: unknown impl '" + impl
                    + "', expected vector, vector1 or scalar");
        };
        Random random = new Random(1);
        a = new float[n * n];
        b = new float[n * n];
        c = new float[n * n];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) random.nextGaussian();
            b[i] = (float) random.nextGaussian();
        }
    }

    @Benchmark
    public float[] sgemm() {
        kernels.sgemm(false, false, n, n, n, 1f, a, 0, n, b, 0, n, 0f, c, 0, n);
        return c;
    }
}

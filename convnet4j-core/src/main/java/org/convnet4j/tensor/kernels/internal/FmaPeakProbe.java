package org.convnet4j.tensor.kernels.internal;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Measures the machine's fp32 FMA throughput as the Vector API sees it: independent FMA chains on
 * registers, no memory traffic. Benchmarks print it next to SGEMM so GEMM figures can be read as a
 * fraction of what the (often shared, noisy) cores deliver at that moment. A diagnostic, not a kernel;
 * internal (benchmarks use it), may change in any release.
 */
public final class FmaPeakProbe {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    private FmaPeakProbe() {
    }

    /** GFLOPS of {@code threads} threads running FMA chains together for about {@code seconds}. */
    public static double gflops(int threads, double seconds) {
        // Warm-up so the loop is compiled before timing.
        for (int i = 0; i < 20; i++) {
            chains(200_000);
        }
        long perThread = (long) (seconds * 4e8 / (12L * S.length())); // a rough guess, refined below
        long t0 = System.nanoTime();
        chains(perThread / 10);
        double secondsPerIter = (System.nanoTime() - t0) / 1e9 / (perThread / 10);
        long iterations = Math.max(1, (long) (seconds / secondsPerIter));
        Thread[] workers = new Thread[threads];
        float[] sink = new float[threads];
        long start = System.nanoTime();
        for (int t = 0; t < threads; t++) {
            int id = t;
            workers[t] = new Thread(() -> sink[id] = chains(iterations));
            workers[t].start();
        }
        for (Thread w : workers) {
            try {
                w.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("FmaPeakProbe interrupted", e);
            }
        }
        double elapsed = (System.nanoTime() - start) / 1e9;
        return 12.0 * 2 * S.length() * iterations * threads / elapsed / 1e9 + 0 * sink[0];
    }

    /** Twelve independent FMA chains: enough to cover FMA latency times the number of FMA units. */
    private static float chains(long iterations) {
        FloatVector x = FloatVector.broadcast(S, 0.999f);
        FloatVector y = FloatVector.broadcast(S, 0.001f);
        FloatVector c0 = y, c1 = y, c2 = y, c3 = y, c4 = y, c5 = y, c6 = y, c7 = y, c8 = y, c9 = y, c10 = y, c11 = y;
        for (long i = 0; i < iterations; i++) {
            c0 = c0.fma(x, y);
            c1 = c1.fma(x, y);
            c2 = c2.fma(x, y);
            c3 = c3.fma(x, y);
            c4 = c4.fma(x, y);
            c5 = c5.fma(x, y);
            c6 = c6.fma(x, y);
            c7 = c7.fma(x, y);
            c8 = c8.fma(x, y);
            c9 = c9.fma(x, y);
            c10 = c10.fma(x, y);
            c11 = c11.fma(x, y);
        }
        return c0.add(c1).add(c2).add(c3).add(c4).add(c5).add(c6).add(c7).add(c8).add(c9).add(c10).add(c11)
                .reduceLanes(VectorOperators.ADD);
    }
}

package org.convnet4j.tensor.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The start-up choice of implementation; the test JVM runs with --add-modules jdk.incubator.vector. */
class KernelProviderTest {

    /** The hand-off counter counts parallel calls that fed a worker, and only those. */
    @Test
    void handOffsCountParallelCallsThatUseAWorker() {
        java.util.concurrent.atomic.AtomicInteger ran = new java.util.concurrent.atomic.AtomicInteger();
        long h0 = KernelProvider.handOffs();
        KernelProvider.vector(2).parallelFor(4, t -> ran.incrementAndGet());
        long h1 = KernelProvider.handOffs();
        KernelProvider.vector(1).parallelFor(4, t -> ran.incrementAndGet()); // on the caller alone
        KernelProvider.vector(2).parallelFor(1, t -> ran.incrementAndGet()); // one task: on the caller
        KernelProvider.scalar().parallelFor(4, t -> ran.incrementAndGet());
        long h2 = KernelProvider.handOffs();
        assertEquals(13, ran.get());
        assertEquals(1, h1 - h0);
        assertEquals(0, h2 - h1);
    }

    /**
     * A thread's cap keeps its kernel calls on that thread (no hand-off: a parallel call and a GEMM far above the
     * threading threshold), gives the same bits as the uncapped kernels, leaves other threads alone, and lifts.
     */
    @Test
    void aThreadsCapKeepsItsKernelCallsOnItAndChangesNoBit() throws Exception {
        Kernels two = KernelProvider.vector(2);
        int m = 96;
        int n = 160;
        int k = 128; // m * n * k far above VectorGemm's threading threshold
        java.util.Random r = new java.util.Random(18);
        float[] a = new float[m * k];
        float[] b = new float[k * n];
        for (int i = 0; i < a.length; i++) {
            a[i] = r.nextFloat() - 0.5f;
        }
        for (int i = 0; i < b.length; i++) {
            b[i] = r.nextFloat() - 0.5f;
        }
        float[] free = new float[m * n];
        long h0 = KernelProvider.handOffs();
        two.sgemm(false, false, m, n, k, 1f, a, 0, k, b, 0, n, 0f, free, 0, n);
        assertTrue(KernelProvider.handOffs() > h0, "the uncapped GEMM handed work to the pool");
        float[] capped = new float[m * n];
        java.util.concurrent.atomic.AtomicInteger ran = new java.util.concurrent.atomic.AtomicInteger();
        java.util.Set<Thread> ranOn = java.util.concurrent.ConcurrentHashMap.newKeySet();
        assertEquals(0, KernelProvider.limitThreadsOnThisThread(1));
        try {
            long h1 = KernelProvider.handOffs();
            two.sgemm(false, false, m, n, k, 1f, a, 0, k, b, 0, n, 0f, capped, 0, n);
            two.parallelFor(8, t -> {
                ran.incrementAndGet();
                ranOn.add(Thread.currentThread());
            });
            assertEquals(h1, KernelProvider.handOffs(), "a capped thread's kernel calls handed work to the pool");
            assertEquals(8, ran.get());
            assertEquals(java.util.Set.of(Thread.currentThread()), ranOn);
            // another thread has no cap of its own
            long h2 = KernelProvider.handOffs();
            Thread other = new Thread(() -> two.parallelFor(4, t -> { }));
            other.start();
            other.join();
            assertEquals(h2 + 1, KernelProvider.handOffs(), "the cap reached another thread");
        } finally {
            assertEquals(1, KernelProvider.limitThreadsOnThisThread(0));
        }
        assertArrayEquals(free, capped, "the cap changed the product");
        long h3 = KernelProvider.handOffs();
        two.parallelFor(4, t -> { });
        assertEquals(h3 + 1, KernelProvider.handOffs(), "the lifted cap still held");
        assertThrows(IllegalArgumentException.class, () -> KernelProvider.limitThreadsOnThisThread(-1));
    }

    @Test
    void choosesVectorKernelsWhenTheModuleIsPresentAndOnlyOnce() {
        assertTrue(ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent(),
                "the build passes --add-modules jdk.incubator.vector to tests");
        assertEquals("vector", KernelProvider.choose(null).name());
        assertSame(KernelProvider.get(), KernelProvider.get());
    }

    @Test
    void systemPropertyValuesForceAChoice() {
        assertEquals("scalar", KernelProvider.choose("scalar").name());
        assertEquals("vector", KernelProvider.choose(" Vector ").name());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> KernelProvider.choose("gpu"));
        assertTrue(e.getMessage().contains("convnet4j.kernels") && e.getMessage().contains("gpu"), e.getMessage());
    }

    @Test
    void selfTestAcceptsWorkingKernelsAndRejectsABrokenOne() {
        assertTrue(KernelProvider.selfTest(new VectorKernels()));
        assertTrue(KernelProvider.selfTest(new ScalarKernels()));
        Kernels broken = new ForwardingKernels(new ScalarKernels()) {
            @Override
            public void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                              float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                              float beta, float[] c, int cOff, int ldc) {
                // Drops the last k step: the kind of edge bug the self-test exists to catch.
                super.sgemm(transA, transB, m, n, k - 1, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
            }
        };
        assertFalse(KernelProvider.selfTest(broken));
    }

    /** Delegates everything, so a test can break one method. */
    private static class ForwardingKernels implements Kernels {
        private final Kernels d;

        ForwardingKernels(Kernels d) {
            this.d = d;
        }

        @Override
        public String name() {
            return "forwarding";
        }

        @Override
        public void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha, float[] a, int aOff,
                          int lda, float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc) {
            d.sgemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
        }

        @Override
        public void axpy(int n, float alpha, float[] x, int xOff, float[] y, int yOff) {
            d.axpy(n, alpha, x, xOff, y, yOff);
        }

        @Override
        public float dot(int n, float[] x, int xOff, float[] y, int yOff) {
            return d.dot(n, x, xOff, y, yOff);
        }

        @Override
        public void scale(int n, float alpha, float[] x, int xOff) {
            d.scale(n, alpha, x, xOff);
        }

        @Override
        public void add(int n, float[] a, int aOff, float[] b, int bOff, float[] out, int outOff) {
            d.add(n, a, aOff, b, bOff, out, outOff);
        }

        @Override
        public float sum(int n, float[] x, int xOff) {
            return d.sum(n, x, xOff);
        }

        @Override
        public void reluForward(int n, float[] x, int xOff, float[] out, int outOff) {
            d.reluForward(n, x, xOff, out, outOff);
        }

        @Override
        public void reluBackward(int n, float[] x, int xOff, float[] gradOut, int gOff, float[] gradIn, int giOff) {
            d.reluBackward(n, x, xOff, gradOut, gOff, gradIn, giOff);
        }

        @Override
        public double sumWide(int n, float[] x, int xOff) {
            return d.sumWide(n, x, xOff);
        }

        @Override
        public double dotWide(int n, float[] x, int xOff, float[] y, int yOff) {
            return d.dotWide(n, x, xOff, y, yOff);
        }

        @Override
        public double sumSquaredDeviations(int n, float[] x, int xOff, float mean) {
            return d.sumSquaredDeviations(n, x, xOff, mean);
        }

        @Override
        public void normalizeAffine(int n, float[] x, int xOff, float mean, float invStd, float gamma, float beta,
                                    float[] xhat, int hOff, float[] out, int outOff) {
            d.normalizeAffine(n, x, xOff, mean, invStd, gamma, beta, xhat, hOff, out, outOff);
        }

        @Override
        public void batchNormBackward(int n, float[] dy, int dyOff, float[] xhat, int hOff, float scale,
                                      float meanDy, float meanDyXhat, float[] dx, int dxOff) {
            d.batchNormBackward(n, dy, dyOff, xhat, hOff, scale, meanDy, meanDyXhat, dx, dxOff);
        }

        @Override
        public void sgdUpdate(int n, float[] w, int wOff, float[] grad, int gOff, float[] buf, int bOff, float lr,
                              float weightDecay, float momentum, float oneMinusDampening, boolean nesterov,
                              boolean first) {
            d.sgdUpdate(n, w, wOff, grad, gOff, buf, bOff, lr, weightDecay, momentum, oneMinusDampening, nesterov,
                    first);
        }

        @Override
        public void adamUpdate(int n, float[] w, int wOff, float[] grad, int gOff, float[] m, int mOff, float[] v,
                               int vOff, float beta1, float oneMinusBeta1, float beta2, float oneMinusBeta2,
                               float l2, float shrink, float stepSize, float sqrtCorrection2, float eps) {
            d.adamUpdate(n, w, wOff, grad, gOff, m, mOff, v, vOff, beta1, oneMinusBeta1, beta2, oneMinusBeta2, l2,
                    shrink, stepSize, sqrtCorrection2, eps);
        }
    }
}

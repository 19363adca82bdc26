package org.convnet4j.tensor.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The start-up choice of implementation; the test JVM runs with --add-modules jdk.incubator.vector. */
class KernelProviderTest {

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
    }
}

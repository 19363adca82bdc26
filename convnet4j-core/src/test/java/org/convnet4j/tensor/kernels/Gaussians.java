package org.convnet4j.tensor.kernels;

import java.util.Random;

/** Test operands for the kernels' tests: standard normal floats, drawn in order from the caller's seeded stream. */
final class Gaussians {
    private Gaussians() {
    }

    static float[] floats(Random random, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) random.nextGaussian();
        }
        return a;
    }
}

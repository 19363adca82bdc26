package org.convnet4j.nn.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.tensor.kernels.KernelProvider;
import org.junit.jupiter.api.Test;

/**
 * ReLU and Add over runs of several chunks ({@link ElementRuns}): every value is the scalar formula's (special
 * values included) whichever chunk and thread computed it, and the caller-only path gives the same bits. A NaN stands
 * for any NaN: the sign the hardware gives inf - inf differs between interpreted and compiled scalar code.
 */
class ElementRunsTest {
    private static final float[] SPECIAL = {Float.NaN, -0f, 0f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY,
        Float.MIN_VALUE, -Float.MIN_VALUE, -Float.MAX_VALUE, 1e-40f};
    /** Three whole chunks and a ragged end (not a whole vector either). */
    private static final int N = 3 * ElementRuns.CHUNK + 1237;

    @Test
    void chunksCoverTheRunOnceOnTwoThreads() {
        AtomicIntegerArray seen = new AtomicIntegerArray(N);
        boolean was = ElementRuns.parallel;
        ElementRuns.parallel = true;
        long h0 = KernelProvider.handOffs();
        try {
            ElementRuns.run(KernelProvider.vector(2), N, (from, to) -> {
                for (int i = from; i < to; i++) {
                    seen.incrementAndGet(i);
                }
            });
        } finally {
            ElementRuns.parallel = was;
        }
        for (int i = 0; i < N; i++) {
            assertEquals(1, seen.get(i), "value " + i);
        }
        assertEquals(1, KernelProvider.handOffs() - h0, "the chunks went to the pool");
    }

    @Test
    void reluAndAddGiveTheScalarFormulasBitsOnEveryChunkAndWithoutThreads() {
        boolean was = ElementRuns.parallel;
        ElementRuns.parallel = true;
        float[][] parallel;
        try {
            parallel = outputs();
        } finally {
            ElementRuns.parallel = was;
        }
        ElementRuns.parallel = false;
        try {
            float[][] caller = outputs();
            for (int k = 0; k < parallel.length; k++) {
                for (int i = 0; i < N; i++) {
                    bits(caller[k][i], parallel[k][i], "output " + k, i);
                }
            }
        } finally {
            ElementRuns.parallel = was;
        }
    }

    /** Runs the layers on fixed data, checks every value against the formula and returns the outputs. */
    private static float[][] outputs() {
        Random random = new Random(17);
        float[] a = values(random);
        float[] b = values(random);
        float[] c = values(random);
        float[] dy = values(random);
        Tensor relu = new ReLU().forward(Tensor.wrap(a.clone(), 1, N), false);
        ReLU layer = new ReLU();
        layer.forward(Tensor.wrap(a.clone(), 1, N), true);
        Tensor dx = layer.backward(Tensor.wrap(dy.clone(), 1, N));
        Tensor inPlace = new ReLU().forwardInPlace(List.of(Tensor.wrap(a.clone(), 1, N)), 0, false);
        Tensor two = new Add().forward(List.of(Tensor.wrap(a, 1, N), Tensor.wrap(b, 1, N)), false);
        Tensor three = new Add().forward(List.of(Tensor.wrap(a, 1, N), Tensor.wrap(b, 1, N), Tensor.wrap(c, 1, N)),
                false);
        Tensor overSecond = new Add().forwardInPlace(List.of(Tensor.wrap(a.clone(), 1, N),
                Tensor.wrap(b.clone(), 1, N)), 1, false);
        Tensor addRelu = new Add().forwardAbsorbing(List.of(Tensor.wrap(a, 1, N), Tensor.wrap(b, 1, N)),
                List.of(new ReLU()), 1);
        for (int i = 0; i < N; i++) {
            float r = a[i] > 0f ? a[i] : 0f;
            float s = a[i] + b[i];
            bits(r, relu.data()[i], "relu", i);
            bits(r, inPlace.data()[i], "relu in place", i);
            bits(r > 0f ? dy[i] : 0f, dx.data()[i], "relu backward", i);
            bits(s, two.data()[i], "a + b", i);
            bits(s, overSecond.data()[i], "a + b over b", i);
            bits((a[i] + b[i]) + c[i], three.data()[i], "(a + b) + c", i);
            bits(s > 0f ? s : 0f, addRelu.data()[i], "relu(a + b)", i);
        }
        return new float[][] {relu.data(), dx.data(), inPlace.data(), two.data(), three.data(), overSecond.data(),
            addRelu.data()};
    }

    /** Same bits; any NaN stands for any NaN. */
    private static void bits(float expected, float actual, String what, int i) {
        assertEquals(Float.floatToIntBits(expected), Float.floatToIntBits(actual), what + ", value " + i);
    }

    private static float[] values(Random random) {
        float[] v = new float[N];
        for (int i = 0; i < N; i++) {
            v[i] = i % 13 == 0 ? SPECIAL[random.nextInt(SPECIAL.length)] : (float) random.nextGaussian();
        }
        return v;
    }
}

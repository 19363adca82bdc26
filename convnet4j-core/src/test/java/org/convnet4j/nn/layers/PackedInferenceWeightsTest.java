package org.convnet4j.nn.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.convnet4j.nn.Model;
import org.convnet4j.nn.Parameter;
import org.convnet4j.nn.Sequential;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.tensor.kernels.KernelProvider;
import org.convnet4j.train.loss.SoftmaxCrossEntropy;
import org.convnet4j.train.optim.Sgd;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Convolution weights packed once for inference and kept in the kernel parameter until its values change: the same
 * bits as packing on every call, and never stale after an optimiser step, a load, an initialisation or a direct write
 * followed by {@code weightsChanged()}.
 */
class PackedInferenceWeightsTest {
    @AfterEach
    void restore() {
        Conv2d.keepPackedWeights = true;
        Dense.keepPackedWeights = true;
    }

    /** Layers that take the GEMM path (more than 32 filters, stride 2, groups, 1x1), with a fused BN + ReLU. */
    static Sequential net(long seed) {
        Sequential s = new Sequential(Shape.of(3, 20, 20))
                .add(new Conv2d(40, 3).padding(1)).add(new BatchNorm2d()).add(new ReLU())
                .add(new Conv2d(48, 3).stride(2).padding(1).useBias(false)).add(new ReLU())
                .add(new Conv2d(48, 3).padding(1).groups(2))
                .add(new Conv2d(64, 1))
                .add(new GlobalAvgPool2d()).add(new Flatten()).add(new Dense(5));
        s.initialize(seed);
        return s;
    }

    private static Tensor input(int n, long seed) {
        return Tensor.randn(new Random(seed), 1f, n, 3, 20, 20);
    }

    private static float[] predictWithoutCache(Model m, Tensor x) {
        Conv2d.keepPackedWeights = false;
        Dense.keepPackedWeights = false;
        try {
            return m.predict(x).data().clone();
        } finally {
            Conv2d.keepPackedWeights = true;
            Dense.keepPackedWeights = true;
        }
    }

    private static List<Parameter> kernels(Sequential s) {
        List<Parameter> out = new ArrayList<>();
        for (var l : s.layers()) {
            if (l instanceof Conv2d c) {
                out.add(c.kernel());
            } else if (l instanceof Dense d) {
                out.add(d.kernel());
            }
        }
        return out;
    }

    /** What a kernel parameter keeps for the current kernels (null: nothing kept), without computing anything. */
    private static Object kept(Parameter p) {
        return p.derivedIfPresent(KernelProvider.get());
    }

    @Test
    void keptPackedWeightsGiveTheBitsOfPackingPerCall() {
        Sequential m = net(1);
        for (int n : new int[] {1, 3, 1, 5}) {
            Tensor x = input(n, n);
            float[] reference = predictWithoutCache(m, x);
            assertArrayEquals(reference, m.predict(x).data(), "batch " + n + ", first call");
            assertArrayEquals(reference, m.predict(x).data(), "batch " + n + ", packed weights kept");
        }
        if (!KernelProvider.isScalar(KernelProvider.get())) { // the scalar kernels run reference loops, no packing
            for (Parameter k : kernels(m)) {
                assertNotNull(kept(k), k + ": packed weights kept after predict");
            }
            Object first = kept(kernels(m).get(0));
            m.predict(input(2, 9));
            assertSame(first, kept(kernels(m).get(0)), "a second predict reuses the kept packing");
        }
    }

    /**
     * Dense layers keep W^T packed when the product reads the packed copy (5 or more rows: fewer are dot products
     * and pack nothing): the bits of packing per call at 1, 2, 5, 8 and 16 rows, over the last axis too, and the
     * copy is kept only for the row counts that read it.
     */
    @Test
    void denseKeepsPackedWeightsOnlyWhereTheProductReadsThemWithTheSameBits() {
        Sequential m = new Sequential(Shape.of(400)).add(new Dense(120)).add(new ReLU()).add(new Dense(84));
        m.initialize(11);
        Sequential rows = new Sequential(Shape.of(6, 32)).add(new Dense(40).overLastAxis(true));
        rows.initialize(12);
        boolean packs = !KernelProvider.isScalar(KernelProvider.get());
        for (int n : new int[] {1, 2, 8, 5, 16, 1}) {
            Tensor x = Tensor.randn(new Random(n), 1f, n, 400);
            float[] reference = predictWithoutCache(m, x);
            for (Parameter k : kernels(m)) {
                k.changed(); // nothing kept from an earlier batch size
            }
            assertArrayEquals(reference, m.predict(x).data(), "batch " + n + ", first call");
            assertArrayEquals(reference, m.predict(x).data(), "batch " + n + ", packed weights kept");
            for (Parameter k : kernels(m)) {
                assertEquals(packs && n >= 5, kept(k) != null, k + " at batch " + n);
            }
            Tensor r = Tensor.randn(new Random(n + 100), 1f, n, 6, 32); // 6n rows over the last axis
            float[] rowsReference = predictWithoutCache(rows, r);
            assertArrayEquals(rowsReference, rows.predict(r).data(), "last axis, batch " + n);
            assertArrayEquals(rowsReference, rows.predict(r).data(), "last axis, batch " + n + ", kept");
        }
    }

    @Test
    void trainingPassesKeepNothing() {
        Sequential m = net(2);
        m.forward(input(2, 4), true);
        m.forward(input(2, 4), false); // gradients tracked: a backward may follow
        for (Parameter k : kernels(m)) {
            assertTrue(kept(k) == null, k + ": nothing kept outside inference");
        }
    }

    @Test
    void anOptimiserStepIsSeenByTheNextPredict() {
        Sequential m = net(3);
        Tensor x = input(2, 5);
        float[] before = m.predict(x).data().clone(); // packs and keeps the weights
        Sgd sgd = new Sgd(m, 0.5).momentum(0.9);
        SoftmaxCrossEntropy loss = new SoftmaxCrossEntropy();
        for (int step = 0; step < 2; step++) {
            sgd.zeroGrad();
            var v = loss.compute(m.forward(x, true), new int[] {1, 3});
            m.backwardParameters(v.gradient());
            m.predict(x); // packs the weights again between the backward pass and the step
            sgd.step();   // so only the step itself can drop them
            for (Parameter k : kernels(m)) {
                assertTrue(kept(k) == null, k + ": the step dropped the packed weights");
            }
            float[] after = m.predict(x).data().clone();
            assertFalse(Arrays.equals(before, after), "the step changed the answer");
            // a stale packing would give the old weights' answer for the convolutions
            assertArrayEquals(predictWithoutCache(m, x), after, "step " + step);
            before = after;
        }
    }

    @Test
    void loadingInitialisingAndMarkedWritesAreSeenByTheNextPredict() {
        Sequential m = net(4);
        Sequential other = net(5);
        Tensor x = input(3, 6);
        float[] mine = m.predict(x).data().clone();
        float[] others = other.predict(x).data().clone();
        assertFalse(Arrays.equals(mine, others));

        // load: every parameter and buffer from the other model
        m.namedParameters().forEach((name, p) -> p.load(other.namedParameters().get(name).value()));
        assertArrayEquals(others, m.predict(x).data(), "after load");

        // initialise from the first seed again
        m.reinitialize(4);
        assertArrayEquals(mine, m.predict(x).data(), "after reinitialize");

        // a write through the array, announced
        Parameter k0 = kernels(m).get(0);
        Object keptBefore = kept(k0);
        float[] w = k0.value().data();
        for (int i = 0; i < w.length; i++) {
            w[i] = -w[i];
        }
        m.weightsChanged();
        if (keptBefore != null) {
            assertTrue(kept(k0) == null, "weightsChanged dropped the packing");
        }
        float[] written = m.predict(x).data().clone();
        assertFalse(Arrays.equals(mine, written));
        assertArrayEquals(predictWithoutCache(m, x), written, "after a marked write");
        // an importer's write: the array, then markLoaded
        System.arraycopy(other.namedParameters().get("conv2d.kernel").value().data(), 0, w, 0, w.length);
        k0.markLoaded();
        assertArrayEquals(predictWithoutCache(m, x), m.predict(x).data(), "after markLoaded");
    }

    @Test
    void aHandWrittenTrainingLoopThatWritesTheArraysIsSeenByTheNextPredict() {
        // as PyTorch code does p.data -= lr * p.grad: no optimiser, no changed() call
        Sequential m = net(8);
        Tensor x = input(2, 7);
        float[] before = m.predict(x).data().clone();
        SoftmaxCrossEntropy loss = new SoftmaxCrossEntropy();
        for (int step = 0; step < 2; step++) {
            m.namedParameters().values().forEach(Parameter::zeroGrad);
            var v = loss.compute(m.forward(x, false), new int[] {0, 4}); // gradients tracked: a training pass
            m.backwardParameters(v.gradient());
            for (Parameter p : m.learnableParameters().values()) {
                float[] w = p.value().data();
                float[] g = p.grad().data();
                for (int i = 0; i < w.length; i++) {
                    w[i] -= 0.5f * g[i];
                }
            }
            float[] after = m.predict(x).data().clone();
            assertFalse(Arrays.equals(before, after));
            assertArrayEquals(predictWithoutCache(m, x), after, "step " + step);
            before = after;
        }
    }

    /**
     * As the hand-written loop above at 8 rows, where Dense keeps W^T packed too (at 2 rows it packs nothing): the pass
     * that tracks gradients drops every packing, so the step written after it is seen by the next predict.
     */
    @Test
    void aHandWrittenStepIsSeenByDenseLayersThatKeepWTransposed() {
        Sequential m = net(9);
        Tensor x = input(8, 8);
        float[] before = m.predict(x).data().clone();
        if (!KernelProvider.isScalar(KernelProvider.get())) {
            for (Parameter k : kernels(m)) {
                assertNotNull(kept(k), k + ": packed at 8 rows");
            }
        }
        SoftmaxCrossEntropy loss = new SoftmaxCrossEntropy();
        m.namedParameters().values().forEach(Parameter::zeroGrad);
        var v = loss.compute(m.forward(x, false), new int[] {0, 4, 1, 2, 3, 0, 1, 2});
        for (Parameter k : kernels(m)) {
            assertTrue(kept(k) == null, k + ": its packing dropped by the pass that tracks gradients");
        }
        m.backwardParameters(v.gradient());
        for (Parameter p : m.learnableParameters().values()) {
            float[] w = p.value().data();
            float[] g = p.grad().data();
            for (int i = 0; i < w.length; i++) {
                w[i] -= 0.5f * g[i];
            }
        }
        float[] after = m.predict(x).data().clone();
        assertFalse(Arrays.equals(before, after));
        assertArrayEquals(predictWithoutCache(m, x), after, "the hand-written step seen");
    }

    @Test
    void versionsChangeWithEveryWriteAndNeverRepeat() {
        Sequential a = net(6);
        Sequential b = net(6);
        Parameter pa = kernels(a).get(0);
        Parameter pb = kernels(b).get(0);
        assertTrue(pa.version() != pb.version(), "two parameters never share a version");
        long v = pa.version();
        pa.changed();
        assertTrue(pa.version() > v);
        v = pa.version();
        pa.load(pb.value());
        assertTrue(pa.version() > v);
    }

    @Test
    void threadsSharingAModelFromColdGiveTheSequentialBits() throws Exception {
        Sequential m = net(7);
        List<Tensor> inputs = new ArrayList<>();
        List<float[]> reference = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            inputs.add(input(1 + i % 3, 100 + i));
            reference.add(predictWithoutCache(m, inputs.get(i)));
        }
        for (int round = 0; round < 3; round++) {
            if (round == 2) { // an optimiser-like change between rounds: the threads must see the new weights
                Parameter k = kernels(m).get(1);
                k.value().data()[0] += 1f;
                k.changed();
                reference.clear();
                for (Tensor x : inputs) {
                    reference.add(predictWithoutCache(m, x));
                }
            }
            m.weightsChanged(); // cold: every thread may race to pack
            ExecutorService pool = Executors.newFixedThreadPool(6);
            try {
                List<Future<List<float[]>>> futures = new ArrayList<>();
                for (int t = 0; t < 6; t++) {
                    int shift = t;
                    futures.add(pool.submit(() -> {
                        List<float[]> mine = new ArrayList<>();
                        for (int i = 0; i < inputs.size(); i++) {
                            mine.add(m.predict(inputs.get((i + shift) % inputs.size())).data().clone());
                        }
                        return mine;
                    }));
                }
                for (int t = 0; t < 6; t++) {
                    List<float[]> mine = futures.get(t).get();
                    for (int i = 0; i < mine.size(); i++) {
                        int j = (i + t) % inputs.size();
                        assertArrayEquals(reference.get(j), mine.get(i), "round " + round + ", thread " + t
                                + ", input " + j);
                    }
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }

    /**
     * One sample through a 7x7 layer with many filters: its single tile is computed transposed (weights on the
     * right), and those weights are now packed once and kept too, beside the left-operand form, with the same bits.
     */
    @Test
    void oneSampleTilesComputedTransposedKeepTheirPackedWeights() {
        Sequential m = new Sequential(Shape.of(64, 7, 7), new Conv2d(256, 3).padding(1), new BatchNorm2d(), new ReLU(),
                new Conv2d(200, 1));
        m.initialize(9);
        Tensor x1 = Tensor.randn(new Random(4), 1f, 1, 64, 7, 7);
        Tensor x3 = Tensor.randn(new Random(5), 1f, 3, 64, 7, 7);
        float[] perCall1 = perCall(m, x1);
        float[] perCall3 = perCall(m, x3);
        Parameter k0 = kernels(m).get(0);
        // the vector kernels compute this tile transposed; the scalar ones run the reference loops (nothing kept)
        boolean transposed = KernelProvider.get().fillsBetterTransposed(256, 49);
        for (int round = 0; round < 2; round++) {
            assertArrayEquals(perCall1, m.predict(x1).data(), "batch 1, round " + round);
            Object holder = kept(k0);
            if (transposed) {
                assertNotNull(holder, "the transposed tile's packed weights are kept");
            }
            assertArrayEquals(perCall1, m.predict(x1).data());
            assertSame(holder, kept(k0), "and reused by the next call");
            assertArrayEquals(perCall3, m.predict(x3).data(), "batch 3 (tiles of several samples), round " + round);
            if (transposed) {
                assertSame(holder, kept(k0), "both forms live in one kept packing");
            }
        }
        // without the kept right operand (packed per call): the same bits
        org.convnet4j.ops.ConvTestAccess.preparedRight(false);
        try {
            assertArrayEquals(perCall1, m.predict(x1).data());
        } finally {
            org.convnet4j.ops.ConvTestAccess.preparedRight(true);
        }
        // new weights: the next batch-1 predict packs them again
        float[] w = k0.value().data();
        for (int i = 0; i < w.length; i += 7) {
            w[i] = -w[i];
        }
        k0.changed();
        assertTrue(kept(k0) == null, "changed() dropped both forms");
        assertArrayEquals(perCall(m, x1), m.predict(x1).data());
    }

    private static float[] perCall(Sequential m, Tensor x) {
        Conv2d.keepPackedWeights = false;
        try {
            return m.predict(x).data().clone();
        } finally {
            Conv2d.keepPackedWeights = true;
        }
    }
}

package org.convnet4j.serve;

import java.util.List;
import java.util.Random;
import org.convnet4j.model.Preprocessing;
import org.convnet4j.model.SavedModel;
import org.convnet4j.nn.Sequential;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.zoo.LeNet5;

/** Small models and pictures for the server tests: an untrained LeNet-5 answers in well under a millisecond. */
final class TestModels {
    static final List<String> CLASSES = List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal",
            "Shirt", "Sneaker", "Bag", "Ankle boot");

    private TestModels() {
    }

    static SavedModel lenet(long seed) {
        Sequential m = LeNet5.build();
        m.initialize(seed);
        m.setClassNames(CLASSES);
        return new SavedModel(m, Preprocessing.forInput(Shape.of(1, 28, 28)), "{}");
    }

    static Tensor randomInput(Random r, int n) {
        return Tensor.uniform(r, 0, 1, n, 1, 28, 28);
    }

    /**
     * LeNet-5 (seed {@code seed}) followed by a gate: while {@link Gate#hold} is set, each forward pass waits at the
     * gate (after the last layer) until {@link Gate#open} is called; {@link Gate#entered} counts the passes that
     * reached it. A stuck model whose release the test controls: answers that come while it is held cannot come
     * from the model.
     */
    static Gate gated(long seed) {
        return new Gate(seed);
    }

    static final class Gate {
        final java.util.concurrent.atomic.AtomicInteger entered = new java.util.concurrent.atomic.AtomicInteger();
        private volatile java.util.concurrent.CountDownLatch held;
        final SavedModel saved;

        private Gate(long seed) {
            Sequential m = LeNet5.build();
            m.initialize(seed);
            Sequential g = new Sequential("gated", m.inputShapes().get(0));
            for (org.convnet4j.nn.Layer l : m.layers()) {
                g.add(l);
            }
            g.add(new org.convnet4j.nn.UnaryLayer() {
                @Override
                protected Shape outputShapeOf(Shape input) {
                    return input;
                }

                @Override
                public Tensor forward(Tensor t, boolean training) {
                    entered.incrementAndGet();
                    java.util.concurrent.CountDownLatch h = held;
                    if (h != null) {
                        try {
                            h.await(120, java.util.concurrent.TimeUnit.SECONDS);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }
                    return t;
                }

                @Override
                public Tensor backward(Tensor dy) {
                    return dy;
                }
            }.named("gate"));
            g.setClassNames(CLASSES);
            saved = new SavedModel(g, Preprocessing.forInput(Shape.of(1, 28, 28)), "{}");
        }

        /** From now on forward passes wait at the gate. */
        void hold() {
            held = new java.util.concurrent.CountDownLatch(1);
        }

        /** Lets the waiting passes go, and later ones pass freely. */
        void open() {
            java.util.concurrent.CountDownLatch h = held;
            held = null;
            if (h != null) {
                h.countDown();
            }
        }

        boolean held() {
            return held != null;
        }

        /** Waits until {@code n} passes have reached the gate (at most 60 s). */
        void awaitEntered(int n) throws InterruptedException {
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
            while (entered.get() < n) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError(entered.get() + " forward passes reached the gate in 60 s, not " + n);
                }
                Thread.sleep(1);
            }
        }
    }
}

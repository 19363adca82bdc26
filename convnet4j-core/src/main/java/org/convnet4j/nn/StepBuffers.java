package org.convnet4j.nn;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;

/**
 * Reuse of layer outputs and gradients from one training step to the next. A training step allocates every
 * activation and every gradient afresh (for ResNet-50 at batch 8 about 3 GB per step), most of them live until
 * the backward pass has used them, so the collector kept copying gigabytes of live activations between young
 * generations and the heap grew far beyond the live set. Inside {@link #step}, a layer asks its {@link Slots}
 * for a tensor and gets back the one it used in the previous step when the shape is the same; such a tensor
 * is promoted once and then never copied again.
 *
 * <p>Only code that knows nothing keeps a step's tensors past the step runs inside {@link #step}: the
 * {@link org.convnet4j.train.Trainer} and the benchmarks. Everywhere else (and when a layer is called twice in one
 * step, as a shared layer would be) the slots hand out new tensors, so a value returned by a forward pass is never
 * overwritten behind its holder's back.
 */
public final class StepBuffers {
    private static final ThreadLocal<long[]> CURRENT = ThreadLocal.withInitial(() -> new long[1]); // 0 = none
    private static final AtomicLong COUNTER = new AtomicLong();

    private StepBuffers() {
    }

    /** Runs one training step in which layers may reuse the buffers of their previous step. */
    public static void step(Runnable body) {
        long[] current = CURRENT.get();
        long before = current[0];
        current[0] = COUNTER.incrementAndGet();
        try {
            body.run();
        } finally {
            current[0] = before;
        }
    }

    /** A layer's reusable tensors, by slot number (output, input gradient, ...). */
    public static final class Slots {
        private final Tensor[] tensors;
        private final long[] lastStep;

        public Slots(int count) {
            tensors = new Tensor[count];
            lastStep = new long[count];
        }

        /** A tensor of zeros: slot's tensor of the previous step, cleared, inside {@link #step}; else new. */
        public Tensor zeros(int slot, Shape shape) {
            Tensor t = reuse(slot, shape);
            if (t == null) {
                return Tensor.zeros(shape);
            }
            Arrays.fill(t.data(), 0f);
            return t;
        }

        /**
         * A tensor whose every element the caller will write (its contents are undefined): the slot's tensor of
         * the previous step, inside {@link #step}; else new.
         */
        public Tensor overwritten(int slot, Shape shape) {
            Tensor t = reuse(slot, shape);
            return t == null ? Tensor.zeros(shape) : t;
        }

        private Tensor reuse(int slot, Shape shape) {
            long step = CURRENT.get()[0];
            if (step == 0) {
                return null;
            }
            if (lastStep[slot] == step) {
                return null; // second call in one step (a shared layer): its first result may still be in use
            }
            lastStep[slot] = step;
            Tensor t = tensors[slot];
            if (t != null && t.shape().equals(shape)) {
                return t;
            }
            t = Tensor.zeros(shape);
            tensors[slot] = t;
            return t;
        }
    }
}

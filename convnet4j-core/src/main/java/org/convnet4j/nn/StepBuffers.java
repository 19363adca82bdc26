package org.convnet4j.nn;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.tensor.kernels.KernelProvider;

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
 *
 * <p><b>The memory plan</b> (on by default; {@code -Dconvnet4j.memory.plan=false} or {@link #step(boolean, Runnable)}
 * turns it off). Inside a step with the plan on, two more things happen, neither of which changes a bit of any
 * result (StepBuffersTest trains with the plan on and off and compares the weights):
 * <ul>
 *   <li>input gradients come from one per-thread {@link GradientPool} instead of one buffer per layer, and
 *       {@link Sequential} and {@link Graph} give each back as soon as nothing reads it;</li>
 *   <li>{@link InPlace} layers (batch norm, ReLU, Add) write over their input in the forward pass when the model
 *       sees that nothing else reads it and its producer's backward does not need it
 *       ({@link Layer#backwardReadsOutput()}), and over their output gradient in the backward pass when the
 *       model holds that gradient alone. A conv + batch norm + ReLU unit then keeps two activation-sized tensors
 *       for its backward (x-hat over the convolution's output, ReLU's output over batch norm's) instead of four,
 *       and no gradient of its own.</li>
 * </ul>
 * Because of the second point, inside a planned step a tensor returned by one layer's forward pass may be
 * overwritten by the next layer's (a graph's {@link Graph#activation} then shows the later value); outside
 * {@link #step} nothing changes.
 */
public final class StepBuffers {
    private static final ThreadLocal<long[]> CURRENT = ThreadLocal.withInitial(() -> new long[1]); // 0 = none
    private static final ThreadLocal<GradientPool[]> PLAN = ThreadLocal.withInitial(() -> new GradientPool[1]);
    private static final ThreadLocal<GradientPool> POOL = ThreadLocal.withInitial(GradientPool::new);
    private static final AtomicLong COUNTER = new AtomicLong();
    private static final boolean PLAN_DEFAULT =
            Boolean.parseBoolean(System.getProperty("convnet4j.memory.plan", "true"));

    private StepBuffers() {
    }

    /**
     * Runs one training step in which layers may reuse the buffers of their previous step, with the memory plan
     * on unless {@code -Dconvnet4j.memory.plan=false}.
     */
    public static void step(Runnable body) {
        step(PLAN_DEFAULT ? MemoryPlan.ON : MemoryPlan.OFF, body);
    }

    /** Whether a step also shares input gradients by liveness and lets layers write over their inputs. */
    public enum MemoryPlan {
        /** Buffer reuse and the memory plan (the default). */
        ON,
        /** Buffer reuse only. */
        OFF
    }

    /**
     * @deprecated {@code step(true, ...)} does not say what {@code true} is: use
     *             {@link #step(MemoryPlan, Runnable)}
     */
    @Deprecated
    public static void step(boolean memoryPlan, Runnable body) {
        step(memoryPlan ? MemoryPlan.ON : MemoryPlan.OFF, body);
    }

    /** Runs one training step reusing buffers, with the memory plan on or off (the same bits either way). */
    public static void step(MemoryPlan memoryPlanChoice, Runnable body) {
        boolean memoryPlan = memoryPlanChoice == MemoryPlan.ON;
        long[] current = CURRENT.get();
        GradientPool[] plan = PLAN.get();
        long before = current[0];
        GradientPool planBefore = plan[0];
        current[0] = COUNTER.incrementAndGet();
        if (memoryPlan && planBefore == null) {
            GradientPool pool = POOL.get();
            pool.beginStep();
            plan[0] = pool;
        } else if (!memoryPlan) {
            plan[0] = null;
        }
        boolean blocks = sampleBlocks;
        boolean blocksBefore = blocks && KernelProvider.splitInBlocksOnThisThread(true);
        try {
            body.run();
        } finally {
            current[0] = before;
            plan[0] = planBefore;
            if (blocks) {
                KernelProvider.splitInBlocksOnThisThread(blocksBefore);
            }
        }
    }

    /**
     * Switch for A/B runs ({@code FlagAB}, {@code PlacementProbe}; on, {@code -Dconvnet4j.step.sampleBlocks=false} off):
     * inside a step, every parallel call of the stepping thread cuts its tasks into one block per thread
     * ({@link KernelProvider#splitInBlocksOnThisThread}) instead of a shared counter. A
     * training step's calls mostly number their tasks in memory order, samples first (convolution tiles, Winograd's
     * blocks of tile rows, the weight gradients' batch chunks, the element-wise passes' chunks), so each thread then
     * keeps the same samples layer after layer and reads mostly what it wrote itself (batch norm's channel split still
     * crosses). Which thread runs a task never changes a result: the same bits. When the host puts the two vCPUs of the
     * AMD guest far apart, W6's kernels then use ~5% less CPU (the far placement's extra cost), near the same
     * (docs/PERFORMANCE.md, session 24).
     */
    static volatile boolean sampleBlocks = !"false".equals(System.getProperty("convnet4j.step.sampleBlocks"));

    /** Whether the current thread is inside {@link #step}. */
    static boolean inStep() {
        return CURRENT.get()[0] != 0;
    }

    /** The gradient pool when the current thread is inside a step with the memory plan on (and tracks gradients). */
    static GradientPool plan() {
        GradientPool p = PLAN.get()[0];
        return p != null && GradMode.isEnabled() ? p : null;
    }

    /**
     * Drops the current thread's gradient pool: its arrays become garbage (the next planned step starts an empty
     * one). For a thread that has finished training and lives on.
     */
    public static void releasePool() {
        POOL.remove();
    }

    /** The pool on this thread (tests): arrays, arrays not given back in the last step, floats, largest array. */
    static long[] poolState() {
        return POOL.get().state();
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
                InferenceBuffers ib = InferenceBuffers.active();
                if (ib == null) {
                    return Tensor.zeros(shape);
                }
                t = ib.overwritten(shape);
            }
            Arrays.fill(t.data(), 0f);
            return t;
        }

        /**
         * An input gradient of zeros: from the step's gradient pool when the memory plan is on, else as
         * {@link #zeros}.
         */
        public Tensor gradientZeros(int slot, Shape shape) {
            GradientPool pool = plan();
            if (pool == null) {
                return zeros(slot, shape);
            }
            Tensor t = pool.overwritten(shape);
            Clearing.clear(t.data()); // on the kernels' threads when long (the same zeros)
            return t;
        }

        /**
         * An input gradient whose every element the caller will write: from the step's gradient pool when the
         * memory plan is on, else as {@link #overwritten}.
         */
        public Tensor gradientOverwritten(int slot, Shape shape) {
            GradientPool pool = plan();
            return pool == null ? overwritten(slot, shape) : pool.overwritten(shape);
        }

        /**
         * Gives back a tensor from {@link #gradientZeros} or {@link #gradientOverwritten} that the layer did not
         * return (an operator handed back a tensor of its own instead): under the memory plan the pool would
         * otherwise count it as held for the rest of the step and take a new array for every later gradient of
         * its size. Nothing may read {@code unused} afterwards. Without the plan it stays the slot's buffer.
         */
        public void gradientUnused(Tensor unused) {
            GradientPool pool = plan();
            if (pool != null) {
                pool.giveBack(unused.data());
            }
        }

        /**
         * A tensor whose every element the caller will write (its contents are undefined): the slot's tensor of
         * the previous step, inside {@link #step}; inside {@link Model#predict} an array of this thread's
         * {@link InferenceBuffers}; else new.
         */
        public Tensor overwritten(int slot, Shape shape) {
            Tensor t = reuse(slot, shape);
            if (t != null) {
                return t;
            }
            InferenceBuffers ib = InferenceBuffers.active(); // Model.predict: this thread's buffers, by liveness
            return ib == null ? Tensor.zeros(shape) : ib.overwritten(shape);
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

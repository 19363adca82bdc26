package org.convnet4j.nn;

import java.util.function.Supplier;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;

/**
 * Activation buffers of {@link Model#predict}, one set per thread, reused from call to call. Without them every
 * activation of an inference pass was a new array that the JVM zeroed first and the collector later freed (7% of
 * ResNet-50 at batch 1 was that zeroing, docs/PERFORMANCE.md).
 *
 * <p>Inside a call, layers take their outputs from here ({@link StepBuffers.Slots#overwritten}, outside a training
 * step), and {@link Sequential} and {@link Graph} give an activation back as soon as its last reader has run and no
 * live activation shares its array (views, layers that return their input); a model's own inputs are never given
 * back. When the call ends, the result leaves the pool for good (the caller owns it, as always), and every other
 * array is free for the next call on this thread. Arrays the last call did not use are dropped, so a thread holds
 * at most what one call needed at its peak. Threads never share arrays, so a model stays safe to share between
 * threads. Values are those of fresh arrays: layers that take an array "overwritten" write every element.
 *
 * <p>{@code -Dconvnet4j.inference.buffers=false} turns it off (new arrays per layer, as before).
 */
public final class InferenceBuffers {
    static volatile boolean enabled = !"false".equals(System.getProperty("convnet4j.inference.buffers"));
    private static final ThreadLocal<InferenceBuffers> POOL = new ThreadLocal<>();
    private static final ThreadLocal<InferenceBuffers[]> ACTIVE = ThreadLocal.withInitial(() -> new InferenceBuffers[1]);

    private final GradientPool pool = new GradientPool(); // the same take/give-back-by-liveness mechanism

    private InferenceBuffers() {
    }

    /**
     * Runs one inference call ({@code body} computes the model's output) with this thread's buffers; a call inside
     * another (a layer that predicts with a model of its own) joins the outer one.
     */
    static Tensor call(Supplier<Tensor> body) {
        InferenceBuffers[] active = ACTIVE.get();
        if (active[0] != null || !enabled || StepBuffers.inStep()) {
            return body.get();
        }
        InferenceBuffers buffers = POOL.get();
        if (buffers == null) {
            buffers = new InferenceBuffers();
            POOL.set(buffers);
        }
        buffers.begin();
        active[0] = buffers;
        Tensor out;
        try {
            out = body.get();
        } finally {
            active[0] = null;
        }
        buffers.escape(out.data());
        return out;
    }

    /** This thread's buffers while a call runs without gradients, else null. */
    static InferenceBuffers active() {
        InferenceBuffers b = ACTIVE.get()[0];
        return b != null && !GradMode.isEnabled() ? b : null;
    }

    /** Drops this thread's buffers (their arrays become garbage): for a thread that will not predict again soon. */
    public static void release() {
        POOL.remove();
    }

    /**
     * A stretch of inference calls on this thread (an evaluation, a batch loop) after which the buffers it made
     * are dropped again: {@code try (InferenceBuffers.Scope s = InferenceBuffers.scope()) { ... }}. A thread that
     * already had buffers when the scope opened (it serves predictions) keeps them.
     */
    public static Scope scope() {
        return new Scope(POOL.get() != null);
    }

    /** See {@link #scope()}. */
    public static final class Scope implements AutoCloseable {
        private final boolean hadBuffers;

        private Scope(boolean hadBuffers) {
            this.hadBuffers = hadBuffers;
        }

        @Override
        public void close() {
            if (!hadBuffers) {
                release();
            }
        }
    }

    /** Whether this thread holds inference buffers (for tests). */
    static boolean held() {
        return POOL.get() != null;
    }

    /** A new call: every kept array is free; arrays the last call did not take are dropped. */
    private void begin() {
        pool.beginStep();
    }

    /** The result of a call belongs to the caller: it never comes back into the pool. */
    private void escape(float[] result) {
        pool.escape(result);
    }

    /** A tensor of the given shape with undefined contents (the caller writes every element). */
    Tensor overwritten(Shape shape) {
        return pool.overwritten(shape);
    }

    /**
     * Gives back an array nothing reads any more (the caller checked that no live activation shares it); arrays
     * this call did not hand out (a model input, a layer's own tensor) are ignored.
     */
    void giveBack(float[] a) {
        pool.giveBack(a);
    }

    /** Arrays kept, arrays handed out and not given back, floats kept, the longest array (tests). */
    static long[] state() {
        InferenceBuffers b = POOL.get();
        return b == null ? new long[4] : b.pool.state();
    }
}

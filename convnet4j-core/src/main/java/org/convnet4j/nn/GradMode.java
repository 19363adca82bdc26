package org.convnet4j.nn;

import java.util.function.Supplier;

/**
 * Whether forward passes on the current thread keep what a backward pass needs (layer inputs, masks, normalised
 * values, a graph's activations). On by default, so that a forward pass in either mode ({@code training} true or
 * false) can be followed by backward, as gradient checks, saliency maps and fine-tuning need. Inference that will
 * never go backward — {@link Model#predict}, evaluation, feature extraction — runs inside
 * {@link #withoutGradients}, the counterpart of PyTorch's {@code torch.no_grad()}: each activation can then be
 * collected as soon as the next layer has consumed it, instead of every activation of the pass staying alive
 * until the next one (for ResNet-50 at batch 8 about 1 GB that the collector kept copying: a quarter of the
 * inference time went to garbage collection, see docs/PERFORMANCE.md).
 */
public final class GradMode {
    private static final ThreadLocal<boolean[]> DISABLED = ThreadLocal.withInitial(() -> new boolean[1]);

    private GradMode() {
    }

    /** True unless the current thread is inside {@link #withoutGradients}. */
    public static boolean isEnabled() {
        return !DISABLED.get()[0];
    }

    /** Runs {@code body} with gradient bookkeeping off on this thread (restored afterwards, also on exceptions). */
    public static <T> T withoutGradients(Supplier<T> body) {
        boolean[] flag = DISABLED.get();
        boolean before = flag[0];
        flag[0] = true;
        try {
            return body.get();
        } finally {
            flag[0] = before;
        }
    }

    /** {@code value} when gradients are tracked, else null: what a layer keeps for its backward pass. */
    public static <T> T keep(T value) {
        return isEnabled() ? value : null;
    }
}

package org.convnet4j.ops;

import org.convnet4j.tensor.kernels.Kernels;

/**
 * Per-output-channel work done on a convolution's output while it is still in cache: batch normalisation with
 * fixed (running) statistics, then optionally an element-wise activation (ReLU; in imported nets also SiLU, ReLU6
 * as a clip, ...) — what an inference pass of conv → batch norm → activation does in three sweeps over memory. It
 * calls the very kernels {@code BatchNorm} and the activation layer use, in the same order, so the fused result
 * has the unfused result's bits. {@code mean == null}: no batch norm; {@code activation == null}: none.
 *
 * <p>{@code residual} (null: none) is a residual block's skip, shaped like the convolution's output: after the batch
 * norm and before the activation each output value gets the skip's value at its own position added, by
 * {@link Kernels#add} as the {@code Add} layer does (ResNet's conv3 → bn3 → add → ReLU in one sweep instead of two).
 * The convolutions apply an epilogue only to runs of the output tensor itself, so a run's offset is the skip's too.
 */
public record ConvEpilogue(float[] mean, float[] invStd, float[] gamma, float[] beta, Activation activation,
                           float[] residual) {

    /** Batch norm (when {@code mean != null}), then the activation (when not null); no residual. */
    public ConvEpilogue(float[] mean, float[] invStd, float[] gamma, float[] beta, Activation activation) {
        this(mean, invStd, gamma, beta, activation, null);
    }

    /**
     * An element-wise function applied in place to a run of one channel's values; an activation layer hands out
     * the one its own forward pass computes, so fusing changes no bit.
     */
    @FunctionalInterface
    public interface Activation {
        void apply(Kernels k, float[] y, int off, int len);
    }

    /** ReLU by {@link Kernels#reluForward} (what the ReLU layer runs). */
    public static final Activation RELU = (k, y, off, len) -> k.reluForward(len, y, off, y, off);

    /** Batch norm, then ReLU when {@code relu}. */
    public ConvEpilogue(float[] mean, float[] invStd, float[] gamma, float[] beta, boolean relu) {
        this(mean, invStd, gamma, beta, relu ? RELU : null);
    }

    /** Only ReLU. */
    public static ConvEpilogue reluOnly() {
        return activationOnly(RELU);
    }

    /** Only the given activation. */
    public static ConvEpilogue activationOnly(Activation activation) {
        return new ConvEpilogue(null, null, null, null, activation);
    }

    /** This epilogue with {@code skip} (the output's shape) added after the batch norm, before the activation. */
    public ConvEpilogue withResidual(float[] skip) {
        return new ConvEpilogue(mean, invStd, gamma, beta, activation, skip);
    }

    /** Whether the activation is ReLU. */
    public boolean relu() {
        return activation == RELU;
    }

    /** Applies the epilogue to {@code len} values of output channel {@code channel} starting at {@code off}. */
    void apply(Kernels k, float[] y, int off, int len, int channel) {
        if (mean != null) {
            k.normalizeAffine(len, y, off, mean[channel], invStd[channel], gamma[channel], beta[channel], y, off,
                    y, off);
        }
        if (residual != null) {
            k.add(len, y, off, residual, off, y, off);
        }
        if (activation != null) {
            activation.apply(k, y, off, len);
        }
    }

    /** Applies the epilogue to a whole [N, F, H, W] output. */
    void applyAll(Kernels k, float[] y, int n, int f, int plane) {
        for (int b = 0; b < n; b++) {
            for (int fo = 0; fo < f; fo++) {
                apply(k, y, (b * f + fo) * plane, plane, fo);
            }
        }
    }
}

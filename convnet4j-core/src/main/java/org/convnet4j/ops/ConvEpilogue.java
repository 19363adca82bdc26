package org.convnet4j.ops;

import org.convnet4j.tensor.kernels.Kernels;

/**
 * Per-output-channel work done on a convolution's output while it is still in cache: batch normalisation with
 * fixed (running) statistics, then optionally ReLU — what an inference pass of conv → batch norm → ReLU does in
 * three sweeps over memory. It calls the very kernels {@code BatchNorm} and {@code ReLU} use, in the same order,
 * so the fused result has the unfused result's bits. {@code mean == null}: no batch norm.
 */
public record ConvEpilogue(float[] mean, float[] invStd, float[] gamma, float[] beta, boolean relu) {

    /** Only ReLU. */
    public static ConvEpilogue reluOnly() {
        return new ConvEpilogue(null, null, null, null, true);
    }

    /** Applies the epilogue to {@code len} values of output channel {@code channel} starting at {@code off}. */
    void apply(Kernels k, float[] y, int off, int len, int channel) {
        if (mean != null) {
            k.normalizeAffine(len, y, off, mean[channel], invStd[channel], gamma[channel], beta[channel], y, off,
                    y, off);
        }
        if (relu) {
            k.reluForward(len, y, off, y, off);
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

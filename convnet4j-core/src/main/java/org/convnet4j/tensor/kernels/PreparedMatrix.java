package org.convnet4j.tensor.kernels;

/**
 * The left operand {@code alpha * op(A)} of several products, prepared once by {@link Kernels#prepareA}: a
 * convolution multiplies its weights with every tile of every sample, and packing them into the GEMM's panel
 * layout for each tile again cost about 6% of a convolution. {@code packed} is the implementation's own
 * layout (null when it keeps none); {@code a} is never modified.
 */
public record PreparedMatrix(boolean transA, int m, int k, float alpha, float[] a, int aOff, int lda,
                             float[] packed) {
}

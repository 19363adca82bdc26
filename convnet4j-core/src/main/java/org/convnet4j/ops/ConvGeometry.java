package org.convnet4j.ops;

/**
 * The one output-size rule shared by convolution, pooling and every layer, and the multiplication count
 * used for cost accounting.
 */
public final class ConvGeometry {
    private ConvGeometry() {
    }

    /**
     * Output size along one dimension: {@code floor((n + padBefore + padAfter - dilation*(k-1) - 1) / stride) + 1}.
     * With no padding and dilation 1 this is the lecture's {@code floor((n-k)/s) + 1}.
     *
     * @param op name of the calling operation, used in error messages
     * @throws IllegalArgumentException naming {@code op} and every number when stride, dilation or kernel is
     *         below 1, a padding is negative, or the (dilated) kernel does not fit the padded input
     */
    public static int outputSize(String op, int n, int k, int stride, int dilation, int padBefore, int padAfter) {
        String numbers = " (input " + n + ", kernel " + k + ", stride " + stride + ", dilation " + dilation
                + ", padding " + padBefore + "+" + padAfter + ")";
        if (n < 1) {
            throw new IllegalArgumentException(op + ": input size must be >= 1" + numbers);
        }
        if (k < 1) {
            throw new IllegalArgumentException(op + ": kernel size must be >= 1" + numbers);
        }
        if (stride < 1) {
            throw new IllegalArgumentException(op + ": stride must be >= 1" + numbers);
        }
        if (dilation < 1) {
            throw new IllegalArgumentException(op + ": dilation must be >= 1" + numbers);
        }
        if (padBefore < 0 || padAfter < 0) {
            throw new IllegalArgumentException(op + ": padding must be >= 0" + numbers);
        }
        long effective = (long) dilation * (k - 1) + 1;
        long padded = (long) n + padBefore + padAfter;
        if (effective > padded) {
            throw new IllegalArgumentException(op + ": kernel of effective size " + effective
                    + " is larger than the padded input of size " + padded + numbers);
        }
        return (int) ((padded - effective) / stride + 1);
    }

    /**
     * Multiplications of a convolution: {@code outH * outW * outC * kh * kw * inCPerGroup}, i.e. every output
     * value is a dot product over {@code kh*kw*inC/groups} inputs (the lecture's Inception cost arithmetic).
     */
    public static long convMacs(int outC, int outH, int outW, int inCPerGroup, int kh, int kw) {
        return (long) outH * outW * outC * kh * kw * inCPerGroup;
    }
}

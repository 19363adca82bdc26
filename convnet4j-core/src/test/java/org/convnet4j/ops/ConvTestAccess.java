package org.convnet4j.ops;

/** Test access to FastConvolution's A/B switches from other packages' tests. */
public final class ConvTestAccess {
    private ConvTestAccess() {
    }

    /** {@code false}: transposed tiles pack their right-operand weights per call (as before they were kept). */
    public static void preparedRight(boolean on) {
        FastConvolution.preparedRight = on;
    }
}

package org.convnet4j.io.keras;

import java.util.Locale;

/**
 * What one Keras weight is, read from its name. Keras 2 names weights {@code layer/kernel:0},
 * {@code layer/bias:0}, {@code layer/gamma:0}, {@code layer/moving_variance:0}; Keras 1 wrote
 * {@code layer_W:0}, {@code layer_b:0} and {@code layer_running_std:0}. Keras 1's "running_std" held the
 * variance despite its name (its batch norm passed it to the backend as the variance), so it maps to
 * {@link #VARIANCE}.
 */
public enum WeightRole {
    KERNEL, BIAS, GAMMA, BETA, MOVING_MEAN, VARIANCE, OTHER;

    /** The role of a weight named {@code name} (with or without its layer prefix and {@code :0} suffix). */
    public static WeightRole of(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        int colon = n.lastIndexOf(':');
        if (colon >= 0) {
            n = n.substring(0, colon);
        }
        int slash = n.lastIndexOf('/');
        String leaf = slash >= 0 ? n.substring(slash + 1) : n;
        if (leaf.endsWith("moving_mean") || leaf.endsWith("running_mean")) {
            return MOVING_MEAN;
        }
        if (leaf.endsWith("moving_variance") || leaf.endsWith("running_std") || leaf.endsWith("running_var")) {
            return VARIANCE;
        }
        if (leaf.equals("kernel") || leaf.endsWith("_w") || leaf.equals("w")) {
            return KERNEL;
        }
        if (leaf.equals("bias") || leaf.endsWith("_b") || leaf.equals("b")) {
            return BIAS;
        }
        if (leaf.endsWith("gamma")) {
            return GAMMA;
        }
        if (leaf.endsWith("beta")) {
            return BETA;
        }
        return OTHER;
    }
}

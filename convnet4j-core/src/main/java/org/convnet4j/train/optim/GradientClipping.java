package org.convnet4j.train.optim;

import java.util.Collection;
import org.convnet4j.nn.Parameter;

/**
 * Limits gradients before an optimiser step, over the parameters the optimiser will update (frozen ones
 * are left alone).
 *
 * <p>By global norm (PyTorch's {@code clip_grad_norm_}): with n the L2 norm of all gradients together, every
 * gradient is multiplied by {@code min(1, maxNorm / (n + 1e-6))}, which keeps their direction. By value
 * ({@code clip_grad_value_}): each element is clamped to [-limit, limit].
 */
public final class GradientClipping {
    private enum Kind { NONE, NORM, VALUE }

    private final Kind kind;
    private final double limit;

    private GradientClipping(Kind kind, double limit) {
        if (kind != Kind.NONE && !(limit > 0)) {
            throw new IllegalArgumentException("GradientClipping: limit must be > 0, got " + limit);
        }
        this.kind = kind;
        this.limit = limit;
    }

    public static GradientClipping none() {
        return new GradientClipping(Kind.NONE, 0);
    }

    public static GradientClipping byGlobalNorm(double maxNorm) {
        return new GradientClipping(Kind.NORM, maxNorm);
    }

    public static GradientClipping byValue(double limit) {
        return new GradientClipping(Kind.VALUE, limit);
    }

    /** Clips the gradients of the optimiser's trainable parameters; returns their global norm before clipping. */
    public double apply(Optimizer optimizer) {
        return apply(optimizer.trainableParameters().values());
    }

    /** Clips the given parameters' gradients; returns their global L2 norm before clipping. */
    public double apply(Collection<Parameter> parameters) {
        double sumSquares = 0;
        for (Parameter p : parameters) {
            for (float g : p.grad().data()) {
                sumSquares += (double) g * g;
            }
        }
        double norm = Math.sqrt(sumSquares);
        if (kind == Kind.NORM) {
            double coef = limit / (norm + 1e-6);
            if (coef < 1) {
                for (Parameter p : parameters) {
                    float[] g = p.grad().data();
                    for (int i = 0; i < g.length; i++) {
                        g[i] = (float) (g[i] * coef);
                    }
                }
            }
        } else if (kind == Kind.VALUE) {
            float hi = (float) limit;
            for (Parameter p : parameters) {
                float[] g = p.grad().data();
                for (int i = 0; i < g.length; i++) {
                    g[i] = Math.max(-hi, Math.min(hi, g[i]));
                }
            }
        }
        return norm;
    }

    @Override
    public String toString() {
        return switch (kind) {
            case NONE -> "none";
            case NORM -> "global_norm(" + limit + ")";
            case VALUE -> "value(" + limit + ")";
        };
    }
}

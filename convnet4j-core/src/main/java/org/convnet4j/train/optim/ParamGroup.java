package org.convnet4j.train.optim;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.convnet4j.nn.Parameter;

/**
 * Parameters that share optimiser settings: a learning-rate scale (the group's rate is the optimiser's
 * current rate times this scale, so schedules apply to every group), an optional weight decay that overrides
 * the optimiser's, and a frozen flag. Transfer learning typically puts the backbone in a group with a small
 * scale (or frozen) and the new head in a group of its own.
 *
 * <p>A frozen group is skipped entirely by {@link Optimizer#step()}: no gradient step, no weight decay, no
 * momentum or moment update. The same holds for any single parameter whose {@link Parameter#isFrozen()} is set.
 */
public final class ParamGroup {
    private final String name;
    private final Map<String, Parameter> parameters;
    private double lrScale = 1;
    private Double weightDecay;
    private boolean frozen;

    private ParamGroup(String name, Map<String, Parameter> parameters) {
        this.name = name;
        this.parameters = Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
    }

    /** A group of named parameters (full names, as {@code model.learnableParameters()} gives them). */
    public static ParamGroup of(String name, Map<String, Parameter> parameters) {
        for (Map.Entry<String, Parameter> e : parameters.entrySet()) {
            if (!e.getValue().isLearnable()) {
                throw new IllegalArgumentException("ParamGroup '" + name + "': '" + e.getKey()
                        + "' is a buffer, not a learnable parameter");
            }
        }
        return new ParamGroup(name, parameters);
    }

    public String name() {
        return name;
    }

    public Map<String, Parameter> parameters() {
        return parameters;
    }

    public double lrScale() {
        return lrScale;
    }

    /** Multiplies the optimiser's learning rate for this group (0.1 for a pre-trained backbone, say). */
    public ParamGroup lrScale(double scale) {
        if (!(scale >= 0) || Double.isInfinite(scale)) {
            throw new IllegalArgumentException("ParamGroup '" + name + "': lr scale must be >= 0, got " + scale);
        }
        this.lrScale = scale;
        return this;
    }

    /** This group's weight decay, or {@code fallback} (the optimiser's) if the group sets none. */
    public double weightDecayOr(double fallback) {
        return weightDecay == null ? fallback : weightDecay;
    }

    public ParamGroup weightDecay(double decay) {
        if (!(decay >= 0) || Double.isInfinite(decay)) {
            throw new IllegalArgumentException("ParamGroup '" + name + "': weight decay must be >= 0, got " + decay);
        }
        this.weightDecay = decay;
        return this;
    }

    public boolean isFrozen() {
        return frozen;
    }

    public ParamGroup frozen(boolean value) {
        this.frozen = value;
        return this;
    }

    @Override
    public String toString() {
        return "ParamGroup[" + name + ", " + parameters.size() + " parameters, lrScale=" + lrScale
                + (weightDecay == null ? "" : ", weightDecay=" + weightDecay) + (frozen ? ", frozen" : "") + "]";
    }
}

package org.convnet4j.transfer;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.convnet4j.nn.Layer;
import org.convnet4j.nn.Model;
import org.convnet4j.nn.Parameter;
import org.convnet4j.nn.Sequential;
import org.convnet4j.train.optim.ParamGroup;

/**
 * What one transfer case does to a base model: the prepared model (head replaced, layers frozen with
 * {@link Layer#setTrainable}, so the freeze state is saved with it), the names of the frozen and trained layers,
 * the learning rate and the optimiser parameter groups. {@code headLearningRate} is the normal rate at which
 * {@link FineTuning}'s first phase trains the new head alone (Cases 2 and 3; 0 for the other cases). The trainer runs it like any other model; freezing is
 * expressed twice on purpose, once on the layers (saved, and frozen batch norm switches to running statistics)
 * and once as a frozen {@link ParamGroup} (the optimiser skips it: no step, no weight decay, no momentum).
 *
 * <p>{@link #frozenPrefix()} counts the leading layers whose output does not change during training (frozen or
 * without weights): their output can be computed once and cached ({@link TransferTraining}).
 */
public record TransferPlan(TransferCase transferCase, Sequential model, List<String> frozenLayers,
                           List<String> trainedLayers, double learningRate, double headLearningRate,
                           List<ParamGroup> groups, String cut, int frozenPrefix, List<String> notes,
                           boolean partialClasses) {

    public TransferPlan {
        frozenLayers = List.copyOf(frozenLayers);
        trainedLayers = List.copyOf(trainedLayers);
        groups = List.copyOf(groups);
        notes = List.copyOf(notes);
    }

    /**
     * A plan whose Case 0 refuses a target with classes the base does not know ({@code partialClasses}:
     * {@link TransferOptions#partialClasses}).
     */
    public TransferPlan(TransferCase transferCase, Sequential model, List<String> frozenLayers,
                        List<String> trainedLayers, double learningRate, double headLearningRate,
                        List<ParamGroup> groups, String cut, int frozenPrefix, List<String> notes) {
        this(transferCase, model, frozenLayers, trainedLayers, learningRate, headLearningRate, groups, cut, frozenPrefix,
                notes, false);
    }

    /** Whether gradient descent runs at all (Cases 2, 3 and 4). */
    public boolean trainsByGradient() {
        return transferCase == TransferCase.FINE_TUNE_LAST || transferCase == TransferCase.FINE_TUNE_ALL
                || transferCase == TransferCase.FROM_SCRATCH;
    }

    /**
     * The groups restricted to the parameters of {@code target} (the whole model, or the suffix trained on cached
     * prefix features), keeping each group's name, scale and frozen flag. Groups left empty are dropped.
     */
    public List<ParamGroup> groupsFor(Model target) {
        Map<Parameter, String> own = new IdentityHashMap<>();
        target.learnableParameters().forEach((k, p) -> own.put(p, k));
        List<ParamGroup> out = new ArrayList<>();
        for (ParamGroup g : groups) {
            Map<String, Parameter> kept = new LinkedHashMap<>();
            g.parameters().forEach((k, p) -> {
                String nameThere = own.get(p);
                if (nameThere != null) {
                    kept.put(nameThere, p);
                }
            });
            if (!kept.isEmpty()) {
                ParamGroup copy = ParamGroup.of(g.name(), kept).lrScale(g.lrScale()).frozen(g.isFrozen());
                out.add(copy);
            }
        }
        return out;
    }

    /** A few lines for the console: what is frozen, what is trained, at which rate (the default head fit). */
    public String summary() {
        return summary(FineTuneSettings.defaults().headFit());
    }

    /**
     * A few lines for the console: what is frozen, what is trained, at which rate; phase 1 as {@code headFit} does
     * it (a logistic regression has no rate and no epochs).
     */
    public String summary(FineTuneSettings.HeadFit headFit) {
        StringBuilder b = new StringBuilder();
        b.append(transferCase).append('\n');
        b.append("  frozen : ").append(frozenLayers.isEmpty() ? "nothing" : String.join(", ", frozenLayers)).append('\n');
        b.append("  trained: ").append(trainedLayers.isEmpty() ? "nothing" : String.join(", ", trainedLayers)).append('\n');
        if (trainsByGradient()) {
            if (headLearningRate > 0) {
                b.append(headFit == FineTuneSettings.HeadFit.CASE_1
                        ? "  phase 1: the new head alone, base frozen: Case 1's logistic regression (one-vs-rest) on the"
                        + " same features, written into the head\n"
                        : headFit == FineTuneSettings.HeadFit.LOGISTIC_REGRESSION
                        ? "  phase 1: the new head alone, base frozen: multinomial logistic regression fitted to"
                        + " convergence\n"
                        : "  phase 1: the new head alone at learning rate " + Transfer.number(headLearningRate)
                                + ", base frozen, until the validation loss stops improving\n");
                b.append("  phase 2: the trained layers above at learning rate ");
            } else {
                b.append("  learning rate ");
            }
            b.append(Transfer.number(learningRate));
            for (ParamGroup g : groups) {
                if (!g.isFrozen() && g.lrScale() != 1) {
                    b.append("; ").append(g.name()).append(" x").append(Transfer.number(g.lrScale()));
                }
            }
            b.append('\n');
            b.append(String.format(Locale.ROOT, "  trainable parameters %,d of %,d%n", model.trainableParameterCount(),
                    model.parameterCount()));
        }
        if (cut != null) {
            // what the cut added after the layer: a global average pool (the default cut's maps) or a Flatten
            List<org.convnet4j.nn.Layer> ls = model.layers();
            org.convnet4j.nn.Layer last = ls.isEmpty() ? null : ls.get(ls.size() - 1);
            String added = last == null || last.name().equals(cut) ? "" : last.type();
            b.append("  features: output of '").append(cut).append("'")
                    .append(added.equals("GlobalAvgPool2d") ? " averaged over positions "
                            : added.equals("Flatten") ? " flattened " : " ")
                    .append(model.outputShape()).append('\n');
        }
        for (String n : notes) {
            b.append("  ").append(n).append('\n');
        }
        return b.toString();
    }
}

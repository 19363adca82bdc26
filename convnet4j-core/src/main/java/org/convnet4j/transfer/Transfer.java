package org.convnet4j.transfer;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.convnet4j.nn.Layer;
import org.convnet4j.nn.Parameter;
import org.convnet4j.nn.Sequential;
import org.convnet4j.nn.init.Initializer;
import org.convnet4j.nn.layers.Dense;
import org.convnet4j.nn.layers.Dropout;
import org.convnet4j.nn.layers.Flatten;
import org.convnet4j.nn.layers.ReLU;
import org.convnet4j.nn.layers.Sigmoid;
import org.convnet4j.nn.layers.Softmax;
import org.convnet4j.nn.layers.Tanh;
import org.convnet4j.nn.layers.LeakyReLU;
import org.convnet4j.train.optim.ParamGroup;

/**
 * Turns a {@link TransferCase} and a pretrained {@link Sequential} into a {@link TransferPlan}: network surgery
 * (new head, cut), freezing and parameter groups. The base model's layers are reused (not copied), so the plan's
 * model starts from the pretrained weights; the base should not be used on its own afterwards.
 *
 * <pre>
 *   TransferPlan plan = Transfer.plan(TransferCase.FINE_TUNE_LAST, base, TransferOptions.forClasses(names));
 *   Optimizer opt = new Adam(plan.groups(), plan.learningRate());
 *   Trainer.fit(plan.model(), train, val, TrainConfig.builder(opt).epochs(5).build());
 * </pre>
 */
public final class Transfer {
    private Transfer() {
    }

    public static TransferPlan plan(TransferCase c, Sequential base, TransferOptions o) {
        return switch (c) {
            case PREDICT -> predictAsIs(base);
            case BOTTLENECK -> bottleneck(base, o);
            case FINE_TUNE_LAST -> fineTuneLast(base, o);
            case FINE_TUNE_ALL -> fineTuneAll(base, o);
            case FROM_SCRATCH -> fromScratch(base, o);
        };
    }

    private static TransferPlan predictAsIs(Sequential base) {
        base.setTrainable(false);
        return new TransferPlan(TransferCase.PREDICT, base, weighted(base.layers()), List.of(), 0,
                List.of(frozenGroup(base.layers())), null, base.layers().size(),
                List.of("the base's own classes: " + base.classNames()));
    }

    private static TransferPlan bottleneck(Sequential base, TransferOptions o) {
        String cut = o.cut() == null ? defaultCut(base) : o.cut();
        Sequential features = cutAt(base, cut);
        features.setTrainable(false);
        List<String> notes = new ArrayList<>();
        notes.add(String.format(Locale.ROOT, "the shallow classifier learns from %d features per image",
                features.outputShape().size()));
        return new TransferPlan(TransferCase.BOTTLENECK, features, weighted(features.layers()),
                List.of("shallow classifier (not gradient descent)"), 0, List.of(frozenGroup(features.layers())), cut,
                features.layers().size(), notes);
    }

    private static TransferPlan fineTuneLast(Sequential base, TransferOptions o) {
        Sequential model = withNewHead(base, requireClasses(o), o.seed());
        List<Layer> weighted = weightedLayers(model.layers());
        if (o.fineTuneLast() > weighted.size()) {
            throw new IllegalArgumentException("transfer: cannot fine-tune the last " + o.fineTuneLast()
                    + " layers: the model has only " + weighted.size() + " layers with weights: " + names(weighted));
        }
        List<Layer> trained = weighted.subList(weighted.size() - o.fineTuneLast(), weighted.size());
        List<Layer> frozen = new ArrayList<>(weighted.subList(0, weighted.size() - o.fineTuneLast()));
        model.setTrainable(true);
        frozen.forEach(l -> l.setTrainable(false));
        double lr = o.scratchLr() * o.fineTuneFactor();
        List<ParamGroup> groups = new ArrayList<>();
        if (!frozen.isEmpty()) {
            groups.add(frozenGroup(frozen));
        }
        groups.add(group("fine-tuned", trained));
        return new TransferPlan(TransferCase.FINE_TUNE_LAST, model, names(frozen), names(trained), lr, groups, null,
                prefixLength(model), List.of(lrNote(o)));
    }

    private static TransferPlan fineTuneAll(Sequential base, TransferOptions o) {
        Sequential model = withNewHead(base, requireClasses(o), o.seed());
        model.setTrainable(true);
        List<Layer> weighted = weightedLayers(model.layers());
        List<ParamGroup> groups = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        notes.add(lrNote(o));
        if (o.discriminative() == 1) {
            groups.add(group("all", weighted));
        } else {
            // discriminative learning rates: early layers hold general features and move least
            for (int i = 0; i < weighted.size(); i++) {
                double scale = Math.pow(o.discriminative(), weighted.size() - 1 - i);
                groups.add(group(weighted.get(i).name(), List.of(weighted.get(i))).lrScale(scale));
            }
            notes.add(String.format(Locale.ROOT, "discriminative rates: x%.3g per layer towards the input",
                    o.discriminative()));
        }
        return new TransferPlan(TransferCase.FINE_TUNE_ALL, model, List.of(), names(weighted),
                o.scratchLr() * o.fineTuneFactor(), groups, null, prefixLength(model), notes);
    }

    private static TransferPlan fromScratch(Sequential base, TransferOptions o) {
        Sequential model = withNewHead(base, requireClasses(o), o.seed());
        model.setTrainable(true);
        model.reinitialize(o.seed()); // from scratch: the loaded weights too
        List<Layer> weighted = weightedLayers(model.layers());
        return new TransferPlan(TransferCase.FROM_SCRATCH, model, List.of(), names(weighted), o.scratchLr(),
                List.of(group("all", weighted)), null, prefixLength(model),
                List.of(String.format(Locale.ROOT, "all weights re-initialised (seed %d); from-scratch learning rate",
                        o.seed())));
    }

    /** An independent copy (architecture, weights, buffers, freeze state, class names) of {@code model}. */
    public static Sequential copyOf(Sequential model) {
        Sequential copy = (Sequential) org.convnet4j.nn.ModelSpec.fromMap(org.convnet4j.nn.ModelSpec.toMap(model));
        Map<String, Parameter> target = copy.namedParameters();
        model.namedParameters().forEach((k, p) -> target.get(k).load(p.value()));
        copy.setClassNames(model.classNames());
        return copy;
    }

    // ---- surgery --------------------------------------------------------------------------------

    /**
     * The default Case 1 cut: the last layer before the dense head (the trailing run of Dense layers and their
     * activations and dropouts), e.g. LeNet-5's {@code flatten}. A model that is all dense is cut before its last
     * layer.
     */
    public static String defaultCut(Sequential model) {
        List<Layer> layers = model.layers();
        int i = layers.size() - 1;
        int firstDense = -1;
        while (i >= 0 && isHeadLayer(layers.get(i))) {
            if (layers.get(i) instanceof Dense) {
                firstDense = i;
            }
            i--;
        }
        int cutIndex = firstDense > 0 ? firstDense - 1 : layers.size() - 2;
        if (cutIndex < 0) {
            throw new IllegalArgumentException("transfer: model '" + model.name() + "' is too small to cut");
        }
        return layers.get(cutIndex).name();
    }

    /**
     * The lecture's cut for small, dissimilar data: keep only the initial layers. Here: the first pooling layer
     * (after the first convolution block), or the first layer with weights if there is no pooling.
     */
    public static String earlyCut(Sequential model) {
        List<Layer> layers = model.layers();
        for (Layer l : layers) {
            if (l.type().contains("Pool") && !l.type().startsWith("Global")) {
                return l.name();
            }
        }
        for (Layer l : layers) {
            if (!l.parameters().isEmpty()) {
                return l.name();
            }
        }
        return layers.get(0).name();
    }

    /** Layers up to and including {@code layerName}, plus a Flatten if the output is not flat yet. */
    public static Sequential cutAt(Sequential model, String layerName) {
        int idx = model.indexOf(layerName);
        if (idx < 0) {
            throw new IllegalArgumentException("transfer: the base has no layer '" + layerName + "'; layers: "
                    + String.join(", ", names(model.layers())));
        }
        if (idx == model.layers().size() - 1) {
            throw new IllegalArgumentException("transfer: cutting at the output layer '" + layerName
                    + "' keeps the whole network; choose an earlier layer: " + String.join(", ", names(model.layers())));
        }
        Sequential s = new Sequential(model.inputShapes().get(0));
        if (model.name() != null) {
            s.named(model.name());
        }
        for (int i = 0; i <= idx; i++) {
            s.add(model.layers().get(i));
        }
        if (s.outputShape().rank() != 1) {
            s.add(new Flatten().named(uniqueName(s, "bottleneck_flatten")));
        }
        return s;
    }

    /**
     * The model with its last Dense layer (the classifier head) replaced by a new one for {@code classNames},
     * initialised from {@code seed}; layers after it (a Softmax) are kept, as are the layer names.
     */
    public static Sequential withNewHead(Sequential model, List<String> classNames, long seed) {
        List<Layer> layers = model.layers();
        int head = -1;
        for (int i = layers.size() - 1; i >= 0; i--) {
            if (layers.get(i) instanceof Dense) {
                head = i;
                break;
            }
        }
        if (head < 0) {
            throw new IllegalArgumentException("transfer: model '" + model.name() + "' has no Dense head to replace");
        }
        Sequential s = new Sequential(model.inputShapes().get(0));
        if (model.name() != null) {
            s.named(model.name());
        }
        for (int i = 0; i < layers.size(); i++) {
            if (i == head) {
                Dense fresh = (Dense) new Dense(classNames.size()).init(Initializer.GLOROT_UNIFORM)
                        .named(layers.get(i).name());
                s.add(fresh);
                Random r = new Random(seed);
                for (Parameter p : fresh.parameters()) {
                    p.initialize(r);
                }
            } else {
                s.add(layers.get(i));
            }
        }
        s.setClassNames(classNames);
        return s;
    }

    /** Layers with learnable parameters, in model order. */
    public static List<Layer> weightedLayers(List<Layer> layers) {
        List<Layer> out = new ArrayList<>();
        for (Layer l : layers) {
            if (l.namedParameters().values().stream().anyMatch(Parameter::isLearnable)) {
                out.add(l);
            }
        }
        return out;
    }

    /**
     * How many leading layers give the same output all through training: frozen (or without weights) and without
     * randomness (dropout would differ between a cached inference pass and a training pass).
     */
    static int prefixLength(Sequential model) {
        int n = 0;
        for (Layer l : model.layers()) {
            boolean learns = l.namedParameters().values().stream().anyMatch(p -> p.isLearnable() && !p.isFrozen());
            if (learns || l instanceof Dropout) {
                break;
            }
            n++;
        }
        return n;
    }

    private static boolean isHeadLayer(Layer l) {
        return l instanceof Dense || l instanceof ReLU || l instanceof Sigmoid || l instanceof Tanh
                || l instanceof LeakyReLU || l instanceof Dropout || l instanceof Softmax;
    }

    private static List<String> requireClasses(TransferOptions o) {
        if (o.classNames().size() < 2) {
            throw new IllegalArgumentException("transfer: the target needs at least 2 classes, got " + o.classNames());
        }
        return o.classNames();
    }

    private static String lrNote(TransferOptions o) {
        return "learning rate " + number(o.scratchLr() * o.fineTuneFactor()) + " = " + number(o.fineTuneFactor())
                + " x the from-scratch rate " + number(o.scratchLr());
    }

    /** 3 significant digits without exponent or trailing zeros: 0.0001, 0.1, 0.001. */
    static String number(double v) {
        return new java.math.BigDecimal(v).round(new java.math.MathContext(3)).stripTrailingZeros().toPlainString();
    }

    private static ParamGroup frozenGroup(List<Layer> layers) {
        return group("frozen", layers).frozen(true);
    }

    private static ParamGroup group(String name, List<Layer> layers) {
        Map<String, Parameter> params = new LinkedHashMap<>();
        for (Layer l : layers) {
            l.namedParameters().forEach((k, p) -> {
                if (p.isLearnable()) {
                    params.put(l.name() + "." + k, p);
                }
            });
        }
        return ParamGroup.of(name, params);
    }

    private static List<String> weighted(List<Layer> layers) {
        return names(weightedLayers(layers));
    }

    static List<String> names(List<Layer> layers) {
        List<String> out = new ArrayList<>();
        layers.forEach(l -> out.add(l.name()));
        return out;
    }

    private static String uniqueName(Sequential s, String base) {
        String n = base;
        int k = 1;
        while (s.indexOf(n) >= 0) {
            n = base + "_" + k++;
        }
        return n;
    }
}

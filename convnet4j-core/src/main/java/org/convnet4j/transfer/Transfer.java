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
import org.convnet4j.tensor.Shape;
import org.convnet4j.nn.layers.BatchNorm;
import org.convnet4j.nn.layers.Conv2d;
import org.convnet4j.nn.layers.Dense;
import org.convnet4j.nn.layers.Dropout;
import org.convnet4j.nn.layers.Flatten;
import org.convnet4j.nn.layers.GlobalAvgPool2d;
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
            case PREDICT -> predictAsIs(base, o);
            case BOTTLENECK -> bottleneck(base, o);
            case FINE_TUNE_LAST -> fineTuneLast(base, o);
            case FINE_TUNE_ALL -> fineTuneAll(base, o);
            case FROM_SCRATCH -> fromScratch(base, o);
        };
    }

    private static TransferPlan predictAsIs(Sequential base, TransferOptions o) {
        if (!o.classNames().isEmpty() && !o.partialClasses()) {
            TransferRun.requireKnownClasses(base, o.classNames());
        }
        base.setTrainable(false);
        return new TransferPlan(TransferCase.PREDICT, base, weighted(base.layers()), List.of(), 0, 0,
                List.of(frozenGroup(base.layers())), null, base.layers().size(),
                List.of("the base's own classes: " + base.classNames()), o.partialClasses());
    }

    private static TransferPlan bottleneck(Sequential base, TransferOptions o) {
        String cut = o.cut() == null ? defaultCut(base) : o.cut();
        Sequential features = cutAt(base, cut);
        features.setTrainable(false);
        List<String> notes = new ArrayList<>();
        notes.add(String.format(Locale.ROOT, "the shallow classifier learns from %d features per image",
                features.outputShape().size()));
        return new TransferPlan(TransferCase.BOTTLENECK, features, weighted(features.layers()),
                List.of("shallow classifier (not gradient descent)"), 0, 0, List.of(frozenGroup(features.layers())), cut,
                features.layers().size(), notes);
    }

    private static TransferPlan fineTuneLast(Sequential base, TransferOptions o) {
        Sequential model = newHead(base, o);
        List<Unit> weighted = fineTuneUnits(model);
        if (o.fineTuneLast() > weighted.size()) {
            throw new IllegalArgumentException("transfer: cannot fine-tune the last " + o.fineTuneLast()
                    + " layers: the model has only " + weighted.size() + " layers with weights: " + unitNames(weighted));
        }
        List<Unit> trained = weighted.subList(weighted.size() - o.fineTuneLast(), weighted.size());
        List<Unit> frozen = new ArrayList<>(weighted.subList(0, weighted.size() - o.fineTuneLast()));
        model.setTrainable(true);
        frozen.forEach(u -> u.setTrainable(false));
        double lr = o.headLr() * o.fineTuneFactor();
        List<ParamGroup> groups = new ArrayList<>();
        if (!frozen.isEmpty()) {
            groups.add(unitGroup("frozen", frozen).frozen(true));
        }
        groups.add(unitGroup("fine-tuned", trained));
        return new TransferPlan(TransferCase.FINE_TUNE_LAST, model, unitNames(frozen), unitNames(trained), lr, o.headLr(),
                groups, null, prefixLength(model), List.of(lrNote(o)));
    }

    /**
     * A layer case 2 counts, with its name as {@code summary} shows it ({@code features.12} inside a block), or a part
     * of a {@link CuttableLayer} ({@code program.fc} inside an imported ONNX program): its layers and the parameters
     * it holds outside them.
     */
    record Unit(String name, List<Layer> layers, List<Parameter> parameters) {
        Unit(String name, Layer layer) {
            this(name, List.of(layer), List.of());
        }

        /** Freezes ({@code false}) or unfreezes its layers and parameters. */
        void setTrainable(boolean value) {
            layers.forEach(l -> l.setTrainable(value));
            parameters.stream().filter(Parameter::isLearnable).forEach(p -> p.setFrozen(!value));
        }

        /** Its learnable parameters by name: each layer's prefixed with the layer's name, the others by their own. */
        Map<String, Parameter> learnable() {
            Map<String, Parameter> out = new LinkedHashMap<>();
            boolean one = layers.size() == 1 && parameters.isEmpty();
            for (Layer l : layers) {
                l.namedParameters().forEach((k, p) -> {
                    if (p.isLearnable()) {
                        out.put(one ? k : l.name() + "." + k, p);
                    }
                });
            }
            parameters.stream().filter(Parameter::isLearnable).forEach(p -> out.put(p.name(), p));
            return out;
        }
    }

    /**
     * The layers with weights that "the last N layers" (case 2) counts, in model order: the model's own layers, except
     * that a trunk packed into one nested {@link Sequential}, the only layer with weights before the classifier
     * (SqueezeNet's, DenseNet's and MobileNetV2's {@code features}), is opened into the layers inside it, the blocks
     * {@code summary} lists under it: "the last 2" of SqueezeNet is fire9 and the new classifier, not the whole
     * network. ResNet's stages ({@code layer1} .. {@code layer4}) stay one layer each.
     */
    static List<Unit> fineTuneUnits(Sequential model) {
        List<Layer> weighted = weightedLayers(model.layers());
        List<Unit> out = new ArrayList<>();
        if (weighted.stream().anyMatch(l -> l instanceof CuttableLayer)) {
            // an imported program counts its weighted nodes: "the last 2" of a program under a new classifier is the
            // program's last weighted node and the new head
            for (Layer l : weighted) {
                if (l instanceof CuttableLayer c && !c.parts().isEmpty()) {
                    c.parts().forEach(p -> out.add(new Unit(l.name() + "." + p.name(), p.layers(), p.parameters())));
                } else {
                    out.add(new Unit(l.name(), l));
                }
            }
            return out;
        }
        if (weighted.size() == 2 && weighted.get(0) instanceof Sequential trunk) {
            for (Layer l : weightedLayers(trunk.layers())) {
                out.add(new Unit(trunk.name() + "." + l.name(), l));
            }
            out.add(new Unit(weighted.get(1).name(), weighted.get(1)));
            return out;
        }
        weighted.forEach(l -> out.add(new Unit(l.name(), l)));
        return out;
    }

    private static List<String> unitNames(List<Unit> units) {
        return units.stream().map(Unit::name).toList();
    }

    static ParamGroup unitGroup(String name, List<Unit> units) {
        Map<String, Parameter> params = new LinkedHashMap<>();
        for (Unit u : units) {
            u.learnable().forEach((k, p) -> params.put(u.name() + "." + k, p));
        }
        return ParamGroup.of(name, params);
    }

    private static TransferPlan fineTuneAll(Sequential base, TransferOptions o) {
        Sequential model = newHead(base, o);
        model.setTrainable(true);
        List<Layer> weighted = new ArrayList<>();
        List<Layer> frozen = new ArrayList<>();
        // batch norm stays frozen, in inference mode with its running statistics (Keras' fine-tuning advice):
        // re-estimating the statistics on a few target batches would shift every layer after it
        for (Layer l : weightedLayers(model.layers())) {
            (l instanceof BatchNorm ? frozen : weighted).add(l);
        }
        frozen.forEach(l -> l.setTrainable(false));
        List<ParamGroup> groups = new ArrayList<>();
        if (!frozen.isEmpty()) {
            groups.add(frozenGroup(frozen));
        }
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
        if (!frozen.isEmpty()) {
            notes.add("batch norm stays frozen (running statistics): " + String.join(", ", names(frozen)));
        }
        return new TransferPlan(TransferCase.FINE_TUNE_ALL, model, names(frozen), names(weighted),
                o.headLr() * o.fineTuneFactor(), o.headLr(), groups, null, prefixLength(model), notes);
    }

    private static TransferPlan fromScratch(Sequential base, TransferOptions o) {
        Sequential model = withNewHead(base, requireClasses(o), o.seed());
        model.setTrainable(true);
        model.reinitialize(o.seed()); // from scratch: the loaded weights too
        List<Layer> weighted = weightedLayers(model.layers());
        return new TransferPlan(TransferCase.FROM_SCRATCH, model, List.of(), names(weighted), o.scratchLr(), 0,
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
     * activations and dropouts), e.g. LeNet-5's {@code flatten} or ResNet's {@code avgpool}. A model without a
     * dense head is cut at its last layer if that gives features (a model without classifier, such as Keras'
     * {@code include_top=False} files: maps, or a global pool), else before its last layer (the zoo's SqueezeNet's
     * {@code features}, whose classifier is a convolution block). A convolution classifier laid out layer by layer
     * (SqueezeNet imported from ONNX: ..., fire9, dropout, 1x1 conv to the classes, ReLU, global pool, flatten;
     * {@link #convClassifier}) is cut before the convolution and its dropout, not after the class scores. A model that
     * is all dense is cut before its last layer.
     * {@link #cutAt} pools this cut's maps globally when it is spatial.
     */
    public static String defaultCut(Sequential model) {
        List<Layer> layers = model.layers();
        CuttableLayer inner = innerCut(model);
        if (inner != null && inner.defaultCut() != null) {
            return inner.defaultCut(); // an imported program: the input of its head, a value inside it
        }
        int conv = convClassifier(model);
        if (conv >= 0) {
            int cut = conv - 1;
            while (cut > 0 && layers.get(cut) instanceof Dropout) {
                cut--; // the classifier's own dropout goes with it
            }
            if (cut < 0) {
                throw new IllegalArgumentException("transfer: model '" + model.name() + "' is too small to cut");
            }
            return layers.get(cut).name();
        }
        if (!layers.isEmpty() && !isHeadLayer(layers.get(layers.size() - 1)) && providesFeatures(model)) {
            return layers.get(layers.size() - 1).name();
        }
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
     * The last layer when it holds its own classifier head with layer boundaries inside it (an imported ONNX program)
     * and no Dense layer comes before it; else null.
     */
    private static CuttableLayer innerCut(Sequential model) {
        List<Layer> layers = model.layers();
        if (layers.isEmpty() || !(layers.get(layers.size() - 1) instanceof CuttableLayer c)
                || layers.stream().anyMatch(l -> l instanceof Dense)) {
            return null;
        }
        return c;
    }

    /**
     * The index of a convolution that is the model's classifier, or -1: a 1x1 {@link Conv2d} with one filter per
     * output, followed only by activations, dropout, a global pool and reshapes (SqueezeNet's {@code classifier.1},
     * ReLU, global average pool, flatten, as an ONNX import lays it out one layer per node). Its filters must be the
     * model's classes (class names of that count), or fewer than its input channels: a last 1x1 conv that widens the
     * maps before a global pool (MobileNetV2's 320 to 1,280 without classifier) gives features, not scores.
     */
    static int convClassifier(Sequential model) {
        List<Layer> layers = model.layers();
        int i = layers.size() - 1;
        boolean pooled = false;
        while (i >= 0 && isTailLayer(layers.get(i))) {
            pooled |= layers.get(i).type().startsWith("Global");
            i--;
        }
        if (i < 1 || !pooled || !(layers.get(i) instanceof Conv2d c) || c.kernel() == null) {
            return -1;
        }
        Shape k = c.kernel().value().shape();
        int outputs = model.outputShape().size();
        if (k.dim(2) != 1 || k.dim(3) != 1 || c.filters() != outputs) {
            return -1;
        }
        int in = model.outputShapeAt(i - 1).dim(0);
        return model.classNames().size() == outputs || c.filters() < in ? i : -1;
    }

    /** After a convolution classifier: no weights, and only activations, dropout, global pools, reshapes. */
    private static boolean isTailLayer(Layer l) {
        boolean weightless = l.namedParameters().values().stream().noneMatch(Parameter::isLearnable);
        return weightless && !(l instanceof Dense) && (isHeadLayer(l) || l instanceof Flatten
                || l.type().equals("Reshape") || l.type().startsWith("Global"));
    }

    /**
     * The lecture's cut for small, dissimilar data: keep only the initial layers. Here: the first pooling layer
     * (after the first convolution block), or the first layer with weights if there is no pooling.
     */
    public static String earlyCut(Sequential model) {
        List<Layer> layers = model.layers();
        if (layers.size() == 1 && layers.get(0) instanceof CuttableLayer c && c.earlyCut() != null) {
            return c.earlyCut();
        }
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

    /**
     * Layers up to and including {@code layerName}, then, if its output is not flat yet: at the
     * {@linkplain #defaultCut default cut} a global average pool (one value per channel, what torchvision's
     * feature extractors and Keras' {@code pooling="avg"} give: SqueezeNet's 512 features, not its 13x13x512 maps),
     * at any other layer a Flatten (every value of the maps).
     */
    public static Sequential cutAt(Sequential model, String layerName) {
        int idx = model.indexOf(layerName);
        if (idx < 0) {
            for (int i = 0; i < model.layers().size(); i++) {
                if (model.layers().get(i) instanceof CuttableLayer c && c.hasCutPoint(layerName)) {
                    return cutInside(model, i, c, layerName);
                }
            }
            List<String> points = new ArrayList<>(names(model.layers()));
            model.layers().stream().filter(l -> l instanceof CuttableLayer).forEach(l -> points.addAll(
                    ((CuttableLayer) l).cutPoints()));
            throw new IllegalArgumentException("transfer: the base has no layer '" + layerName + "'; layers: "
                    + String.join(", ", points));
        }
        if (idx == model.layers().size() - 1 && !providesFeatures(model)) {
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
        if (s.outputShape().rank() == 3 && layerName.equals(defaultCutOrNull(model))) {
            s.add(new GlobalAvgPool2d().named(uniqueName(s, "bottleneck_pool")));
        } else if (s.outputShape().rank() != 1) {
            s.add(new Flatten().named(uniqueName(s, "bottleneck_flatten")));
        }
        return s;
    }

    /**
     * The layers before layer {@code index}, then that layer's part up to {@code point} (named as the layer), then a
     * global average pool at the default cut when it gives maps, else a Flatten when it is not flat.
     */
    private static Sequential cutInside(Sequential model, int index, CuttableLayer c, String point) {
        Sequential s = new Sequential(model.inputShapes().get(0));
        if (model.name() != null) {
            s.named(model.name());
        }
        for (int i = 0; i < index; i++) {
            s.add(model.layers().get(i));
        }
        s.add(c.cutAt(point).named(model.layers().get(index).name()));
        if (s.outputShape().rank() == 3 && point.equals(c.defaultCut())) {
            s.add(new GlobalAvgPool2d().named(uniqueName(s, "bottleneck_pool")));
        } else if (s.outputShape().rank() != 1) {
            s.add(new Flatten().named(uniqueName(s, "bottleneck_flatten")));
        }
        return s;
    }

    private static String defaultCutOrNull(Sequential model) {
        try {
            return defaultCut(model);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /**
     * Whether the model's own output is features rather than class scores: maps ([C, H, W]), or a vector straight
     * from a global pooling layer (a model without classifier, e.g. built with {@code includeTop=false}).
     */
    private static boolean providesFeatures(Sequential model) {
        List<Layer> layers = model.layers();
        if (layers.isEmpty()) {
            return false;
        }
        return model.outputShape().rank() == 3 || layers.get(layers.size() - 1).type().startsWith("Global");
    }

    /** Cases 2 and 3: a new classifier on the features, or only a new last layer ({@link TransferOptions#newClassifier}). */
    private static Sequential newHead(Sequential base, TransferOptions o) {
        // an imported program that holds its own head (ReplaceableHead) and no Dense layer: cut at its head's input
        // (CuttableLayer) under a new classifier when it can be, else its head is resized inside it
        List<Layer> layers = base.layers();
        boolean ownHead = !layers.isEmpty() && layers.get(layers.size() - 1) instanceof ReplaceableHead
                && layers.stream().noneMatch(l -> l instanceof Dense)
                && !(innerCut(base) != null && innerCut(base).defaultCut() != null);
        return o.newClassifier() && !ownHead ? withNewClassifier(base, requireClasses(o), o.seed())
                : withNewHead(base, requireClasses(o), o.seed());
    }

    /**
     * The base up to {@link #defaultCut} (its feature part, flattened) followed by one new Dense layer for
     * {@code classNames}, named as the base's last Dense layer (else {@code predictions}), initialised from {@code seed}: Keras' {@code include_top=False}
     * plus a new classifier. The pretrained dense layers were trained to separate the base's own classes; a new
     * linear classifier on the features learns from few pictures what they would have to unlearn.
     */
    public static Sequential withNewClassifier(Sequential model, List<String> classNames, long seed) {
        Sequential features = cutAt(model, defaultCut(model));
        Sequential s = new Sequential(model.inputShapes().get(0));
        if (model.name() != null) {
            s.named(model.name());
        }
        features.layers().forEach(s::add);
        String name = "predictions";
        for (Layer l : model.layers()) {
            name = l instanceof Dense ? l.name() : name;
        }
        Dense fresh = (Dense) new Dense(classNames.size()).init(Initializer.GLOROT_UNIFORM).named(uniqueName(s, name));
        s.add(fresh);
        Random r = new Random(seed);
        for (Parameter p : fresh.parameters()) {
            p.initialize(r);
        }
        s.setClassNames(classNames);
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
        if (head < 0 && !layers.isEmpty() && layers.get(layers.size() - 1) instanceof ReplaceableHead r) {
            // an imported program ending in its own head (a Gemm on the typed path): resized inside it
            Sequential s = new Sequential(model.inputShapes().get(0));
            if (model.name() != null) {
                s.named(model.name());
            }
            layers.subList(0, layers.size() - 1).forEach(s::add);
            s.add(r.withNewHead(classNames.size(), seed).named(layers.get(layers.size() - 1).name()));
            s.setClassNames(classNames);
            return s;
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
        return "fine-tuning rate " + number(o.headLr() * o.fineTuneFactor()) + " = " + number(o.fineTuneFactor())
                + " x the head's rate " + number(o.headLr());
    }

    /** 3 significant digits without exponent or trailing zeros: 0.0001, 0.1, 0.001. */
    static String number(double v) {
        return new java.math.BigDecimal(v).round(new java.math.MathContext(3)).stripTrailingZeros().toPlainString();
    }

    static ParamGroup frozenGroup(List<Layer> layers) {
        return group("frozen", layers).frozen(true);
    }

    static ParamGroup group(String name, List<Layer> layers) {
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

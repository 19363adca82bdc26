package org.convnet4j.io.keras;

import java.io.IOException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.convnet4j.checkpoint.FileFormatException;
import org.convnet4j.io.weights.ImportReport;
import org.convnet4j.io.weights.Layouts;
import org.convnet4j.io.weights.WeightLoadPlan;
import org.convnet4j.io.weights.WeightTarget;
import org.convnet4j.io.weights.WeightTargets;
import org.convnet4j.nn.Model;
import org.convnet4j.nn.Parameter;
import org.convnet4j.tensor.Shape;

/**
 * Loads a Keras HDF5 weight file into a model, the way Keras' {@code model.load_weights} does: by layer name
 * (each file layer goes to the model layer of the same name, after an optional {@link KerasNames name map}) or
 * by topology (the i-th file layer with weights goes to the i-th model layer with weights, in Keras' order; see
 * {@link WeightTargets}).
 *
 * <p>Conversions: conv kernels (kh, kw, in, out) become [out, in, kh, kw]; dense kernels (in, out) become
 * [out, in], and for a dense layer right after a Flatten of feature maps (VGG's fc1) the rows are reordered
 * from Keras' channels-last flattening (H, W, C) to ours (C, H, W); batch norm's gamma, beta, moving_mean and
 * moving_variance go to gamma, beta, running_mean and running_var. A Keras batch norm built with
 * {@code scale=False} (InceptionV3) has no gamma: ours is set to 1 (and beta to 0 for {@code center=False}).
 *
 * <p>Every problem (a layer missing from the file or from the model, a weight of the wrong shape) is collected
 * and reported in one {@link org.convnet4j.checkpoint.CheckpointMismatchException} before any value is loaded.
 */
public final class KerasWeights {
    /**
     * How to match file layers with model layers. {@code names} maps a Keras layer name to our layer's full
     * name (null: no counterpart); {@code ignoreExtraLayers} skips file layers the model does not have (loading
     * a file with classifier into a model without one), instead of failing.
     */
    public record Options(boolean byName, boolean ignoreExtraLayers, UnaryOperator<String> names) {
        public Options {
            names = names == null ? UnaryOperator.identity() : names;
        }

        public static Options byName(UnaryOperator<String> names) {
            return new Options(true, false, names);
        }

        public static Options byTopology() {
            return new Options(false, false, null);
        }

        public Options ignoringExtraLayers() {
            return new Options(byName, true, names);
        }
    }

    private KerasWeights() {
    }

    /** Opens {@code file} and loads it into {@code model}. */
    public static ImportReport load(java.nio.file.Path file, Model model, Options options) throws IOException {
        try (KerasH5File h5 = KerasH5File.open(file)) {
            return load(h5, model, options);
        }
    }

    public static ImportReport load(KerasH5File file, Model model, Options options) throws IOException {
        String backend = file.backend();
        if (backend != null && backend.toLowerCase(Locale.ROOT).contains("theano")) {
            throw new FileFormatException(file.file() + " was saved by Keras with the Theano backend: its kernels are"
                    + " channels-first and flipped; use the TensorFlow-ordered file (\"..._tf_dim_ordering_tf_kernels.h5\")");
        }
        List<WeightTarget> targets = WeightTargets.of(model);
        String modelName = model.name() == null ? "model" : "'" + model.name() + "'";
        WeightLoadPlan plan = new WeightLoadPlan(file.file().toString(), modelName);
        List<KerasH5File.Layer> layers = file.weightedLayers();
        int gammasFilled = 0;
        if (options.byName()) {
            Map<String, WeightTarget> byName = new java.util.LinkedHashMap<>();
            targets.forEach(t -> byName.put(t.name(), t));
            Set<String> used = new HashSet<>();
            List<String> skipped = new ArrayList<>();
            for (KerasH5File.Layer l : layers) {
                String ours = options.names().apply(l.name());
                WeightTarget t = ours == null ? null : byName.get(ours);
                if (t == null) {
                    if (options.ignoreExtraLayers()) {
                        skipped.add(l.name());
                    } else {
                        plan.unexpected(l.name() + (ours != null && !ours.equals(l.name()) ? " (as " + ours + ")" : ""));
                    }
                    continue;
                }
                if (!used.add(ours)) {
                    plan.mismatch(ours, "two file layers map to " + ours + " (the second is " + l.name() + ")");
                    continue;
                }
                gammasFilled += planLayer(plan, file, l, t);
            }
            for (WeightTarget t : targets) {
                if (!used.contains(t.name())) {
                    plan.missing(t.name());
                }
            }
            if (!skipped.isEmpty()) {
                plan.note("skipped file layers the model does not have: " + String.join(", ", skipped));
            }
        } else {
            if (layers.size() != targets.size()) {
                plan.mismatch("layer count", "the file has " + layers.size() + " layers with weights, the model "
                        + targets.size());
            }
            for (int i = 0; i < Math.min(layers.size(), targets.size()); i++) {
                gammasFilled += planLayer(plan, file, layers.get(i), targets.get(i));
            }
        }
        if (gammasFilled > 0) {
            plan.note(gammasFilled + " batch norm layers have no scale (gamma) in the file (Keras scale=False);"
                    + " their gamma is set to 1");
        }
        return plan.execute();
    }

    /** Plans one layer; returns 1 if it filled a missing gamma with ones. */
    private static int planLayer(WeightLoadPlan plan, KerasH5File file, KerasH5File.Layer layer, WeightTarget t) {
        if (t.kind() == WeightTarget.Kind.OTHER) {
            plan.mismatch(t.name(), t + " cannot take Keras weights (" + layer.name() + ")");
            return 0;
        }
        Map<WeightRole, KerasH5File.Weight> roles = roles(layer, t.kind());
        if (roles == null) {
            plan.mismatch(t.name(), "file layer " + layer.name() + " has weights " + layer.weights() + ", which do not"
                    + " fit " + t);
            return 0;
        }
        Set<String> covered = new HashSet<>();
        for (Map.Entry<WeightRole, KerasH5File.Weight> e : roles.entrySet()) {
            KerasH5File.Weight w = e.getValue();
            String local = localName(e.getKey());
            Parameter p = t.parameter(local);
            String source = layer.name() + "/" + w.name();
            if (p == null) {
                plan.unexpected(source + " (" + t + " has no " + local + ")");
                continue;
            }
            covered.add(local);
            int[] s = w.shape();
            WeightLoadPlan.Source read = () -> file.read(layer, w);
            String target = t.name() + "." + local;
            if (t.kind() == WeightTarget.Kind.CONV && e.getKey() == WeightRole.KERNEL) {
                Shape shape = s.length == 4 ? Shape.of(s[3], s[2], s[0], s[1]) : null;
                plan.assign(target, p, source, s, shape, read, v -> Layouts.convFromHwio(v, s[0], s[1], s[2], s[3]));
            } else if (t.kind() == WeightTarget.Kind.DENSE && e.getKey() == WeightRole.KERNEL) {
                Shape shape = s.length == 2 ? Shape.of(s[1], s[0]) : null;
                Shape chw = t.flattenedFrom();
                if (chw != null && s.length == 2 && chw.size() == s[0]) {
                    plan.assign(target, p, source, s, shape, read, v -> Layouts.denseFromHwcFlatten(v, chw, s[1]));
                } else {
                    plan.assign(target, p, source, s, shape, read, v -> Layouts.denseFromInOut(v, s[0], s[1]));
                }
            } else {
                Shape shape = s.length == 1 ? Shape.of(s[0]) : null;
                plan.assign(target, p, source, s, shape, read, v -> v);
            }
        }
        int filled = 0;
        for (Parameter p : t.layer().parameters()) {
            if (covered.contains(p.name())) {
                continue;
            }
            if (t.kind() == WeightTarget.Kind.BATCH_NORM && p.name().equals("gamma")) {
                plan.fill(p, 1f);
                filled = 1;
            } else if (t.kind() == WeightTarget.Kind.BATCH_NORM && p.name().equals("beta")) {
                plan.fill(p, 0f);
            } else {
                plan.missing(t.name() + "." + p.name() + " (file layer " + layer.name() + " has " + layer.weights() + ")");
            }
        }
        return filled;
    }

    /**
     * Each weight's role: from its name when every name says it (Keras 1 and 2 do), else by position in Keras'
     * order (conv/dense: kernel, bias; batch norm: gamma, beta, mean, variance, without the ones a layer built
     * with scale=False or center=False leaves out). Null if the weights cannot be told apart.
     */
    private static Map<WeightRole, KerasH5File.Weight> roles(KerasH5File.Layer layer, WeightTarget.Kind kind) {
        Map<WeightRole, KerasH5File.Weight> byName = new EnumMap<>(WeightRole.class);
        boolean named = true;
        for (KerasH5File.Weight w : layer.weights()) {
            if (w.role() == WeightRole.OTHER || byName.put(w.role(), w) != null) {
                named = false;
                break;
            }
        }
        if (named) {
            return byName;
        }
        List<KerasH5File.Weight> ws = layer.weights();
        List<WeightRole> order;
        if (kind == WeightTarget.Kind.BATCH_NORM) {
            order = switch (ws.size()) {
                case 4 -> List.of(WeightRole.GAMMA, WeightRole.BETA, WeightRole.MOVING_MEAN, WeightRole.VARIANCE);
                case 3 -> List.of(WeightRole.BETA, WeightRole.MOVING_MEAN, WeightRole.VARIANCE);
                case 2 -> List.of(WeightRole.MOVING_MEAN, WeightRole.VARIANCE);
                default -> null;
            };
        } else {
            order = ws.size() <= 2 ? List.of(WeightRole.KERNEL, WeightRole.BIAS) : null;
        }
        if (order == null) {
            return null;
        }
        Map<WeightRole, KerasH5File.Weight> byPosition = new EnumMap<>(WeightRole.class);
        for (int i = 0; i < ws.size(); i++) {
            byPosition.put(order.get(i), ws.get(i));
        }
        return byPosition;
    }

    private static String localName(WeightRole role) {
        return switch (role) {
            case KERNEL -> "kernel";
            case BIAS -> "bias";
            case GAMMA -> "gamma";
            case BETA -> "beta";
            case MOVING_MEAN -> "running_mean";
            case VARIANCE -> "running_var";
            case OTHER -> "?";
        };
    }
}

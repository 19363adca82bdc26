package org.convnet4j.io.torch;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.convnet4j.io.weights.ImportReport;
import org.convnet4j.io.weights.WeightLoadPlan;
import org.convnet4j.io.weights.WeightTarget;
import org.convnet4j.io.weights.WeightTargets;
import org.convnet4j.nn.Model;
import org.convnet4j.nn.Parameter;
import org.convnet4j.tensor.Shape;

/**
 * PyTorch state dicts (safetensors, or torch.save's {@code .pth}/{@code .pt} read by {@link PthFile}) loaded into
 * models named like torchvision's (our ResNets, GoogLeNet and AlexNet are).
 *
 * <p>Names: a state-dict entry {@code module.path.leaf} goes to our layer {@code module.path}; for a conv or
 * linear layer {@code weight} is our {@code kernel}, for batch norm {@code weight}/{@code bias} are
 * {@code gamma}/{@code beta}; {@code running_mean}/{@code running_var} keep their names;
 * {@code num_batches_tracked} is ignored. Layouts need no change: PyTorch's conv weight is [out, in, kh, kw] and
 * linear weight [out, in], as ours, and both flatten channels-first.
 *
 * <p>torchvision's VGG is {@code features.N} / {@code classifier.N}, our VGG carries Keras' names; module paths
 * the model does not have are matched by topology instead: the file's {@code features} modules in index order
 * with our conv/batch-norm layers in order, its {@code classifier} modules with our dense layers.
 *
 * <p>Pickles are read by a restricted unpickler that never runs code from the file ({@link Pickle}).
 */
public final class TorchWeights {
    private TorchWeights() {
    }

    /** Loads a state dict file (safetensors or .pth/.pt) into {@code model}; every problem is reported in one exception. */
    public static ImportReport load(Path file, Model model) throws IOException {
        return load(StateDict.open(file), model);
    }

    /** Loads {@code sd} into {@code model}: names and shapes are all checked before any value is read. */
    public static ImportReport load(StateDict sd, Model model) throws IOException {
        return plan(sd, model).execute();
    }

    /**
     * Whether {@code sd} fits {@code model}, checked as {@link #load} checks it (every name and shape), reading no
     * value and writing none: fails as {@code load} would, or returns the report a load would give. The model may
     * be one built shapes only ({@code ModelZoo.describe}).
     */
    public static ImportReport check(StateDict sd, Model model) throws IOException {
        return plan(sd, model).verify();
    }

    private static WeightLoadPlan plan(StateDict sd, Model model) throws IOException {
        StateDict renamed = TorchNames.current(sd);
        sd = renamed;
        Map<String, int[]> shapes = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : sd.shapes().entrySet()) {
            long[] s = e.getValue();
            int[] d = new int[s.length];
            for (int i = 0; i < s.length; i++) {
                d[i] = (int) Math.min(s[i], Integer.MAX_VALUE);
            }
            shapes.put(e.getKey(), d);
        }
        String modelName = model.name() == null ? "model" : "'" + model.name() + "'";
        WeightLoadPlan plan = new WeightLoadPlan(sd.source(), modelName);
        Map<String, WeightTarget> targets = WeightTargets.byName(model);
        Map<String, String> modules = moduleMap(shapes.keySet(), targets);
        Set<String> used = new HashSet<>();
        for (Map.Entry<String, int[]> e : shapes.entrySet()) {
            String key = e.getKey();
            if (key.endsWith("num_batches_tracked")) {
                continue;
            }
            int dot = key.lastIndexOf('.');
            String module = dot < 0 ? "" : key.substring(0, dot);
            String leaf = key.substring(dot + 1);
            WeightTarget t = targets.get(modules.getOrDefault(module, module));
            if (t == null && (key.startsWith("aux1.") || key.startsWith("aux2.") || key.startsWith("AuxLogits."))) {
                continue; // torchvision's GoogLeNet/Inception files keep their training-only auxiliary heads
            }
            if (t == null) {
                plan.unexpected(key);
                continue;
            }
            String local = localName(t, leaf);
            Parameter p = local == null ? null : t.parameter(local);
            if (p == null) {
                plan.unexpected(key + " (" + t + " has no " + (local == null ? leaf : local) + ")");
                continue;
            }
            used.add(t.name() + "." + local);
            int[] s = e.getValue();
            plan.assign(t.name() + "." + local, p, key, s, shape(s), () -> renamed.values(key), v -> v);
        }
        for (WeightTarget t : targets.values()) {
            for (Parameter p : t.layer().parameters()) {
                if (!used.contains(t.name() + "." + p.name())) {
                    plan.missing(t.name() + "." + p.name());
                }
            }
        }
        return plan;
    }

    private static String localName(WeightTarget t, String leaf) {
        return switch (t.kind()) {
            case CONV, DENSE -> switch (leaf) {
                case "weight" -> "kernel";
                case "bias" -> "bias";
                default -> null;
            };
            case BATCH_NORM -> switch (leaf) {
                case "weight" -> "gamma";
                case "bias" -> "beta";
                case "running_mean", "running_var" -> leaf;
                default -> null;
            };
            case OTHER -> leaf;
        };
    }

    private static Shape shape(int[] s) {
        return s.length == 0 ? null : Shape.of(s);
    }

    /**
     * File module paths the model lacks, matched by topology: {@code features.N} in index order to our conv and
     * batch-norm layers, {@code classifier.N} to our dense layers (torchvision VGG to our Keras-named VGG).
     */
    static Map<String, String> moduleMap(Set<String> keys, Map<String, WeightTarget> targets) {
        Map<String, String> map = new HashMap<>();
        for (String group : List.of("features", "classifier")) {
            List<String> fileModules = new ArrayList<>();
            for (String k : keys) {
                if (k.endsWith("num_batches_tracked")) {
                    continue;
                }
                String[] parts = k.split("\\.");
                if (parts.length == 3 && parts[0].equals(group) && parts[1].matches("\\d{1,6}")) {
                    String module = parts[0] + "." + parts[1];
                    if (!fileModules.contains(module)) {
                        fileModules.add(module);
                    }
                }
            }
            if (fileModules.isEmpty() || targets.containsKey(fileModules.get(0))) {
                continue; // the model has these names itself (AlexNet)
            }
            fileModules.sort(Comparator.comparingInt(m -> Integer.parseInt(m.substring(m.indexOf('.') + 1))));
            List<String> ours = new ArrayList<>();
            for (WeightTarget t : targets.values()) {
                boolean dense = t.kind() == WeightTarget.Kind.DENSE;
                if (dense == group.equals("classifier")) {
                    ours.add(t.name());
                }
            }
            for (int i = 0; i < Math.min(fileModules.size(), ours.size()); i++) {
                map.put(fileModules.get(i), ours.get(i));
            }
        }
        return map;
    }
}

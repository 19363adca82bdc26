package org.convnet4j.io.torch;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.convnet4j.checkpoint.FileFormatException;
import org.convnet4j.checkpoint.SafeTensors;
import org.convnet4j.io.weights.ImportReport;
import org.convnet4j.io.weights.WeightLoadPlan;
import org.convnet4j.io.weights.WeightTarget;
import org.convnet4j.io.weights.WeightTargets;
import org.convnet4j.nn.Model;
import org.convnet4j.nn.Parameter;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;

/**
 * PyTorch state dicts saved as safetensors ({@code safetensors.torch.save_file(model.state_dict(), "w.safetensors")})
 * loaded into models named like torchvision's (our ResNets, GoogLeNet and AlexNet are).
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
 * <p>PyTorch pickles ({@code .pth}, {@code .pt}, {@code .bin}, {@code .ckpt}) are refused: unpickling runs
 * code chosen by whoever wrote the file. {@link #refusePickle} explains how to convert one.
 */
public final class TorchWeights {
    private static final String CONVERT = "convert it once with PyTorch:\n"
            + "    import torch; from safetensors.torch import save_file\n"
            + "    sd = torch.load(\"FILE.pth\", map_location=\"cpu\", weights_only=True)\n"
            + "    save_file({k: v.contiguous() for k, v in sd.items()}, \"FILE.safetensors\")\n"
            + "(or: python3 tools/pth_to_safetensors.py FILE.pth)";

    private TorchWeights() {
    }

    /** Loads a safetensors state dict into {@code model}; every problem is reported in one exception. */
    public static ImportReport load(Path file, Model model) throws IOException {
        refusePickle(file);
        SafeTensors.Header header = SafeTensors.readHeader(file);
        Map<String, int[]> shapes = new LinkedHashMap<>();
        for (SafeTensors.Entry e : header.entries().values()) {
            long[] s = e.shape();
            int[] d = new int[s.length];
            for (int i = 0; i < s.length; i++) {
                d[i] = (int) Math.min(s[i], Integer.MAX_VALUE);
            }
            shapes.put(e.name(), d);
        }
        // the values are read after every name and shape has been checked against the model
        LazyContents values = new LazyContents(file);
        String modelName = model.name() == null ? "model" : "'" + model.name() + "'";
        WeightLoadPlan plan = new WeightLoadPlan(file.toString(), modelName);
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
            plan.assign(t.name() + "." + local, p, key, s, shape(s), () -> values.get(key), v -> v);
        }
        for (WeightTarget t : targets.values()) {
            for (Parameter p : t.layer().parameters()) {
                if (!used.contains(t.name() + "." + p.name())) {
                    plan.missing(t.name() + "." + p.name());
                }
            }
        }
        return plan.execute();
    }

    /**
     * Fails with a conversion recipe if {@code file} is a PyTorch pickle (zip or legacy format) or has a pickle's
     * file extension.
     */
    public static void refusePickle(Path file) throws IOException {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        byte[] head = new byte[4];
        int n;
        try (InputStream in = Files.newInputStream(file)) {
            n = in.readNBytes(head, 0, 4);
        }
        boolean zip = n == 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4;
        boolean pickle = n >= 2 && (head[0] & 0xff) == 0x80 && head[1] >= 2 && head[1] <= 5;
        boolean extension = name.endsWith(".pth") || name.endsWith(".pt") || name.endsWith(".bin")
                || name.endsWith(".ckpt") || name.endsWith(".pkl");
        if (zip || pickle || (extension && !looksLikeSafetensors(head, n))) {
            throw new FileFormatException(file + " is a PyTorch pickle, which convnet4j does not open: unpickling runs"
                    + " whatever code the file's author put in it. Save the weights as safetensors instead; "
                    + CONVERT.replace("FILE", stem(file)));
        }
    }

    /** The file's tensors, read once on first use. */
    private static final class LazyContents {
        private final Path file;
        private Map<String, Tensor> tensors;

        LazyContents(Path file) {
            this.file = file;
        }

        float[] get(String key) throws IOException {
            if (tensors == null) {
                tensors = SafeTensors.read(file).tensors();
            }
            return tensors.get(key).data();
        }
    }

    private static boolean looksLikeSafetensors(byte[] head, int n) {
        // the first 8 bytes are a little-endian header length; a real one is far below 2^32
        return n == 4 && (head[3] & 0xff) == 0 && !(head[0] == 'P' && head[1] == 'K');
    }

    private static String stem(Path file) {
        String n = file.getFileName().toString();
        int dot = n.lastIndexOf('.');
        return dot > 0 ? n.substring(0, dot) : n;
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

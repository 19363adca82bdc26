package org.convnet4j.io.torch;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Older torchvision module names in published files, renamed as torchvision's own loader renames them. DenseNet's
 * files (densenet121-a639ec97.pth and its siblings) were saved when a dense layer's modules were called
 * {@code norm.1}, {@code relu.1}, {@code conv.1}, {@code norm.2}, ...; torchvision's model, and ours, say
 * {@code norm1}, {@code conv1}, ... ({@code features.denseblock1.denselayer1.norm.1.weight} becomes
 * {@code features.denseblock1.denselayer1.norm1.weight}).
 */
public final class TorchNames {
    private static final Pattern DENSE_LAYER =
            Pattern.compile("^(.*denselayer\\d+\\.(?:norm|relu|conv))\\.([12]\\.(?:weight|bias|running_mean|running_var))$");

    private TorchNames() {
    }

    /** {@code name} in torchvision's current spelling. */
    public static String current(String name) {
        Matcher m = DENSE_LAYER.matcher(name);
        return m.matches() ? m.group(1) + m.group(2) : name;
    }

    /** {@code sd} with its names in torchvision's current spelling ({@code sd} itself when none changes). */
    public static StateDict current(StateDict sd) throws IOException {
        Map<String, String> original = new LinkedHashMap<>();
        Map<String, long[]> shapes = new LinkedHashMap<>();
        boolean renamed = false;
        for (Map.Entry<String, long[]> e : sd.shapes().entrySet()) {
            String now = current(e.getKey());
            renamed |= !now.equals(e.getKey());
            original.put(now, e.getKey());
            shapes.put(now, e.getValue());
        }
        if (!renamed) {
            return sd;
        }
        return new StateDict() {
            @Override
            public String source() {
                return sd.source();
            }

            @Override
            public Map<String, long[]> shapes() {
                return shapes;
            }

            @Override
            public float[] values(String name) throws IOException {
                return sd.values(original.getOrDefault(name, name));
            }
        };
    }
}

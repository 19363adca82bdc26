package org.convnet4j.zoo;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.convnet4j.nn.Model;
import org.convnet4j.tensor.Shape;

/**
 * Architectures by the names the command line uses ({@code lenet5}, {@code lenet5-classic}).
 * Each builder takes the per-sample input shape (null = the architecture's default) and the class count.
 */
public final class ModelZoo {
    /** What a zoo entry needs to build a model. */
    public record Options(Shape input, int classes) {
    }

    private static final Map<String, Function<Options, Model>> BUILDERS = new LinkedHashMap<>();
    private static final Map<String, Shape> DEFAULT_INPUTS = new LinkedHashMap<>();

    static {
        register("lenet5", Shape.of(1, 28, 28), o -> LeNet5.build(o.input(), o.classes(), LeNet5.Variant.MODERN));
        register("lenet5-classic", Shape.of(1, 28, 28), o -> LeNet5.build(o.input(), o.classes(), LeNet5.Variant.CLASSIC));
    }

    private ModelZoo() {
    }

    public static void register(String name, Shape defaultInput, Function<Options, Model> builder) {
        BUILDERS.put(name, builder);
        DEFAULT_INPUTS.put(name, defaultInput);
    }

    public static List<String> names() {
        return List.copyOf(BUILDERS.keySet());
    }

    public static boolean contains(String name) {
        return BUILDERS.containsKey(name);
    }

    public static Shape defaultInput(String name) {
        require(name);
        return DEFAULT_INPUTS.get(name);
    }

    /** Builds {@code name} for the given input (null = default) and classes (<= 0 = 10 for LeNet, 1000 otherwise). */
    public static Model build(String name, Shape input, int classes) {
        require(name);
        Shape in = input != null ? input : DEFAULT_INPUTS.get(name);
        int k = classes > 0 ? classes : (name.startsWith("lenet") ? 10 : 1000);
        return BUILDERS.get(name).apply(new Options(in, k));
    }

    private static void require(String name) {
        if (!BUILDERS.containsKey(name)) {
            throw new IllegalArgumentException("unknown model '" + name + "'; known: " + String.join(", ", names()));
        }
    }
}

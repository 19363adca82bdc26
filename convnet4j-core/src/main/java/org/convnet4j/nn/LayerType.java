package org.convnet4j.nn;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Everything the library needs to know about one layer type, in one place: the type name written in model files,
 * how a layer is rebuilt from its saved config (the layer writes its config itself: {@link Layer#config()}), its
 * ONNX form (export and import, optional) and examples that the conformance tests run (JSON round trip,
 * double-precision gradient check, ONNX round trip).
 *
 * <p>{@link LayerTypes} is the one registry that model files ({@link ModelSpec}), the ONNX exporter and the ONNX
 * importer consult. The library's own types are listed there; a type defined elsewhere is found as a
 * {@link java.util.ServiceLoader} service: a public class with a no-argument constructor that implements this
 * interface (usually by extending {@link Definition}) named in {@code META-INF/services/org.convnet4j.nn.LayerType}
 * (on the module path: {@code provides org.convnet4j.nn.LayerType with ...}), or registered at run time with
 * {@link LayerTypes#register}.
 *
 * @param <L> the layer class
 */
public interface LayerType<L extends Layer> {
    /** The type name in model files; equal to {@link Layer#type()} of the layers it builds. */
    String name();

    /** The class of the layers of this type. */
    Class<L> layerClass();

    /** A new, unbuilt layer from its saved config; reads every key it needs through {@code config}. */
    L create(LayerConfig config);

    /** How the type is written to and read from ONNX, or null if it has no ONNX form. */
    default OnnxForm<L> onnx() {
        return null;
    }

    /** Instances with inputs, for the conformance tests; empty if the type gives none. */
    default List<Example> examples() {
        return List.of();
    }

    /** A layer type from its name, class and config reader, to which an ONNX form and examples can be added. */
    static <L extends Layer> Definition<L> of(String name, Class<L> layerClass, Function<LayerConfig, ? extends L> create) {
        return new Definition<>(name, layerClass, create, null, List.of());
    }

    /**
     * A double-precision forward pass of a layer: its batched output from its inputs (each flattened, batch
     * first) and its parameters by their short name ({@code kernel}, {@code bias}), written from the operator's
     * definition. The double-precision gradient check differentiates it numerically and compares the result with
     * the layer's own (float32) backward pass.
     */
    @FunctionalInterface
    interface DoubleForward {
        double[] apply(double[][] inputs, Map<String, double[]> parameters);
    }

    /**
     * A layer of the type with the batched shapes of its inputs ({@code [N, ...]}), and optionally its
     * double-precision forward pass ({@code reference}, null if none: then the gradient check skips it and the
     * type must have a case of its own or be listed as not differentiable).
     */
    record Example(String name, Supplier<? extends Layer> layer, int[][] inputShapes, DoubleForward reference) {
        public Example {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(layer, "layer");
            Objects.requireNonNull(inputShapes, "inputShapes");
        }
    }

    /**
     * The usual implementation: immutable; {@link #onnx(OnnxForm)} and {@link #example} return extended copies. A
     * service class extends it with a no-argument constructor calling {@code super(LayerType.of(...)...)}.
     */
    class Definition<L extends Layer> implements LayerType<L> {
        private final String name;
        private final Class<L> layerClass;
        private final Function<LayerConfig, ? extends L> create;
        private final OnnxForm<L> onnx;
        private final List<Example> examples;

        private Definition(String name, Class<L> layerClass, Function<LayerConfig, ? extends L> create, OnnxForm<L> onnx,
                           List<Example> examples) {
            this.name = Objects.requireNonNull(name, "name");
            this.layerClass = Objects.requireNonNull(layerClass, "layerClass");
            this.create = Objects.requireNonNull(create, "create");
            this.onnx = onnx;
            this.examples = List.copyOf(examples);
        }

        /** A copy of {@code definition} (for service classes, which need a no-argument constructor). */
        protected Definition(Definition<L> definition) {
            this(definition.name, definition.layerClass, definition.create, definition.onnx, definition.examples);
        }

        /** This type with the given ONNX form. */
        public Definition<L> onnx(OnnxForm<L> form) {
            return new Definition<>(name, layerClass, create, form, examples);
        }

        /** This type with one more example. */
        public Definition<L> example(String exampleName, Supplier<? extends L> layer, int[][] inputShapes,
                                     DoubleForward reference) {
            List<Example> more = new ArrayList<>(examples);
            more.add(new Example(exampleName, layer, inputShapes, reference));
            return new Definition<>(name, layerClass, create, onnx, more);
        }

        @Override
        public final String name() {
            return name;
        }

        @Override
        public final Class<L> layerClass() {
            return layerClass;
        }

        @Override
        public final L create(LayerConfig config) {
            return create.apply(config);
        }

        @Override
        public final OnnxForm<L> onnx() {
            return onnx;
        }

        @Override
        public final List<Example> examples() {
            return examples;
        }

        @Override
        public String toString() {
            return "LayerType " + name;
        }
    }
}

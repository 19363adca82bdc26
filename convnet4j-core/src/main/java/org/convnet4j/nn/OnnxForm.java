package org.convnet4j.nn;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;

/**
 * How a {@link LayerType} is written to and read from ONNX. It is written against two small interfaces that the
 * ONNX exporter and importer of convnet4j-io implement ({@link Export}, {@link Import}), so a layer type needs
 * no dependency on convnet4j-io (or on protobuf) to have an ONNX form.
 *
 * <p>Axes: ONNX tensors carry the batch axis first, so a layer's per-sample axis {@code a} is ONNX axis
 * {@code a + 1}. Attribute values are given as Java values: {@code Long}/{@code Integer} (INT), {@code Float}/
 * {@code Double} (FLOAT), {@code String} (STRING), {@code long[]}/{@code int[]} (INTS), {@code float[]} (FLOATS),
 * {@link Tensor} (TENSOR).
 *
 * @param <L> the layer class
 */
public interface OnnxForm<L extends Layer> {
    /** The opset of the default ONNX domain that the exporter declares, and that forms write their nodes for. */
    int OPSET = 17;

    /** Writes {@code layer} as ONNX nodes that read {@link Export#inputs()} and produce {@link Export#output()}. */
    void export(L layer, Export out);

    /** The ONNX operators that {@link #importNode} turns back into a layer of this type; empty if none. */
    default List<Operator> imports() {
        return List.of();
    }

    /**
     * A new layer for one node of an operator listed by {@link #imports()}. The importer feeds it the node's
     * computed inputs in their order (constant inputs are for the form to read: {@link Import#constant}), then
     * calls {@link #loadParameters} once the layer is part of the graph.
     */
    default L importNode(Import node) {
        throw node.unsupported("no import for operator " + node.operator());
    }

    /** Loads the parameters of a layer made by {@link #importNode} (built by now) from the node's constants. */
    default void loadParameters(L layer, Import node) {
    }

    /**
     * The form of a type that has no ONNX form, saying why: exporting a layer of it fails in one line naming the layer
     * and the reason ({@code ONNX export: layer 'head' (ShallowClassifier): no ONNX form: ...}).
     */
    static <L extends Layer> OnnxForm<L> none(String why) {
        return new None<>(why);
    }

    /** See {@link #none}. */
    record None<L extends Layer>(String why) implements OnnxForm<L> {
        public None {
            Objects.requireNonNull(why, "why");
        }

        @Override
        public void export(L layer, Export out) {
            throw new IllegalArgumentException("ONNX export: " + layer.describe() + ": no ONNX form: " + why);
        }
    }

    /** An ONNX operator: its domain ("" is the default ONNX domain), its type and version of that domain. */
    record Operator(String domain, String type, long domainVersion, String summary) {
        public Operator {
            Objects.requireNonNull(domain, "domain");
            Objects.requireNonNull(type, "type");
            Objects.requireNonNull(summary, "summary");
        }

        /** An operator of the default ONNX domain. */
        public static Operator onnx(String type, String summary) {
            return new Operator("", type, 0, summary);
        }

        @Override
        public String toString() {
            return domain.isEmpty() ? type : domain + "." + type;
        }
    }

    /** What an ONNX form writes through: the exporter's model being built. */
    interface Export {
        /** The layer's ONNX name; node names and initializer names start with it. */
        String name();

        /** The ONNX values the layer reads, in the order of its inputs. */
        List<String> inputs();

        /** The ONNX value the layer must produce (written by its last node). */
        String output();

        /** The per-sample shape of input {@code i} (without the batch axis). */
        Shape inputShape(int i);

        /** A learnable parameter as an initializer named {@code name() + "." + suffix}; returns its value name. */
        String initializer(String suffix, Tensor value);

        /** A fixed value as a Constant node (imported again as a constant, not a parameter); returns its name. */
        String constant(String suffix, Tensor value);

        /** An int64 initializer (shapes, axes, pads); returns its value name. */
        String longs(String suffix, long... values);

        /** A one-value float initializer without dimensions (bounds, ratios, exponents); returns its name. */
        String scalar(String suffix, float value);

        /** A one-value int64 initializer without dimensions (a single index); returns its name. */
        String longScalar(String suffix, long value);

        /** A new intermediate value name ({@code name() + suffix}, made unique in the model). */
        String value(String suffix);

        /**
         * Records a text about this layer's node (the one named {@link #name()}) in the model's metadata
         * (ModelProto.metadata_props), for what standard operators cannot say; {@link Import#recorded} reads it
         * back. Recording {@code "layer_type"} = a type's name makes our importer read the node with that type's
         * form (when the form {@link #imports()} the node's operator) instead of as its operator says: other
         * runtimes see the standard operator, convnet4j gets its own layer back.
         */
        default void record(String what, String value) {
            throw new UnsupportedOperationException("this ONNX exporter keeps no records");
        }

        /**
         * Adds a node of {@code domain} (declared in the model's opset imports with {@code domainVersion}; ignored
         * for the default domain) named {@code name() + nodeSuffix}.
         */
        void node(String domain, long domainVersion, String opType, String nodeSuffix, List<String> inputs,
                  String output, Map<String, Object> attributes);

        /**
         * A node with several outputs (e.g. {@code TopK}'s values and indices), otherwise as
         * {@link #node(String, long, String, String, List, String, Map)}.
         */
        default void node(String domain, long domainVersion, String opType, String nodeSuffix, List<String> inputs,
                          List<String> outputs, Map<String, Object> attributes) {
            if (outputs.size() != 1) {
                throw new UnsupportedOperationException("this ONNX exporter writes nodes with one output");
            }
            node(domain, domainVersion, opType, nodeSuffix, inputs, outputs.get(0), attributes);
        }

        /** A node of the default ONNX domain named {@link #name()} that writes {@link #output()}. */
        default void node(String opType, List<String> inputs, Map<String, Object> attributes) {
            node("", 0, opType, "", inputs, output(), attributes);
        }
    }

    /** What an ONNX form reads from: one node of the model being imported. */
    interface Import {
        /** The node's operator type and, before it, its domain if not the default one. */
        String operator();

        /** A place to name in messages (the node and the file). */
        String where();

        /** What our exporter recorded about this node ({@link Export#record}), or null. */
        default String recorded(String what) {
            return null;
        }

        /** The number of inputs the node declares (optional inputs left out count as empty). */
        int inputCount();

        /** Whether input {@code i} is a constant (an initializer or a Constant node's value). */
        boolean isConstant(int i);

        /** Whether input {@code i} is an initializer that should become a learned parameter. */
        boolean isParameter(int i);

        /** The value of constant input {@code i} as floats; fails naming the node if it is computed. */
        Tensor constant(int i);

        /** The per-sample shape of computed input {@code i}. */
        Shape inputShape(int i);

        /** An INT attribute, or {@code fallback}. */
        long intAttribute(String name, long fallback);

        /** A FLOAT attribute, or {@code fallback}. */
        float floatAttribute(String name, float fallback);

        /** A STRING attribute, or {@code fallback}. */
        String stringAttribute(String name, String fallback);

        /** An INTS attribute, or {@code fallback}. */
        long[] intsAttribute(String name, long[] fallback);

        /** An exception naming the node, for what the form cannot import; thrown by the caller. */
        RuntimeException unsupported(String why);
    }
}

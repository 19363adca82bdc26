package org.convnet4j.io.onnx;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.convnet4j.io.onnx.OnnxModel.Attribute;
import org.convnet4j.io.onnx.OnnxModel.Node;
import org.convnet4j.io.onnx.OnnxModel.ValueInfo;
import org.convnet4j.nn.OnnxForm;
import org.convnet4j.nn.Parameter;

/**
 * The ONNX form of the {@code OnnxProgram} layer type ({@link OnnxProgramLayer}): the program written back with its
 * current weights. The float graph is written by its layers' own ONNX forms (the weights it has now, trained or not);
 * the typed path's nodes and the second stage's are written as the file had them, reading the typed path's learned
 * weights as they are now and its fixed constants as the file had them; the importer's own node for Dropout's mask
 * is written as a Dropout with its mask output. Every value of the program is renamed after the layer, so a program
 * can sit inside a larger model. Nothing is imported under this type: reading the file back gives standard
 * operators (ModelLoader makes an {@code OnnxProgram} layer of them again when the float layers refuse some).
 * {@link #program} writes a whole program ({@link OnnxExporter#export(OnnxProgram, java.nio.file.Path)}) the same way,
 * with every input and output it has, as the file declared them.
 *
 * <p>The typed nodes keep their file's operator versions, so they are written verbatim when the file's opset has the
 * same operator definitions as the exporter's ({@value #MIN_VERBATIM_OPSET} to {@link OnnxForm#OPSET}); from an older
 * opset each is translated to the exporter's opset ({@link OnnxLegacyForms}: attributes that became inputs, the
 * legacy broadcast), and a node without such a translation is refused naming it, its operator and the opset.
 */
final class OnnxProgramExport implements OnnxForm<OnnxProgramLayer> {
    /**
     * The oldest opset whose operators the typed path may hold and be written at the exporter's opset unchanged:
     * from 13 on, Squeeze/Unsqueeze/ReduceSum/Split take their axes as inputs, as at 17 (14-17 only widened types
     * and added optional attributes with the old behaviour as default).
     */
    static final long MIN_VERBATIM_OPSET = 13;

    @Override
    public void export(OnnxProgramLayer layer, Export out) {
        if (!(out instanceof OnnxExporter.FormExport fe)) {
            throw new IllegalArgumentException("ONNX export: " + layer.describe() + ": an imported ONNX program is"
                    + " written by convnet4j-io's OnnxExporter only");
        }
        Writer w = new Writer(layer.describe(), layer.program(), fe);
        w.check();
        w.writeLayer();
    }

    /**
     * Writes program {@code p} through {@code out} (whose inputs are the program's inputs, in order); returns the
     * exported names of the program's outputs, each of the type the file declared.
     */
    static List<String> program(String what, OnnxProgram p, OnnxExporter.FormExport out) {
        Writer w = new Writer(what, p, out);
        w.check();
        return w.writeProgram();
    }

    /** One export: the program's ONNX value names and what they became. */
    private static final class Writer {
        private final String what;
        private final OnnxProgram p;
        private final OnnxExporter.FormExport out;
        private final Map<String, String> names = new HashMap<>();
        private final Map<String, Long> opsets;
        /** Ranks of the program's values where known (for the legacy broadcast's axis and softmax's axis). */
        private final Map<String, Integer> ranks = new HashMap<>();
        /** The program's values computed by the float graph (float32 whatever the file declared). */
        private final Set<String> fromGraph = new HashSet<>();
        /** Written as a model of its own (every input and output as declared), not as the layer. */
        private boolean asModel;

        Writer(String what, OnnxProgram p, OnnxExporter.FormExport out) {
            this.what = what;
            this.p = p;
            this.out = out;
            this.opsets = p.opsets();
            knownRanks();
        }

        private List<Node> allNodes() {
            List<Node> all = new ArrayList<>(p.typedNodes());
            if (p.deferred() != null) {
                all.addAll(p.deferred().nodes());
            }
            return all;
        }

        /** Refuses, before anything is written, a program whose typed nodes the exporter's opset cannot hold. */
        void check() {
            boolean verbatim = !p.typedNodes().isEmpty() || p.deferred() != null;
            if (verbatim && p.opset() > OnnxForm.OPSET) {
                throw new IllegalArgumentException("ONNX export: " + what + ": its typed path (" + p.typedNodeCount()
                        + " nodes) is written as the file had it, at opset " + p.opset() + ", and the export writes"
                        + " opset " + OnnxForm.OPSET + "; export the model from its framework at opset "
                        + MIN_VERBATIM_OPSET + " to " + OnnxForm.OPSET);
            }
            if (p.opset() < MIN_VERBATIM_OPSET) {
                for (Node n : allNodes()) {
                    if (n.opType().equals(OnnxFolding.DROPOUT_MASK)) {
                        continue;
                    }
                    String why = OnnxLegacyForms.whyNot(n, p.opset(), ranks::get);
                    if (why != null) {
                        throw new IllegalArgumentException("ONNX export: " + what + ": the typed path's "
                                + n.opType() + " node '" + (n.name().isEmpty() ? n.outputs().get(0) : n.name())
                                + "' is written at opset " + OnnxForm.OPSET + " and the file's is " + p.opset() + ": "
                                + why + "; export the model from its framework at opset " + MIN_VERBATIM_OPSET + " to "
                                + OnnxForm.OPSET);
                    }
                }
            }
        }

        /** Ranks of inputs, constants and float-graph results, then of element-wise typed results from those. */
        private void knownRanks() {
            for (String in : p.inputNames()) {
                ValueInfo d = p.declaredInput(in);
                if (d != null && d.hasShape() && d.dims() != null) {
                    ranks.put(in, d.dims().length);
                }
            }
            p.typedConstants().forEach((k, v) -> ranks.put(k, v.dims().length));
            if (p.deferred() != null) {
                p.deferred().constants().forEach((k, v) -> ranks.put(k, v.dims().length));
            }
            if (p.graph() != null) {
                List<String> outs = p.graph().outputNames();
                for (int i = 0; i < outs.size(); i++) {
                    int r = p.graph().node(outs.get(i)).shape().rank() + 1;
                    for (String v : p.graphOutputValues().get(i)) {
                        ranks.put(v, r);
                        fromGraph.add(v);
                    }
                }
            }
            for (Node n : allNodes()) {
                if (n.outputs().size() != 1 || n.inputs().isEmpty() || !ELEMENTWISE.contains(n.opType())) {
                    continue;
                }
                int r = -1;
                for (String v : n.inputs()) {
                    Integer k = ranks.get(v);
                    if (k == null) {
                        r = -1;
                        break;
                    }
                    r = Math.max(r, k);
                }
                if (r >= 0 && !(n.attributes().containsKey("broadcast") && n.attributes().containsKey("axis")
                        && r != ranks.get(n.inputs().get(0)))) {
                    ranks.put(n.outputs().get(0), r);
                }
            }
        }

        /** Operators whose result has the largest rank of their operands. */
        private static final Set<String> ELEMENTWISE = Set.of("Add", "Sub", "Mul", "Div", "Pow", "Max", "Min", "Sum",
                "Mean", "Relu", "Sigmoid", "Tanh", "Exp", "Log", "Neg", "Abs", "Sqrt", "Reciprocal", "Floor", "Ceil",
                "Erf", "Sin", "Cos", "Sign", "Identity", "Cast", "LeakyRelu", "Elu", "Selu", "HardSigmoid", "Softplus",
                "Softsign", "Equal", "Less", "Greater", "And", "Or", "Xor", "Not", "Where");

        /** As the layer's form: one float input, one float output. */
        void writeLayer() {
            String input = p.inputNames().get(0);
            names.put(input, out.inputs().get(0));
            writeGraph();
            ValueInfo declaredIn = p.declaredInput(input);
            if (declaredIn != null && declaredIn.elemType() != OnnxModel.FLOAT && declaredIn.elemType() != 0) {
                // the layer is fed float32; the typed nodes read the input as the file declared it
                String cast = out.value("." + OnnxImporter.sanitize(input) + "_as_declared");
                out.node(new Node("", "Cast", "", List.of(out.inputs().get(0)), List.of(cast),
                        Map.of("to", intAttribute("to", declaredIn.elemType()))), 0);
                names.put(input, cast);
            }
            writeNodes();
            ValueInfo o = p.outputInfos().get(0);
            String result = value(o.name());
            if (o.elemType() == OnnxModel.FLOAT || o.elemType() == 0) {
                out.node("Identity", List.of(result), Map.of());
            } else {
                out.node("Cast", List.of(result), Map.of("to", (long) OnnxModel.FLOAT));
            }
        }

        /**
         * As a model of its own: inputs of the declared types (the float graph reads float32 copies of the others),
         * outputs of the declared types (the float graph's results cast where the file declared another type).
         */
        List<String> writeProgram() {
            asModel = true;
            for (int i = 0; i < p.inputNames().size(); i++) {
                names.put(p.inputNames().get(i), out.inputs().get(i));
            }
            writeGraph();
            writeNodes();
            List<String> results = new ArrayList<>();
            for (ValueInfo o : p.outputInfos()) {
                String v = value(o.name());
                if (fromGraph.contains(o.name()) && o.elemType() != OnnxModel.FLOAT && o.elemType() != 0) {
                    String cast = out.value("." + OnnxImporter.sanitize(o.name()) + "_as_declared");
                    out.node(new Node("", "Cast", "", List.of(v), List.of(cast),
                            Map.of("to", intAttribute("to", o.elemType()))), 0);
                    v = cast;
                }
                results.add(v);
            }
            return results;
        }

        private void writeGraph() {
            if (p.graph() == null) {
                return;
            }
            List<String> in = new ArrayList<>();
            for (String v : p.graphInputValues()) {
                String k = value(v);
                ValueInfo d = p.declaredInput(v);
                if (asModel && d != null && d.elemType() != 0 && d.elemType() != OnnxModel.FLOAT) {
                    k = floatCopy(v, k); // the float graph reads a float32 copy, as run() feeds it
                }
                in.add(k);
            }
            List<String> results = out.model(p.graph(), in);
            for (int i = 0; i < results.size(); i++) {
                for (String v : p.graphOutputValues().get(i)) {
                    names.put(v, results.get(i));
                }
            }
        }

        private String floatCopy(String v, String k) {
            String cast = out.value("." + OnnxImporter.sanitize(v) + "_float");
            out.node(new Node("", "Cast", "", List.of(k), List.of(cast),
                    Map.of("to", intAttribute("to", OnnxModel.FLOAT))), 0);
            return cast;
        }

        private void writeNodes() {
            for (Node n : p.typedNodes()) {
                node(n, p.typedConstants());
            }
            if (p.deferred() != null) {
                for (Node n : p.deferred().nodes()) {
                    node(n, p.deferred().constants());
                }
            }
        }

        /** A typed or second-stage node with its values renamed; the importer's Dropout mask as a Dropout. */
        private void node(Node n, Map<String, TensorData> constants) {
            List<String> in = new ArrayList<>();
            for (String v : n.inputs()) {
                in.add(v.isEmpty() ? "" : value(v, constants));
            }
            List<String> outs = new ArrayList<>();
            for (String v : n.outputs()) {
                outs.add(v.isEmpty() ? "" : fresh(v));
            }
            if (n.opType().equals(OnnxFolding.DROPOUT_MASK)) {
                outs.add(0, out.value("." + OnnxImporter.sanitize(n.outputs().get(0)) + "_dropout_output"));
                out.node(new Node(n.name(), "Dropout", "", in, outs, Map.of()), 0);
                return;
            }
            Node written = new Node(n.name(), n.opType(), n.domain(), in, outs, n.attributes());
            if (p.opset() < MIN_VERBATIM_OPSET && (n.domain().isEmpty() || n.domain().equals("ai.onnx"))) {
                OnnxLegacyForms.write(n, written, p.opset(), ranks::get, out);
            } else {
                out.node(written, opsets.getOrDefault(n.domain(), 1L));
            }
        }

        private String fresh(String v) {
            String k = out.value("." + OnnxImporter.sanitize(v));
            names.put(v, k);
            return k;
        }

        private String value(String v) {
            return value(v, p.typedConstants());
        }

        /** The exported name of program value v: computed already, a learned weight now, or a fixed constant. */
        private String value(String v, Map<String, TensorData> constants) {
            String k = names.get(v);
            if (k != null) {
                return k;
            }
            Parameter learned = p.learnedByValue().get(v);
            if (p.tiedValues().contains(v)) {
                // shared with a float layer: its current value, in the initializer's layout (not the file's)
                k = out.tensor(OnnxImporter.sanitize(v), p.constant(v));
            } else if (learned != null) {
                TensorData file = constants.getOrDefault(v, p.typedConstants().get(v));
                long[] dims = file != null ? file.dims() : java.util.Arrays.stream(learned.shape().dims())
                        .asLongStream().toArray();
                k = out.tensor(learned.name(), new TensorData(v, OnnxModel.FLOAT, dims,
                        learned.value().data().clone(), null));
            } else if (constants.containsKey(v) || p.typedConstants().containsKey(v)) {
                TensorData c = constants.containsKey(v) ? constants.get(v) : p.typedConstants().get(v);
                k = out.tensor(OnnxImporter.sanitize(v), c);
            } else {
                throw new IllegalStateException("ONNX export: " + what + ": value '" + v
                        + "' of the program is neither computed before it is read nor a constant");
            }
            names.put(v, k);
            return k;
        }

        private static Attribute intAttribute(String name, long v) {
            return new Attribute(name, Attribute.INT, 0, v, null, null, null, null, null);
        }
    }
}

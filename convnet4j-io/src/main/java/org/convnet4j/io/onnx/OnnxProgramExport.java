package org.convnet4j.io.onnx;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
 *
 * <p>The typed nodes keep their file's operator versions, so they are written only when the file's opset has the
 * same operator definitions as the exporter's ({@value #MIN_VERBATIM_OPSET} to {@link OnnxForm#OPSET}), or when every
 * typed node is of an operator whose older form translates ({@link #UPGRADED}: the windows and batch norm); a program
 * from another opset whose typed path is not empty is refused naming both.
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
        OnnxProgram p = layer.program();
        boolean verbatim = !p.typedNodes().isEmpty() || p.deferred() != null;
        if (verbatim && (p.opset() < MIN_VERBATIM_OPSET && !upgradable(p) || p.opset() > OnnxForm.OPSET)) {
            throw new IllegalArgumentException("ONNX export: " + layer.describe() + ": its typed path ("
                    + p.typedNodeCount() + " nodes) is written as the file had it, at opset " + p.opset()
                    + ", and the export writes opset " + OnnxForm.OPSET + " (only " + MIN_VERBATIM_OPSET + " to "
                    + OnnxForm.OPSET + " share those operators' definitions); export the model from its framework"
                    + " at an opset in that range");
        }
        new Writer(layer, p, fe).write();
    }

    /**
     * Operators whose nodes of an opset before {@value #MIN_VERBATIM_OPSET} mean at the exporter's opset what they meant
     * in the file once their legacy attributes are dropped ({@link #upgraded}): the windows only gained attributes whose
     * defaults keep the old meaning (Conv; MaxPool's storage_order, ceil_mode, dilations; AveragePool's
     * count_include_pad, ceil_mode); BatchNormalization in its inference form loses is_test, spatial (1, the only value
     * its inference form has kept) and consumed_inputs. A program of such an opset whose typed nodes are all of these
     * (the 3-D windows of the pytorch-converted suite, opset 6) is written at the exporter's opset.
     */
    static final java.util.Set<String> UPGRADED = java.util.Set.of("Conv", "MaxPool", "AveragePool",
            "BatchNormalization");

    static boolean upgradable(OnnxProgram p) {
        List<Node> all = new ArrayList<>(p.typedNodes());
        if (p.deferred() != null) {
            all.addAll(p.deferred().nodes());
        }
        for (Node n : all) {
            if (!n.domain().isEmpty() && !n.domain().equals("ai.onnx") || !UPGRADED.contains(n.opType())) {
                return false;
            }
            if (n.opType().equals("BatchNormalization")) {
                Attribute spatial = n.attributes().get("spatial");
                Attribute test = n.attributes().get("is_test");
                if (spatial != null && spatial.i() != 1 || test != null && test.i() == 0 || n.outputs().size() != 1) {
                    return false;
                }
            }
        }
        return true;
    }

    /** A node of an older opset as the exporter's opset writes it ({@link #UPGRADED}). */
    static Node upgraded(Node n) {
        if (!n.opType().equals("BatchNormalization")) {
            return n;
        }
        Map<String, Attribute> a = new java.util.LinkedHashMap<>(n.attributes());
        a.keySet().removeAll(java.util.Set.of("is_test", "spatial", "consumed_inputs"));
        return new Node(n.name(), n.opType(), n.domain(), n.inputs(), n.outputs(), a);
    }

    /** One export: the program's ONNX value names and what they became. */
    private static final class Writer {
        private final OnnxProgramLayer layer;
        private final OnnxProgram p;
        private final OnnxExporter.FormExport out;
        private final Map<String, String> names = new HashMap<>();
        private final Map<String, Long> opsets;

        Writer(OnnxProgramLayer layer, OnnxProgram p, OnnxExporter.FormExport out) {
            this.layer = layer;
            this.p = p;
            this.out = out;
            this.opsets = layer.source().opsets();
        }

        void write() {
            String input = p.inputNames().get(0);
            names.put(input, out.inputs().get(0));
            if (p.graph() != null) {
                List<String> in = new ArrayList<>();
                for (String v : p.graphInputValues()) {
                    in.add(value(v));
                }
                List<String> results = out.model(p.graph(), in);
                for (int i = 0; i < results.size(); i++) {
                    for (String v : p.graphOutputValues().get(i)) {
                        names.put(v, results.get(i));
                    }
                }
            }
            ValueInfo declaredIn = p.declaredInput(input);
            if (declaredIn != null && declaredIn.elemType() != OnnxModel.FLOAT && declaredIn.elemType() != 0) {
                // the layer is fed float32; the typed nodes read the input as the file declared it
                String cast = out.value("." + OnnxImporter.sanitize(input) + "_as_declared");
                out.node(new Node("", "Cast", "", List.of(out.inputs().get(0)), List.of(cast),
                        Map.of("to", intAttribute("to", declaredIn.elemType()))), 0);
                names.put(input, cast);
            }
            for (Node n : p.typedNodes()) {
                node(n, p.typedConstants());
            }
            if (p.deferred() != null) {
                for (Node n : p.deferred().nodes()) {
                    node(n, p.deferred().constants());
                }
            }
            ValueInfo o = p.outputInfos().get(0);
            String result = value(o.name());
            if (o.elemType() == OnnxModel.FLOAT || o.elemType() == 0) {
                out.node("Identity", List.of(result), Map.of());
            } else {
                out.node("Cast", List.of(result), Map.of("to", (long) OnnxModel.FLOAT));
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
            out.node(p.opset() < MIN_VERBATIM_OPSET ? upgraded(written) : written, opsets.getOrDefault(n.domain(), 1L));
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
                throw new IllegalStateException("ONNX export: " + layer.describe() + ": value '" + v
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

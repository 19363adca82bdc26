package org.convnet4j.io.onnx;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.convnet4j.io.onnx.OnnxModel.Attribute;
import org.convnet4j.io.onnx.OnnxModel.Node;
import org.convnet4j.nn.OnnxForm;

/**
 * Nodes of an opset before 13 (the typed path of a program read from such a file) as the exporter's opset
 * ({@link OnnxForm#OPSET}) writes them, with the same meaning: attributes that became inputs become int64
 * initializers ({@code Split}'s split, {@code Slice}'s starts/ends/axes, {@code Squeeze}/{@code Unsqueeze}'s and
 * {@code ReduceSum}'s axes, {@code Reshape}'s shape), the legacy {@code broadcast}/{@code axis} of element-wise
 * operators become numpy broadcasting (an {@code Unsqueeze} of the second operand where its axis does not align it at
 * the end), {@code consumed_inputs}, {@code is_test} and {@code spatial} are dropped. An operator whose older form
 * means something else at opset 17 and has no rule here (Softmax before 13 over an axis that is not the last, Pad
 * before 11, Upsample, ...) is refused with a line naming the node, its operator and the opset.
 */
final class OnnxLegacyForms {
    private OnnxLegacyForms() {
    }

    /**
     * Operators whose definition at the given opset and later has the same meaning at the exporter's opset once the
     * attributes dropped below are gone: operator -> the oldest opset from which that holds.
     */
    private static final Map<String, Long> SAME_FROM = Map.ofEntries(
            // unary element-wise: consumed_inputs (opsets 1-5) dropped, nothing else changed but types
            Map.entry("Relu", 1L), Map.entry("Sigmoid", 1L), Map.entry("Tanh", 1L), Map.entry("Exp", 1L),
            Map.entry("Log", 1L), Map.entry("Neg", 1L), Map.entry("Abs", 1L), Map.entry("Sqrt", 1L),
            Map.entry("Reciprocal", 1L), Map.entry("Floor", 1L), Map.entry("Ceil", 1L), Map.entry("LeakyRelu", 1L),
            Map.entry("Elu", 1L), Map.entry("Selu", 1L), Map.entry("HardSigmoid", 1L), Map.entry("Softplus", 1L),
            Map.entry("Softsign", 1L), Map.entry("Sin", 7L), Map.entry("Cos", 7L), Map.entry("Erf", 9L),
            Map.entry("Sign", 9L), Map.entry("Not", 1L), Map.entry("Identity", 1L), Map.entry("Constant", 1L),
            Map.entry("InstanceNormalization", 1L), Map.entry("LRN", 1L),
            // numpy broadcasting since 7 (legacy broadcast/axis before: translated below)
            Map.entry("Add", 7L), Map.entry("Sub", 7L), Map.entry("Mul", 7L), Map.entry("Div", 7L),
            Map.entry("Pow", 7L), Map.entry("Equal", 7L), Map.entry("Less", 7L), Map.entry("Greater", 7L),
            Map.entry("And", 7L), Map.entry("Or", 7L), Map.entry("Xor", 7L), Map.entry("PRelu", 7L),
            // variadic: numpy broadcasting since 8 (all inputs of one shape before, which numpy accepts too)
            Map.entry("Max", 1L), Map.entry("Min", 1L), Map.entry("Sum", 1L), Map.entry("Mean", 1L),
            Map.entry("Gemm", 1L), Map.entry("MatMul", 1L), Map.entry("Gather", 1L), Map.entry("Transpose", 1L),
            Map.entry("Flatten", 1L), Map.entry("Concat", 1L), Map.entry("Reshape", 1L), Map.entry("Slice", 1L),
            Map.entry("Cast", 6L), Map.entry("Shape", 1L), Map.entry("Size", 1L), Map.entry("Where", 9L),
            Map.entry("Expand", 8L), Map.entry("ConstantOfShape", 9L), Map.entry("Range", 11L),
            Map.entry("ArgMax", 1L), Map.entry("ArgMin", 1L), Map.entry("TopK", 10L), Map.entry("Tile", 6L),
            Map.entry("ReduceMean", 1L), Map.entry("ReduceMax", 1L), Map.entry("ReduceMin", 1L),
            Map.entry("ReduceProd", 1L), Map.entry("ReduceL1", 1L), Map.entry("ReduceL2", 1L),
            Map.entry("ReduceLogSum", 1L), Map.entry("ReduceLogSumExp", 1L), Map.entry("ReduceSumSquare", 1L),
            Map.entry("DepthToSpace", 1L), Map.entry("SpaceToDepth", 1L), Map.entry("Clip", 11L),
            Map.entry("Conv", 1L), Map.entry("ConvTranspose", 11L), Map.entry("MaxPool", 1L), Map.entry("AveragePool", 1L),
            Map.entry("GlobalAveragePool", 1L), Map.entry("GlobalMaxPool", 1L), Map.entry("BatchNormalization", 1L),
            // attributes that became inputs at 13: translated below
            Map.entry("Split", 1L), Map.entry("Squeeze", 1L), Map.entry("Unsqueeze", 1L), Map.entry("ReduceSum", 1L),
            // softmax family before 13 coerces to 2-D: the same only over the last axis (checked below)
            Map.entry("Softmax", 1L), Map.entry("LogSoftmax", 1L), Map.entry("Hardmax", 1L));

    /** Element-wise operators with the legacy broadcast and axis attributes before opset 7. */
    private static final Set<String> LEGACY_BROADCAST = Set.of("Add", "Sub", "Mul", "Div", "Pow", "Equal", "Less",
            "Greater", "And", "Or", "Xor");

    /** Attributes some operators had before opset 13 and lost, without a meaning their later form lacks. */
    private static final Set<String> DROPPED = Set.of("consumed_inputs", "is_test", "spatial", "broadcast");

    /**
     * Why node n of the file's {@code opset} cannot be written at the exporter's opset, or null when it can.
     * {@code rank} gives a value's rank where it is known (null otherwise).
     */
    static String whyNot(Node n, long opset, Function<String, Integer> rank) {
        if (!n.domain().isEmpty() && !n.domain().equals("ai.onnx")) {
            return null; // other domains keep their own versions
        }
        Long from = SAME_FROM.get(n.opType());
        if (from == null || opset < from && !LEGACY_BROADCAST.contains(n.opType())) {
            return n.opType() + " of opset " + opset + " has no opset " + OnnxForm.OPSET + " form here";
        }
        switch (n.opType()) {
            case "BatchNormalization" -> {
                Attribute spatial = n.attributes().get("spatial");
                Attribute test = n.attributes().get("is_test");
                if (spatial != null && spatial.i() != 1 || test != null && test.i() == 0 || n.outputs().size() != 1) {
                    return "BatchNormalization of opset " + opset + " in its training form or with spatial 0";
                }
            }
            case "Softmax", "LogSoftmax", "Hardmax" -> {
                if (opset < 13) {
                    Integer r = rank.apply(n.inputs().get(0));
                    long axis = n.attributes().containsKey("axis") ? n.attributes().get("axis").i() : 1;
                    if (r == null || (axis < 0 ? axis + r : axis) != r - 1) {
                        return n.opType() + " of opset " + opset + " over axis " + axis + " of a tensor of rank "
                                + (r == null ? "unknown here" : r) + " (flattened to 2-D; the same at opset "
                                + OnnxForm.OPSET + " only over the last axis)";
                    }
                }
            }
            case "Split" -> {
                if (opset < 2 && n.inputs().size() > 1) {
                    return null; // split given as an input, as at 13
                }
            }
            default -> {
                if (LEGACY_BROADCAST.contains(n.opType()) && opset < 7) {
                    Attribute b = n.attributes().get("broadcast");
                    Attribute axis = n.attributes().get("axis");
                    if (b != null && b.i() == 1 && axis != null) {
                        Integer ra = rank.apply(n.inputs().get(0));
                        Integer rb = rank.apply(n.inputs().get(1));
                        if (ra == null || rb == null) {
                            return n.opType() + " of opset " + opset + " with broadcast along axis " + axis.i()
                                    + " of operands whose ranks are not known here";
                        }
                        long ax = axis.i() < 0 ? axis.i() + ra : axis.i();
                        if (ax + rb != ra) {
                            // B aligned with inner axes of A: the typed path does not evaluate it either
                            return n.opType() + " of opset " + opset + " with B of rank " + rb + " broadcast from axis "
                                    + axis.i() + " of A of rank " + ra + " (not at A's last axes, where numpy aligns it)";
                        }
                    }
                }
            }
        }
        return null;
    }

    /**
     * Writes node n of the file's {@code opset} ({@link #whyNot} null) at the exporter's opset through {@code out}:
     * {@code renamed} is n with its values named as the export names them; {@code rank} reads n's own names.
     */
    static void write(Node n, Node renamed, long opset, Function<String, Integer> rank,
                      OnnxExporter.FormExport out) {
        Map<String, Attribute> a = new LinkedHashMap<>(n.attributes());
        a.keySet().removeAll(DROPPED);
        List<String> in = new ArrayList<>(renamed.inputs());
        String op = n.opType();
        if (LEGACY_BROADCAST.contains(op) && opset < 7) {
            // broadcast and axis dropped: whyNot let through only a B aligned with A's last axes, as numpy aligns it
            a.remove("axis");
        } else if (opset < 13) {
            switch (op) {
                case "Split" -> {
                    Attribute split = a.remove("split");
                    if (split != null) {
                        in.add(out.longs(OnnxImporter.sanitize(n.name()) + "_split", split.ints()));
                    }
                }
                case "Squeeze", "Unsqueeze", "ReduceSum" -> {
                    Attribute axes = a.remove("axes");
                    if (axes != null) {
                        in.add(out.longs(OnnxImporter.sanitize(n.name()) + "_axes", axes.ints()));
                    }
                }
                case "Slice" -> {
                    if (opset < 10) {
                        Attribute starts = a.remove("starts");
                        Attribute ends = a.remove("ends");
                        Attribute axes = a.remove("axes");
                        String s = OnnxImporter.sanitize(n.name());
                        in.add(out.longs(s + "_starts", starts.ints()));
                        in.add(out.longs(s + "_ends", ends.ints()));
                        if (axes != null) {
                            in.add(out.longs(s + "_axes", axes.ints()));
                        }
                    }
                }
                case "Reshape" -> {
                    Attribute shape = a.remove("shape");
                    if (shape != null) {
                        in.add(out.longs(OnnxImporter.sanitize(n.name()) + "_shape", shape.ints()));
                    }
                }
                case "Concat" -> {
                    if (!a.containsKey("axis")) { // before opset 4 the axis defaulted to 1
                        a.put("axis", new Attribute("axis", Attribute.INT, 0, 1, null, null, null, null, null));
                    }
                }
                case "Softmax", "LogSoftmax", "Hardmax" -> {
                    // over the last axis (whyNot): opset 13's axis attribute says the same
                    a.put("axis", new Attribute("axis", Attribute.INT, 0, -1, null, null, null, null, null));
                }
                default -> {
                }
            }
        }
        out.node(new Node(n.name(), op, n.domain(), in, renamed.outputs(), a), 0);
    }
}

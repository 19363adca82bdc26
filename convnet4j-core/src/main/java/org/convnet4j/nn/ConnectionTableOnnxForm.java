package org.convnet4j.nn;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.convnet4j.nn.layers.ConnectionTableConv2d;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;

/**
 * LeNet-5's C3 ({@link ConnectionTableConv2d}) in ONNX: a standard {@code Conv} over every input map whose kernel
 * is zero where the table has no connection (the function exactly, for any runtime), with the table recorded in
 * the model's metadata ({@code org.convnet4j:NODE:table}, rows {@code ;}-separated, input maps {@code ,}-separated)
 * and {@code layer_type} naming this type, so that our importer reads the node back as a ConnectionTableConv2d:
 * the same table, only the connected slices as parameters (fine-tuning cannot make the others non-zero).
 */
final class ConnectionTableOnnxForm implements OnnxForm<ConnectionTableConv2d> {
    static final String TYPE = "ConnectionTableConv2d";
    /** The longest table text read back (LeNet-5's C3 is 191 characters). */
    private static final int MAX_TABLE_CHARS = 1 << 20;

    @Override
    public void export(ConnectionTableConv2d t, Export o) {
        int c = o.inputShape(0).dim(0);
        Shape packed = t.kernel().shape();
        int kh = packed.dim(1);
        int kw = packed.dim(2);
        int area = kh * kw;
        int[][] table = t.table();
        Tensor dense = Tensor.zeros(table.length, c, kh, kw);
        int slot = 0;
        for (int f = 0; f < table.length; f++) {
            for (int i : table[f]) {
                System.arraycopy(t.kernel().value().data(), slot * area, dense.data(), (f * c + i) * area, area);
                slot++;
            }
        }
        o.node("Conv", List.of(o.inputs().get(0), o.initializer("kernel", dense), o.initializer("bias",
                t.bias().value())), Map.of("kernel_shape", new long[] {kh, kw}));
        o.record("layer_type", TYPE);
        o.record("table", text(table));
    }

    @Override
    public List<Operator> imports() {
        return List.of(Operator.onnx("Conv", "a Conv our exporter wrote for a ConnectionTableConv2d (the table in the"
                + " model's metadata)"));
    }

    @Override
    public ConnectionTableConv2d importNode(Import node) {
        String text = node.recorded("table");
        if (text == null) {
            throw node.unsupported("no connection table recorded for the node");
        }
        if (node.inputCount() < 2 || !node.isConstant(1)) {
            throw node.unsupported("the kernel of a connection-table Conv must be a constant");
        }
        long[] none = {};
        long group = node.intAttribute("group", 1);
        for (String a : new String[] {"strides", "dilations"}) {
            for (long v : node.intsAttribute(a, none)) {
                if (v != 1) {
                    throw node.unsupported("a connection-table Conv with " + a + " other than 1");
                }
            }
        }
        for (long v : node.intsAttribute("pads", none)) {
            if (v != 0) {
                throw node.unsupported("a connection-table Conv with padding");
            }
        }
        if (group != 1 || !"NOTSET".equals(node.stringAttribute("auto_pad", "NOTSET"))) {
            throw node.unsupported("a connection-table Conv with groups or auto_pad");
        }
        Tensor k = node.constant(1);
        if (k.rank() != 4) {
            throw node.unsupported("a connection-table Conv kernel of shape " + k.shape());
        }
        int[][] table = parse(text, k.dim(0), k.dim(1), node);
        // the kernel must be zero where the table has no connection, or the layer would compute something else
        int area = k.dim(2) * k.dim(3);
        for (int f = 0; f < table.length; f++) {
            boolean[] read = new boolean[k.dim(1)];
            for (int i : table[f]) {
                read[i] = true;
            }
            for (int i = 0; i < read.length; i++) {
                for (int j = 0; !read[i] && j < area; j++) {
                    if (k.data()[(f * k.dim(1) + i) * area + j] != 0) {
                        throw node.unsupported("the kernel of output map " + f + " is not zero on input map " + i
                                + ", which the recorded table does not connect");
                    }
                }
            }
        }
        try {
            return new ConnectionTableConv2d(table, k.dim(2), k.dim(3));
        } catch (IllegalArgumentException e) {
            throw node.unsupported("the recorded connection table: " + e.getMessage());
        }
    }

    @Override
    public void loadParameters(ConnectionTableConv2d layer, Import node) {
        Tensor k = node.constant(1);
        int c = k.dim(1);
        int area = k.dim(2) * k.dim(3);
        int[][] table = layer.table();
        Tensor packed = Tensor.zeros(layer.kernel().shape().dims());
        int slot = 0;
        for (int f = 0; f < table.length; f++) {
            for (int i : table[f]) {
                System.arraycopy(k.data(), (f * c + i) * area, packed.data(), slot * area, area);
                slot++;
            }
        }
        layer.kernel().load(packed);
        if (node.inputCount() > 2 && node.isConstant(2)) {
            layer.bias().load(node.constant(2).reshape(layer.bias().shape()));
        }
    }

    static String text(int[][] table) {
        StringBuilder b = new StringBuilder();
        for (int f = 0; f < table.length; f++) {
            b.append(f == 0 ? "" : ";");
            for (int j = 0; j < table[f].length; j++) {
                b.append(j == 0 ? "" : ",").append(table[f][j]);
            }
        }
        return b.toString();
    }

    private static int[][] parse(String text, int filters, int channels, Import node) {
        if (text.length() > MAX_TABLE_CHARS) {
            throw node.unsupported("a recorded connection table of " + text.length() + " characters");
        }
        String[] rows = text.split(";", -1);
        if (rows.length != filters) {
            throw node.unsupported("the recorded connection table has " + rows.length + " rows for " + filters
                    + " output maps");
        }
        int[][] table = new int[filters][];
        for (int f = 0; f < filters; f++) {
            List<Integer> row = new ArrayList<>();
            for (String s : rows[f].split(",", -1)) {
                int i;
                try {
                    i = Integer.parseInt(s.strip());
                } catch (NumberFormatException e) {
                    throw node.unsupported("the recorded connection table's row " + f + " is not a list of input"
                            + " maps: '" + rows[f] + "'");
                }
                if (i < 0 || i >= channels) {
                    throw node.unsupported("the recorded connection table's row " + f + " reads input map " + i
                            + " of " + channels);
                }
                row.add(i);
            }
            table[f] = row.stream().mapToInt(Integer::intValue).toArray();
        }
        return table;
    }
}

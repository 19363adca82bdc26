package org.convnet4j.nn;

import org.convnet4j.util.MemoryBudget;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.convnet4j.internal.json.Json;
import org.convnet4j.tensor.Shape;

/**
 * A Keras-like summary of a model: one row per layer with its output shape, parameters (trainable and
 * frozen), buffers, multiply-accumulates and activation memory per sample; nested models (a ResNet's
 * {@code layer1}, its block {@code 0}) get a row for the whole and indented rows with dotted names for their
 * parts. Everything comes from shape inference: nothing runs.
 *
 * <p>Counting conventions: {@code total_params} counts learnable values as PyTorch/torchvision do;
 * {@code buffer_values} counts saved non-learnable state (batch norm's running mean and variance). Keras'
 * "Total params" is the sum of both (it calls buffers "non-trainable params").
 *
 * <p>Activation memory is the float32 output of every leaf layer per sample (what a backward pass keeps);
 * a nested model's row shows the sum over its parts, and the total counts each leaf once.
 *
 * <p>Training memory estimate for a batch of {@code B}, all float32 (4 bytes):
 * <pre>
 *   weights     4 * (params + buffers)
 *   gradients   4 * trainable params
 *   optimiser   4 * trainable params * slots      (Adam: 2 moments, SGD with momentum: 1, plain SGD: 0)
 *   activations 4 * activation values per sample * B * 2   (the outputs kept for backward, and gradients
 *                                                            of the same size flowing back)
 *   input       4 * input values per sample * B
 * </pre>
 * It is a lower bound of the right order: workspace (im2col buffers), the JVM and the data pipeline come on top.
 */
public final class ModelSummary {
    /** One line of the table; {@code depth} 0 for top-level layers, 1 inside a nested model, and so on. */
    public record Row(String name, String type, int depth, Shape outputShape, long params, long trainableParams,
                      long frozenParams, long bufferValues, long macs, long activationBytes) {
    }

    private static final int FLOAT_BYTES = 4;

    private final String modelName;
    private final List<Shape> inputShapes;
    private final List<Row> rows = new ArrayList<>();
    private long totalParams;
    private long frozenParams;
    private long bufferValues;
    private long totalMacs;
    private long activationBytes;

    private ModelSummary(Model model) {
        this.modelName = model.name() == null ? model.defaultName() : model.name();
        this.inputShapes = model.inputShapes();
        long[] top = visitModel(model, "", 0, model.inputShapes());
        activationBytes = top[0];
        long[] c = counts(model);
        totalParams = c[0];
        frozenParams = c[1];
        bufferValues = c[2];
        totalMacs = model.macs(model.inputShapes());
    }

    public static ModelSummary of(Model model) {
        return new ModelSummary(model);
    }

    /** Values held in buffers (not learnable) anywhere in {@code layer}. */
    public static long bufferCount(Layer layer) {
        return counts(layer)[2];
    }

    public List<Row> rows() {
        return Collections.unmodifiableList(rows);
    }

    public long totalParams() {
        return totalParams;
    }

    public long trainableParams() {
        return totalParams - frozenParams;
    }

    public long frozenParams() {
        return frozenParams;
    }

    public long bufferValues() {
        return bufferValues;
    }

    public long totalMacs() {
        return totalMacs;
    }

    /** float32 bytes of all leaf layers' outputs for one sample. */
    public long activationBytesPerSample() {
        return activationBytes;
    }

    public long inputValuesPerSample() {
        long n = 0;
        for (Shape s : inputShapes) {
            n += s.size();
        }
        return n;
    }

    /** The estimate in the class comment; {@code optimizerSlots} is 2 for Adam, 1 for SGD with momentum. */
    public long trainingMemoryBytes(int batch, int optimizerSlots) {
        if (batch < 1 || optimizerSlots < 0) {
            throw new IllegalArgumentException("training memory estimate: batch must be >= 1 and optimiser slots >= 0,"
                    + " got batch " + batch + ", slots " + optimizerSlots);
        }
        long weights = FLOAT_BYTES * (totalParams + bufferValues);
        long grads = FLOAT_BYTES * trainableParams();
        long optimizer = FLOAT_BYTES * trainableParams() * optimizerSlots;
        long acts = MemoryBudget.bytesOf(activationBytes, batch, 2);
        long input = MemoryBudget.bytesOf(FLOAT_BYTES, inputValuesPerSample(), batch);
        // -1 when a product overflows (MemoryBudget refuses it)
        return MemoryBudget.add(MemoryBudget.add(weights + grads + optimizer, acts), input);
    }

    /**
     * Refuses a training step in batches of {@code batch} whose {@link #trainingMemoryBytes} plus
     * {@code optimizerStateValues} float32 values of optimiser state is over the {@link MemoryBudget}: a
     * {@link MemoryBudget.SettingTooLargeException} whose message starts with {@code setting} ("batch 64") and says
     * what was estimated, e.g. "batch 64: a training step of lenet5 (61,706 parameters) in batches of 64 needs at
     * least ...".
     */
    public void requireTrainingBatch(String setting, String model, int batch, long optimizerStateValues) {
        MemoryBudget.requireSetting(setting, String.format(java.util.Locale.ROOT,
                "a training step of %s (%,d parameters) in batches of %d", model, totalParams, batch),
                MemoryBudget.add(trainingMemoryBytes(batch, 0), MemoryBudget.bytesOf(FLOAT_BYTES, optimizerStateValues)));
    }

    /** Inference memory for a batch: weights, buffers, and (as an upper bound) every activation kept. */
    public long inferenceMemoryBytes(int batch) {
        return MemoryBudget.add(FLOAT_BYTES * (totalParams + bufferValues), MemoryBudget.bytesOf(
                activationBytes + FLOAT_BYTES * inputValuesPerSample(), batch));
    }

    // ---- traversal -------------------------------------------------------------------------------

    /** Adds rows for the children of {@code model}; returns {activation bytes} of its leaves. */
    private long[] visitModel(Model model, String prefix, int depth, List<Shape> inputs) {
        long acts = 0;
        if (model instanceof Sequential s) {
            Shape in = inputs.get(0);
            for (int i = 0; i < s.layers().size(); i++) {
                Layer l = s.layers().get(i);
                acts += visitLayer(l, prefix, depth, List.of(in), s.outputShapeAt(i));
                in = s.outputShapeAt(i);
            }
        } else if (model instanceof Graph g) {
            for (Graph.Node n : g.nodes()) {
                if (n.isInput()) {
                    if (depth == 0) {
                        rows.add(new Row(prefix + n.name(), "Input", depth, n.shape(), 0, 0, 0, 0, 0, 0));
                    }
                    continue;
                }
                List<Shape> in = n.inputs().stream().map(src -> g.node(src).shape()).toList();
                acts += visitLayer(n.layer(), prefix, depth, in, n.shape());
            }
        } else {
            throw new IllegalArgumentException("model summary: cannot expand model type " + model.type());
        }
        return new long[] {acts};
    }

    private long visitLayer(Layer l, String prefix, int depth, List<Shape> in, Shape out) {
        long[] c = counts(l);
        long macs = l.macs(in);
        String name = prefix + l.name();
        if (l instanceof Model nested) {
            int at = rows.size();
            rows.add(null); // placeholder: the activation sum is known after the children
            long acts = visitModel(nested, name + ".", depth + 1, in)[0];
            rows.set(at, new Row(name, l.type(), depth, out, c[0], c[0] - c[1], c[1], c[2], macs, acts));
            return acts;
        }
        long acts = FLOAT_BYTES * out.size();
        rows.add(new Row(name, l.type(), depth, out, c[0], c[0] - c[1], c[1], c[2], macs, acts));
        return acts;
    }

    /** {learnable, frozen, buffer} value counts of a layer's subtree. */
    private static long[] counts(Layer layer) {
        long total = 0;
        long frozen = 0;
        long buffers = 0;
        for (Parameter p : layer.namedParameters().values()) {
            long n = p.shape().size();
            if (p.isLearnable()) {
                total += n;
                if (p.isFrozen()) {
                    frozen += n;
                }
            } else {
                buffers += n;
            }
        }
        return new long[] {total, frozen, buffers};
    }

    // ---- output ----------------------------------------------------------------------------------

    /** The table as text, with totals and the memory estimate for {@code batch} (Adam). */
    public String toTable(int batch) {
        String[] head = {"Layer (type)", "Output shape", "Params", "Frozen", "MACs", "Act. bytes"};
        List<String[]> lines = new ArrayList<>();
        for (Row r : rows) {
            lines.add(new String[] {"  ".repeat(r.depth()) + r.name() + " (" + r.type() + ")", r.outputShape().toString(),
                    group(r.params()), r.frozenParams() == 0 ? "" : group(r.frozenParams()), group(r.macs()),
                    group(r.activationBytes())});
        }
        int[] w = new int[head.length];
        for (int i = 0; i < head.length; i++) {
            w[i] = head[i].length();
            for (String[] l : lines) {
                w[i] = Math.max(w[i], l[i].length());
            }
        }
        StringBuilder b = new StringBuilder();
        b.append("Model: ").append(modelName).append("   input ").append(inputShapes).append('\n');
        int width = 0;
        for (int x : w) {
            width += x + 2;
        }
        String rule = "=".repeat(width) + "\n";
        b.append(rule).append(line(head, w)).append(rule);
        for (String[] l : lines) {
            b.append(line(l, w));
        }
        b.append(rule);
        b.append("Total params:      ").append(group(totalParams)).append(" (").append(bytes(FLOAT_BYTES * totalParams)).append(")\n");
        b.append("Trainable params:  ").append(group(trainableParams())).append('\n');
        b.append("Frozen params:     ").append(group(frozenParams)).append('\n');
        b.append("Buffer values:     ").append(group(bufferValues))
                .append("  (Keras-style total incl. buffers: ").append(group(totalParams + bufferValues)).append(")\n");
        b.append("Total MACs:        ").append(group(totalMacs)).append(" per sample\n");
        b.append("Activations:       ").append(bytes(activationBytes)).append(" per sample\n");
        b.append("Training memory:   ~").append(bytes(trainingMemoryBytes(batch, 2)))
                .append(" at batch ").append(batch).append(" with Adam (weights + grads + 2 moments + 2x activations)\n");
        return b.toString();
    }

    /** The summary as a JSON-ready map (totals, memory estimate for {@code batch}, rows). */
    public Map<String, Object> toMap(int batch) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model", modelName);
        m.put("input_shapes", inputShapes.stream().map(ModelSummary::dims).toList());
        m.put("total_params", totalParams);
        m.put("trainable_params", trainableParams());
        m.put("frozen_params", frozenParams);
        m.put("buffer_values", bufferValues);
        m.put("total_macs", totalMacs);
        m.put("activation_bytes_per_sample", activationBytes);
        m.put("batch_size", batch);
        m.put("training_memory_bytes_adam", trainingMemoryBytes(batch, 2));
        m.put("training_memory_bytes_sgd", trainingMemoryBytes(batch, 0));
        List<Map<String, Object>> rs = new ArrayList<>();
        for (Row r : rows) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("name", r.name());
            row.put("type", r.type());
            row.put("depth", r.depth());
            row.put("output_shape", dims(r.outputShape()));
            row.put("params", r.params());
            row.put("trainable_params", r.trainableParams());
            row.put("frozen_params", r.frozenParams());
            row.put("buffer_values", r.bufferValues());
            row.put("macs", r.macs());
            row.put("activation_bytes", r.activationBytes());
            rs.add(row);
        }
        m.put("rows", rs);
        return m;
    }

    public String toJson(int batch) {
        return Json.toPretty(Json.toTree(toMap(batch)));
    }

    private static List<Integer> dims(Shape s) {
        List<Integer> d = new ArrayList<>();
        for (int i = 0; i < s.rank(); i++) {
            d.add(s.dim(i));
        }
        return d;
    }

    private static String line(String[] cells, int[] w) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < cells.length; i++) {
            String c = cells[i];
            boolean right = i >= 2;
            String pad = " ".repeat(w[i] - c.length());
            b.append(right ? pad + c : c + pad).append("  ");
        }
        return b.toString().stripTrailing() + "\n";
    }

    static String group(long v) {
        return String.format(Locale.ROOT, "%,d", v);
    }

    static String bytes(long b) {
        if (b < 1024) {
            return b + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = b;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }
}

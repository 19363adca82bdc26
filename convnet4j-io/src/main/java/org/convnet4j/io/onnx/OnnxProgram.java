package org.convnet4j.io.onnx;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.convnet4j.io.onnx.OnnxModel.Node;
import org.convnet4j.io.onnx.OnnxModel.ValueInfo;
import org.convnet4j.nn.GradMode;
import org.convnet4j.nn.Graph;
import org.convnet4j.tensor.Tensor;

/**
 * An imported ONNX model with typed values ({@link OnnxImporter#importProgram}): the float {@link Graph} (batch
 * axis first, trainable, as {@link OnnxImporter#importModel} gives it) and, after it, the nodes of the typed path,
 * evaluated exactly on {@link TensorData} — integer and boolean tensors, tensors without a batch axis, comparisons,
 * {@code Shape}/{@code Size} of the run's actual tensors, Dropout's mask. {@link #run} is inference.
 */
public final class OnnxProgram {
    /** Integers the float layers read as float32 must lie within this magnitude to stay exact. */
    private static final long FLOAT_EXACT = 1L << 24;

    private final String what;
    private final Graph graph;
    private final List<String> graphInputValues;
    private final List<List<String>> graphOutputValues;
    private final List<String> inputs;
    private final Map<String, ValueInfo> declared = new HashMap<>();
    private final List<Node> typedNodes;
    private final Map<String, TensorData> constants;
    private final List<ValueInfo> outputs;
    private final long opset;

    OnnxProgram(String what, Graph graph, List<String> graphInputValues, List<List<String>> graphOutputValues,
                List<String> inputs, List<ValueInfo> declaredInputs, List<Node> typedNodes,
                Map<String, TensorData> constants, List<ValueInfo> outputs, long opset) {
        this.what = what;
        this.graph = graph;
        this.graphInputValues = List.copyOf(graphInputValues);
        this.graphOutputValues = List.copyOf(graphOutputValues);
        this.inputs = List.copyOf(inputs);
        declaredInputs.forEach(v -> declared.put(v.name(), v));
        this.typedNodes = List.copyOf(typedNodes);
        this.constants = Map.copyOf(constants);
        this.outputs = List.copyOf(outputs);
        this.opset = opset;
    }

    /** The float part (null when every output is computed on the typed path). */
    public Graph graph() {
        return graph;
    }

    /** The graph inputs fed at run time, in file order. */
    public List<String> inputNames() {
        return inputs;
    }

    /** Names of the outputs, in file order. */
    public List<String> outputNames() {
        return outputs.stream().map(ValueInfo::name).toList();
    }

    /** How many nodes run on the typed path. */
    public int typedNodeCount() {
        return typedNodes.size();
    }

    /**
     * Runs the model on one value per {@link #inputNames()} entry (each of its declared element type) and returns
     * the graph outputs, each of its declared element type (float results of the float layers that the file declares
     * integer, e.g. ArgMax or a max pool of UINT8 values, must be whole numbers).
     *
     * @throws IllegalArgumentException naming the input or node when a value does not fit
     */
    public List<TensorData> run(List<TensorData> values) {
        if (values.size() != inputs.size()) {
            throw new IllegalArgumentException(what + ": " + values.size() + " inputs given, " + inputs.size()
                    + " expected " + inputs);
        }
        Map<String, TensorData> env = new HashMap<>();
        for (int i = 0; i < values.size(); i++) {
            TensorData v = values.get(i);
            ValueInfo d = declared.get(inputs.get(i));
            if (d != null && d.elemType() != 0 && family(d.elemType()) != family(v.dataType())) {
                throw new IllegalArgumentException(what + ": input '" + inputs.get(i) + "' is declared "
                        + OnnxModel.typeName(d.elemType()) + ", given " + OnnxModel.typeName(v.dataType()));
            }
            env.put(inputs.get(i), new TensorData(inputs.get(i), v.dataType(), v.dims(), v.floats(), v.longs(),
                    v.doubles()));
        }
        if (graph != null) {
            List<Tensor> feed = new ArrayList<>();
            for (String name : graphInputValues) {
                TensorData t = env.get(name);
                if (t.isInteger()) {
                    for (long x : t.longs()) {
                        if (Math.abs(x) > FLOAT_EXACT) {
                            throw new IllegalArgumentException(what + ": integer input '" + name + "' holds " + x
                                    + ", beyond 2^24, which the float layers cannot hold exactly");
                        }
                    }
                }
                feed.add(t.toTensor());
            }
            List<Tensor> got = GradMode.withoutGradients(() -> graph.forwardMulti(feed, false));
            for (int i = 0; i < got.size(); i++) {
                for (String v : graphOutputValues.get(i)) {
                    env.put(v, TensorData.of(v, got.get(i)));
                }
            }
        }
        for (Node n : typedNodes) {
            List<TensorData> in = new ArrayList<>();
            for (String v : n.inputs()) {
                in.add(v.isEmpty() ? null : env.containsKey(v) ? env.get(v) : constants.get(v));
            }
            try {
                List<TensorData> results = OnnxFolding.evaluate(n, in, opset);
                for (int k = 0; k < results.size() && k < n.outputs().size(); k++) {
                    if (!n.outputs().get(k).isEmpty()) {
                        env.put(n.outputs().get(k), results.get(k));
                    }
                }
            } catch (IllegalArgumentException | IndexOutOfBoundsException | NullPointerException e) {
                throw new IllegalArgumentException(what + ": " + n.opType() + " node '" + (n.name().isEmpty()
                        ? n.outputs().get(0) : n.name()) + "': " + e.getMessage(), e);
            }
        }
        List<TensorData> out = new ArrayList<>();
        for (ValueInfo o : outputs) {
            TensorData t = env.containsKey(o.name()) ? env.get(o.name()) : constants.get(o.name());
            if (t == null) {
                throw new IllegalStateException(what + ": output '" + o.name() + "' was not computed");
            }
            out.add(declaredType(t, o));
        }
        return out;
    }

    private static int family(int type) {
        return OnnxModel.isFloating(type) ? 0 : type == OnnxModel.BOOL ? 2 : 1;
    }

    /** A float result of the float layers given the output's declared integer or boolean type. */
    private TensorData declaredType(TensorData t, ValueInfo o) {
        int type = o.elemType();
        if (t.isInteger() || type == 0 || type == t.dataType()) {
            return t;
        }
        if (family(type) == 0) { // a float32 result of the float layers, given the declared floating type
            double[] v = new double[t.floats().length];
            for (int i = 0; i < v.length; i++) {
                v[i] = t.floats()[i];
            }
            return new OnnxFolding.Arr(type, t.dims().clone(), v).data(t.name());
        }
        long[] l = new long[t.floats().length];
        for (int i = 0; i < l.length; i++) {
            float f = t.floats()[i];
            if (f != Math.rint(f) || Math.abs(f) > FLOAT_EXACT) {
                throw new IllegalArgumentException(what + ": output '" + o.name() + "' is declared "
                        + OnnxModel.typeName(type) + " but element " + i + " is " + f);
            }
            l[i] = OnnxFolding.wrap(type, (long) f);
        }
        float[] f = new float[l.length];
        for (int i = 0; i < l.length; i++) {
            f[i] = l[i];
        }
        return new TensorData(t.name(), type, t.dims().clone(), f, l);
    }

    @Override
    public String toString() {
        return "OnnxProgram[" + what + ": inputs " + inputs + ", outputs " + outputNames() + ", typed nodes "
                + typedNodes.size() + (graph == null ? ", no float graph" : "") + "]";
    }
}

package org.convnet4j.nn.layers;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.convnet4j.nn.GradMode;
import org.convnet4j.nn.Layer;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;

/**
 * {@code a op b} element-wise for two inputs of the same rank with NumPy broadcasting (each dimension
 * equal or 1), op one of add, sub, mul, div. ONNX's Add/Sub/Mul/Div between two computed tensors.
 * Unlike {@link Add} it broadcasts, e.g. [C, H, W] times a per-channel gate [C, 1, 1].
 */
public final class Arithmetic extends Layer {
    private final ArithmeticOp op;
    private Tensor a;
    private Tensor b;
    private int[] aMap;
    private int[] bMap;
    private int[] aMapDims; // the operand shapes the index maps were built for (built once per pair of shapes)
    private int[] bMapDims;
    private boolean same; // the last forward pass had two operands of one shape: no maps
    private int repeat;
    private boolean gateIsA;

    public Arithmetic(ArithmeticOp op) {
        if (op == null) {
            throw new IllegalArgumentException("Arithmetic: op must not be null");
        }
        this.op = op;
    }

    public ArithmeticOp op() {
        return op;
    }

    @Override
    public int minInputs() {
        return 2;
    }

    @Override
    public int maxInputs() {
        return 2;
    }

    @Override
    public Shape outputShape(List<Shape> inputShapes) {
        requireInputs(inputShapes);
        int[] out = Broadcasting.shape(inputShapes.get(0).dims(), inputShapes.get(1).dims());
        if (out == null) {
            throw new IllegalArgumentException(describe() + ": shapes " + inputShapes.get(0) + " and "
                    + inputShapes.get(1) + " do not broadcast (same rank, each dimension equal or 1)");
        }
        return Shape.of(out);
    }

    @Override
    public Tensor forward(List<Tensor> inputs, boolean training) {
        requireInputs(inputs);
        Tensor a = inputs.get(0);
        Tensor b = inputs.get(1);
        this.a = GradMode.keep(a);
        this.b = GradMode.keep(b);
        int[] out = Broadcasting.shape(a.shape().dims(), b.shape().dims());
        if (out == null) {
            throw new IllegalArgumentException(describe() + ": shapes " + a.shape() + " and " + b.shape()
                    + " do not broadcast");
        }
        Tensor y = Tensor.zeros(Shape.of(out));
        float[] yd = y.data();
        float[] ad = a.data();
        float[] bd = b.data();
        // fast paths: equal shapes (residual additions, SiLU's x * sigmoid(x)) and a gate that repeats over
        // trailing axes (squeeze-and-excitation's [N, C, H, W] * [N, C, 1, 1]): no index maps
        same = java.util.Arrays.equals(a.shape().dims(), b.shape().dims());
        if (same) {
            this.repeat = 0;
            switch (op) {
                case ADD -> {
                    for (int k = 0; k < yd.length; k++) {
                        yd[k] = ad[k] + bd[k];
                    }
                }
                case MUL -> {
                    for (int k = 0; k < yd.length; k++) {
                        yd[k] = ad[k] * bd[k];
                    }
                }
                default -> {
                    for (int k = 0; k < yd.length; k++) {
                        yd[k] = op.apply(ad[k], bd[k]);
                    }
                }
            }
            return y;
        }
        int bRepeat = Broadcasting.trailingRepeat(b.shape().dims(), out);
        int aRepeat = Broadcasting.trailingRepeat(a.shape().dims(), out);
        if (op == ArithmeticOp.MUL && (aRepeat == 1 && bRepeat >= 1 || bRepeat == 1 && aRepeat >= 1)) {
            gateIsA = aRepeat != 1;
            float[] full = gateIsA ? bd : ad;
            float[] gate = gateIsA ? ad : bd;
            int repeat = gateIsA ? aRepeat : bRepeat;
            for (int i = 0, k = 0; i < gate.length; i++) {
                float g = gate[i];
                for (int j = 0; j < repeat; j++, k++) {
                    yd[k] = full[k] * g;
                }
            }
            this.repeat = repeat;
            return y;
        }
        this.repeat = 0;
        if (aMap == null || !java.util.Arrays.equals(a.shape().dims(), aMapDims)
                || !java.util.Arrays.equals(b.shape().dims(), bMapDims)) {
            // the maps depend only on the two shapes: built once per pair, not per pass
            aMap = Broadcasting.indexMap(a.shape().dims(), out);
            bMap = Broadcasting.indexMap(b.shape().dims(), out);
            aMapDims = a.shape().dims().clone();
            bMapDims = b.shape().dims().clone();
        }
        for (int k = 0; k < yd.length; k++) {
            yd[k] = op.apply(ad[aMap[k]], bd[bMap[k]]);
        }
        return y;
    }

    @Override
    public List<Tensor> backwardAll(Tensor gradOutput) {
        fromForward(a);
        Tensor da = Tensor.zeros(a.shape());
        Tensor db = Tensor.zeros(b.shape());
        float[] g = gradOutput.data();
        float[] ad = a.data();
        float[] bd = b.data();
        if (same) {
            float[] dA = da.data();
            float[] dB = db.data();
            for (int k = 0; k < g.length; k++) {
                dA[k] = g[k] * op.dA(ad[k], bd[k]);
                dB[k] = g[k] * op.dB(ad[k], bd[k]);
            }
            List<Tensor> out = new ArrayList<>(2);
            out.add(da);
            out.add(db);
            return out;
        }
        if (repeat > 0) {
            float[] dFull = gateIsA ? db.data() : da.data();
            float[] dGate = gateIsA ? da.data() : db.data();
            float[] full = gateIsA ? bd : ad;
            float[] gates = gateIsA ? ad : bd;
            for (int i = 0, k = 0; i < gates.length; i++) {
                float gate = gates[i];
                double acc = 0;
                for (int j = 0; j < repeat; j++, k++) {
                    dFull[k] = g[k] * gate;
                    acc += g[k] * full[k];
                }
                dGate[i] = (float) acc;
            }
            List<Tensor> out = new ArrayList<>(2);
            out.add(da);
            out.add(db);
            return out;
        }
        for (int k = 0; k < g.length; k++) {
            float x = ad[aMap[k]];
            float z = bd[bMap[k]];
            da.data()[aMap[k]] += g[k] * op.dA(x, z);
            db.data()[bMap[k]] += g[k] * op.dB(x, z);
        }
        List<Tensor> out = new ArrayList<>(2);
        out.add(da);
        out.add(db);
        return out;
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = super.config();
        c.put("op", op.id());
        return c;
    }
}

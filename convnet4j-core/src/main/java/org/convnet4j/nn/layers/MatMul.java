package org.convnet4j.nn.layers;

import java.util.ArrayList;
import java.util.List;
import org.convnet4j.nn.GradMode;
import org.convnet4j.nn.Layer;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.tensor.kernels.KernelProvider;

/**
 * The matrix product of two computed tensors, batched over every leading axis (ONNX MatMul of two activations,
 * as attention-like blocks use): per sample A [..., M, K] times B [..., K, P] gives [..., M, P], the leading
 * axes equal. Gradients: dA = dY B^T, dB = A^T dY.
 */
public final class MatMul extends Layer {
    private Tensor a;
    private Tensor b;

    @Override
    public int minInputs() {
        return 2;
    }

    @Override
    public int maxInputs() {
        return 2;
    }

    @Override
    public Shape outputShape(List<Shape> in) {
        requireInputs(in);
        Shape sa = in.get(0);
        Shape sb = in.get(1);
        int r = sa.rank();
        boolean ok = r >= 2 && sb.rank() == r && sa.dim(r - 1) == sb.dim(r - 2);
        for (int i = 0; ok && i < r - 2; i++) {
            ok = sa.dim(i) == sb.dim(i);
        }
        if (!ok) {
            throw new IllegalArgumentException(describe() + ": per-sample shapes " + sa + " and " + sb
                    + " do not multiply ([..., M, K] times [..., K, P], equal leading axes)");
        }
        return sa.withDim(r - 1, sb.dim(r - 1));
    }

    @Override
    public Tensor forward(List<Tensor> inputs, boolean training) {
        Tensor x = inputs.get(0);
        Tensor w = inputs.get(1);
        Shape out = outputShape(List.of(x.shape().dropFirst(), w.shape().dropFirst())).prepend(x.dim(0));
        int r = x.rank();
        int m = x.dim(r - 2);
        int k = x.dim(r - 1);
        int p = w.dim(r - 1);
        int count = x.size() / (m * k);
        Tensor y = Tensor.zeros(out);
        for (int i = 0; i < count; i++) {
            KernelProvider.get().sgemm(false, false, m, p, k, 1f, x.data(), i * m * k, k, w.data(), i * k * p, p, 0f,
                    y.data(), i * m * p, p);
        }
        a = GradMode.keep(x);
        b = GradMode.keep(w);
        return y;
    }

    @Override
    public List<Tensor> backwardAll(Tensor dy) {
        Tensor x = fromForward(a);
        int r = x.rank();
        int m = x.dim(r - 2);
        int k = x.dim(r - 1);
        int p = b.dim(r - 1);
        int count = x.size() / (m * k);
        Tensor da = Tensor.zeros(x.shape());
        Tensor db = Tensor.zeros(b.shape());
        for (int i = 0; i < count; i++) {
            KernelProvider.get().sgemm(false, true, m, k, p, 1f, dy.data(), i * m * p, p, b.data(), i * k * p, p, 0f,
                    da.data(), i * m * k, k);
            KernelProvider.get().sgemm(true, false, k, p, m, 1f, x.data(), i * m * k, k, dy.data(), i * m * p, p, 0f,
                    db.data(), i * k * p, p);
        }
        List<Tensor> out = new ArrayList<>(2);
        out.add(da);
        out.add(db);
        return out;
    }

    @Override
    public long macs(List<Shape> in) {
        Shape o = outputShape(in);
        return (long) o.size() * in.get(0).dim(in.get(0).rank() - 1);
    }
}

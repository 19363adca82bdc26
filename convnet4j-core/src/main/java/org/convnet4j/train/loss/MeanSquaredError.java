package org.convnet4j.train.loss;

import org.convnet4j.tensor.Tensor;

/**
 * Mean of squared differences over all elements (PyTorch's {@code MSELoss}); gradient {@code 2(o - t)/count}.
 * With class labels the target is the one-hot vector.
 */
public final class MeanSquaredError implements Loss {
    @Override
    public String name() {
        return "mean_squared_error";
    }

    @Override
    public LossValue compute(Tensor output, Tensor target) {
        Loss.requireSameShape("MeanSquaredError", output, target);
        float[] o = output.data();
        float[] t = target.data();
        int count = o.length;
        Tensor grad = Tensor.zeros(output.shape());
        float[] g = grad.data();
        double total = 0;
        for (int i = 0; i < count; i++) {
            double d = (double) o[i] - t[i];
            total += d * d;
            g[i] = (float) (2 * d / count);
        }
        return new LossValue(total / count, grad);
    }
}

package org.convnet4j.train.optim;

import java.util.List;
import java.util.Map;
import org.convnet4j.nn.Model;
import org.convnet4j.nn.Parameter;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.tensor.kernels.Kernels;

/**
 * Adam (Kingma and Ba) with bias correction and, like PyTorch's {@code torch.optim.Adam}, weight decay added
 * to the gradient (L2, coupled). Per parameter, with its own step count t:
 * <pre>
 *   g = grad + weightDecay · θ
 *   m = β1 · m + (1 - β1) · g
 *   v = β2 · v + (1 - β2) · g²
 *   θ = θ - lr / (1 - β1^t) · m / (sqrt(v) / sqrt(1 - β2^t) + eps)
 * </pre>
 * {@link AdamW} decays the weights directly instead. The bias corrections are computed in double once per step;
 * the element-wise update runs in float, like PyTorch, in the vectorised {@code Kernels.adamUpdate} (with
 * {@code AbstractOptimizer.fusedStep}, in one parallel call with every other parameter's; else on the calling thread).
 */
public class Adam extends AbstractOptimizer {
    static final String EXP_AVG = "exp_avg";
    static final String EXP_AVG_SQ = "exp_avg_sq";
    static final String STEP = "step";
    private final boolean decoupled;
    private double beta1 = 0.9;
    private double beta2 = 0.999;
    private double eps = 1e-8;

    public Adam(Model model, double lr) {
        this(allOf(model), lr);
    }

    public Adam(List<ParamGroup> groups, double lr) {
        this(groups, lr, false);
    }

    Adam(List<ParamGroup> groups, double lr, boolean decoupled) {
        super(groups, lr);
        this.decoupled = decoupled;
    }

    public Adam betas(double b1, double b2) {
        if (!(b1 >= 0 && b1 < 1 && b2 >= 0 && b2 < 1)) {
            throw new IllegalArgumentException(name() + ": betas must be in [0, 1), got (" + b1 + ", " + b2 + ")");
        }
        this.beta1 = b1;
        this.beta2 = b2;
        return this;
    }

    public Adam eps(double value) {
        if (!(value >= 0) || Double.isInfinite(value)) {
            throw new IllegalArgumentException(name() + ": eps must be >= 0, got " + value);
        }
        this.eps = value;
        return this;
    }

    public Adam weightDecay(double value) {
        setWeightDecay(value);
        return this;
    }

    @Override
    public String name() {
        return "adam";
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = super.config();
        c.put("beta1", beta1);
        c.put("beta2", beta2);
        c.put("eps", eps);
        c.put("decoupled_weight_decay", decoupled);
        return c;
    }

    @Override
    protected Map<String, Shape> slotShapes(Shape s) {
        return shapes(EXP_AVG, s, EXP_AVG_SQ, s, STEP, Shape.of(2));
    }

    @Override
    protected Update prepare(String name, Parameter p, double lr, double weightDecay, Kernels k) {
        Tensor mt = slot(name, EXP_AVG);
        if (mt == null) {
            mt = Tensor.zeros(p.shape());
            putSlot(name, EXP_AVG, mt);
            putSlot(name, EXP_AVG_SQ, Tensor.zeros(p.shape()));
            putSlot(name, STEP, encodeCount(0));
        }
        long t = decodeCount(name + "." + STEP, slot(name, STEP)) + 1;
        putSlot(name, STEP, encodeCount(t));
        float[] m = mt.data();
        float[] v = slot(name, EXP_AVG_SQ).data();
        float[] w = p.value().data();
        float[] grad = p.grad().data();
        float stepSize = (float) (lr / (1 - Math.pow(beta1, t)));
        float correction2Sqrt = (float) Math.sqrt(1 - Math.pow(beta2, t));
        float l2 = (float) (decoupled ? 0 : weightDecay);
        float shrink = (float) (decoupled ? 1 - lr * weightDecay : 1);
        float b1 = (float) beta1;
        float b1Rest = (float) (1 - beta1);
        float b2 = (float) beta2;
        float b2Rest = (float) (1 - beta2);
        float e = (float) eps;
        return (from, to) -> k.adamUpdate(to - from, w, from, grad, from, m, from, v, from, b1, b1Rest, b2, b2Rest, l2,
                shrink, stepSize, correction2Sqrt, e);
    }
}

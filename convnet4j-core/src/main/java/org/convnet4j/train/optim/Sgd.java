package org.convnet4j.train.optim;

import java.util.List;
import java.util.Map;
import org.convnet4j.nn.Model;
import org.convnet4j.nn.Parameter;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.tensor.kernels.Kernels;
import org.convnet4j.tensor.kernels.ParallelChunks;

/**
 * Stochastic gradient descent with optional momentum, Nesterov momentum and L2 weight decay, following the
 * update of PyTorch's {@code torch.optim.SGD}:
 * <pre>
 *   g = grad + weightDecay · θ
 *   b = g                              on a parameter's first update
 *   b = momentum · b + (1 - dampening) · g   afterwards
 *   g = nesterov ? g + momentum · b : b      (when momentum ≠ 0)
 *   θ = θ - lr · g
 * </pre>
 * computed in float, like PyTorch, by the vectorised {@code Kernels.sgdUpdate}.
 */
public final class Sgd extends AbstractOptimizer {
    static final String BUFFER = "momentum_buffer";
    private double momentum;
    private double dampening;
    private boolean nesterov;

    public Sgd(Model model, double lr) {
        this(allOf(model), lr);
    }

    public Sgd(List<ParamGroup> groups, double lr) {
        super(groups, lr);
    }

    public Sgd momentum(double value) {
        if (!(value >= 0 && value < 1)) {
            throw new IllegalArgumentException("sgd: momentum must be in [0, 1), got " + value);
        }
        this.momentum = value;
        checkNesterov();
        return this;
    }

    public Sgd dampening(double value) {
        if (!(value >= 0 && value <= 1)) {
            throw new IllegalArgumentException("sgd: dampening must be in [0, 1], got " + value);
        }
        this.dampening = value;
        checkNesterov();
        return this;
    }

    /** Nesterov momentum; needs momentum > 0 and no dampening (as in PyTorch). Set momentum first. */
    public Sgd nesterov(boolean value) {
        this.nesterov = value;
        checkNesterov();
        return this;
    }

    public Sgd weightDecay(double value) {
        setWeightDecay(value);
        return this;
    }

    private void checkNesterov() {
        if (nesterov && (momentum <= 0 || dampening != 0)) {
            throw new IllegalArgumentException("sgd: Nesterov momentum needs momentum > 0 and zero dampening (momentum "
                    + momentum + ", dampening " + dampening + ")");
        }
    }

    @Override
    public String name() {
        return "sgd";
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = super.config();
        c.put("momentum", momentum);
        c.put("dampening", dampening);
        c.put("nesterov", nesterov);
        return c;
    }

    @Override
    protected Map<String, Shape> slotShapes(Shape s) {
        return momentum == 0 ? Map.of() : shapes(BUFFER, s);
    }

    @Override
    protected Update prepare(String name, Parameter p, double lr, double weightDecay, Kernels k) {
        float[] w = p.value().data();
        float[] grad = p.grad().data();
        float[] buf = null;
        boolean first = false;
        if (momentum != 0) {
            Tensor b = slot(name, BUFFER);
            if (b == null) {
                b = Tensor.zeros(p.shape());
                putSlot(name, BUFFER, b);
                first = true;
            }
            buf = b.data();
        }
        float[] b = buf;
        boolean init = first;
        float rate = (float) lr;
        float decay = (float) weightDecay;
        float mom = (float) momentum;
        float keep = (float) (1 - dampening);
        boolean ahead = nesterov;
        return (from, to) -> k.sgdUpdate(to - from, w, from, grad, from, b, from, rate, decay, mom, keep, ahead, init);
    }

    @Override
    protected void updateAlone(Update update, int n, Kernels k) {
        // each chunk is updated by the same kernel call on the same values: the bits of one call over all of w
        ParallelChunks.run(k, n, parallelUpdate, (from, to) -> update.run((int) from, (int) to));
    }

    /**
     * Values per task of a parameter's update on the kernels' threads ({@link ParallelChunks#VALUES}): a multiple of
     * every vector length, so a chunk's vector loop and tail split the values as one call over the whole parameter does
     * (an element's result depends only on whether it is in the vector loop or the tail), the same bits.
     */
    static final int UPDATE_CHUNK = ParallelChunks.VALUES;

    /**
     * With {@code AbstractOptimizer.fusedStep} off: parameters of at least two chunks are updated on the kernels'
     * threads, each in a parallel call of its own (ResNet-50: 24 ms of a W6 step ran on the caller alone while the
     * second core waited; LeNet-5's largest parameter, 48 K values, stays on the caller);
     * {@code -Dconvnet4j.optim.parallelUpdate=false}: on the caller (same bits; for A/B runs).
     */
    static volatile boolean parallelUpdate = !"false".equals(System.getProperty("convnet4j.optim.parallelUpdate"));
}

package org.convnet4j.nn.layers;

import java.util.List;
import java.util.Map;
import java.util.function.IntConsumer;
import org.convnet4j.nn.GradMode;
import org.convnet4j.nn.InPlace;
import org.convnet4j.nn.Layer;
import org.convnet4j.nn.ReluMasked;
import org.convnet4j.nn.Parameter;
import org.convnet4j.nn.StepBuffers;
import org.convnet4j.nn.TrainingReluFusion;
import org.convnet4j.nn.UnaryLayer;
import org.convnet4j.nn.init.Initializer;
import org.convnet4j.ops.ConvEpilogue;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.tensor.kernels.KernelProvider;
import org.convnet4j.tensor.kernels.Kernels;

/**
 * Batch normalisation over the channel axis (per-sample axis 0), with statistics taken over the batch and
 * every other axis: {@code y = gamma * (x - mean) / sqrt(var + eps) + beta}. {@link BatchNorm2d} is the
 * [C, H, W] form, {@link BatchNorm1d} the [F] (or [C, L]) form.
 *
 * <p>Parameters: learnable {@code gamma} (starts at 1) and {@code beta} (starts at 0), buffers
 * {@code running_mean} (0) and {@code running_var} (1), all of shape [C], as PyTorch names them.
 *
 * <p>Modes, following PyTorch where it and Keras agree:
 * <ul>
 *   <li>training forward: normalises with the batch mean and the biased batch variance, then updates
 *       {@code running = (1 - momentum) * running + momentum * batch}, using the <em>unbiased</em> variance
 *       (times M/(M-1), M = values per channel) for {@code running_var}. Defaults momentum 0.1, eps 1e-5.
 *       Note Keras' momentum is the other way round (0.99 there is 0.01 here).</li>
 *   <li>inference forward: normalises with the running statistics and leaves them alone.</li>
 *   <li><b>frozen layer</b> ({@code !isTrainable()}): always behaves as in inference, even in a training
 *       pass, and never updates the running statistics. This is Keras' rule (since TF 2.0) and what
 *       fine-tuning needs: a frozen pretrained base whose batch norms switched to the small, differently
 *       distributed fine-tuning batches would drift its statistics and wreck the features. The trap: in
 *       PyTorch, freezing ({@code requires_grad=False}) does <em>not</em> do this; a model imported from
 *       PyTorch and frozen here behaves like {@code model.eval()} for these layers.</li>
 * </ul>
 *
 * <p>The per-channel loops run on the provider's vectorised kernels: statistics with {@link Kernels#sumWide}
 * and {@link Kernels#sumSquaredDeviations} (float blocks added in double), the normalisation with
 * {@link Kernels#normalizeAffine} and the backward pass with {@link Kernels#batchNormBackward}.
 */
public abstract class BatchNorm extends UnaryLayer implements InPlace, ReluMasked, TrainingReluFusion {
    private static final Kernels K = KernelProvider.get();
    /** Tensors at least this large are normalised plane by plane on the kernels' threads. */
    private static final long PARALLEL_MIN_VALUES = 1 << 16;
    private double momentum = 0.1;
    private double eps = 1e-5;
    private Shape built;
    private Parameter gamma;
    private Parameter beta;
    private Parameter runningMean;
    private Parameter runningVar;

    // cache of the last forward pass
    private Tensor xhat;          // normalised input
    private final StepBuffers.Slots buffers = new StepBuffers.Slots(3); // output, x-hat, input gradient
    private float[] invStd;       // 1/sqrt(var + eps) per channel, of whichever statistics were used
    private boolean usedBatchStats;

    /** Per-sample input ranks this form accepts, and a description for messages. */
    protected abstract boolean acceptsRank(int rank);

    protected abstract String expectedInput();

    public BatchNorm momentum(double m) {
        if (!(m >= 0 && m <= 1)) {
            throw new IllegalArgumentException(describe() + ": momentum must be in [0, 1], got " + m);
        }
        momentum = m;
        return this;
    }

    public BatchNorm eps(double e) {
        requireUnbuilt("eps");
        if (!(e > 0) || !Double.isFinite(e)) {
            throw new IllegalArgumentException(describe() + ": eps must be > 0, got " + e);
        }
        eps = e;
        return this;
    }

    public double momentum() {
        return momentum;
    }

    public double eps() {
        return eps;
    }

    /** Channels normalised (the first dimension of the per-sample input); -1 before the layer is built. */
    public int channels() {
        return built == null ? -1 : built.dim(0);
    }

    /**
     * This layer in inference mode (running statistics) as a convolution epilogue, optionally followed by ReLU:
     * the same values and kernel calls as {@link #forward} with fixed statistics, so fusing changes no bit.
     */
    public ConvEpilogue inferenceEpilogue(boolean relu) {
        return inferenceEpilogue(relu ? ConvEpilogue.RELU : null);
    }

    /**
     * As {@link #inferenceEpilogue(boolean)}, followed by {@code activation} (null: none). Allocates nothing once
     * made: the epilogue reads the parameters' own arrays, and 1/sqrt(running variance + eps) is kept with the
     * running variance's version ({@link Parameter#derived}), so the same epilogue serves every call until a
     * statistic or weight changes (every writer calls {@link Parameter#changed()}; a training pass does).
     */
    public ConvEpilogue inferenceEpilogue(ConvEpilogue.Activation activation) {
        if (built == null) {
            throw new IllegalStateException(describe() + ": not built yet; add it to a model first");
        }
        float[] is = keptRunningInvStd();
        float[] rm = runningMean.value().data();
        float[] g = gamma.value().data();
        float[] b = beta.value().data();
        ConvEpilogue last = lastEpilogue;
        if (last != null && last.invStd() == is && last.mean() == rm && last.gamma() == g && last.beta() == b
                && last.activation() == activation) {
            return last;
        }
        ConvEpilogue made = new ConvEpilogue(rm, is, g, b, activation);
        lastEpilogue = made;
        return made;
    }

    /** The last epilogue handed out (threads may race to set it: each one they make is right). */
    private volatile ConvEpilogue lastEpilogue;

    /** Key of the running 1/sqrt(var + eps) in the running variance's derived slot (eps is fixed once built). */
    private static final String INV_STD = "batchnorm.runningInvStd";

    /**
     * 1/sqrt(running variance + eps) of the current running variance, computed once per version of it and shared
     * read-only (never written: the training branch of {@link #forward} makes its own array).
     */
    private float[] keptRunningInvStd() {
        return runningVar.derived(INV_STD, this::runningInvStd);
    }

    /**
     * Runs {@code body} for every channel, on the kernels' threads when the tensor is large. Channels are
     * independent (statistics, running averages, gradients and output planes per channel), so the split does
     * not change any result.
     */
    private static void forEachChannel(int c, long valuesPerChannel, IntConsumer body) {
        if (valuesPerChannel * c >= PARALLEL_MIN_VALUES) {
            K.parallelFor(c, body);
        } else {
            for (int ch = 0; ch < c; ch++) {
                body.accept(ch);
            }
        }
    }

    /** 1 / sqrt(running variance + eps) per channel, as inference normalises with. */
    private float[] runningInvStd() {
        float[] rv = runningVar.value().data();
        float[] out = new float[rv.length];
        for (int ch = 0; ch < rv.length; ch++) {
            out[ch] = (float) (1.0 / Math.sqrt(rv[ch] + eps));
        }
        return out;
    }

    public Parameter gamma() {
        return gamma;
    }

    public Parameter beta() {
        return beta;
    }

    public Parameter runningMean() {
        return runningMean;
    }

    public Parameter runningVar() {
        return runningVar;
    }

    @Override
    protected boolean isBuilt() {
        return built != null;
    }

    @Override
    protected Shape outputShapeOf(Shape input) {
        if (!acceptsRank(input.rank())) {
            throw new IllegalArgumentException(describe() + ": expects " + expectedInput() + ", got " + input);
        }
        if (built == null) {
            int c = input.dim(0);
            gamma = Parameter.learnable("gamma", Shape.of(c), Initializer.ONES, 1, 1);
            beta = Parameter.learnable("beta", Shape.of(c), Initializer.ZEROS, 1, 1);
            gamma.setFrozen(!isTrainable());
            beta.setFrozen(!isTrainable());
            runningMean = Parameter.buffer("running_mean", Tensor.zeros(c));
            runningVar = Parameter.buffer("running_var", Tensor.full(Shape.of(c), 1f));
            built = input;
        } else if (!built.equals(input)) {
            throw new IllegalArgumentException(describe() + ": built for input " + built + ", given " + input);
        }
        return input;
    }

    @Override
    public Tensor forward(Tensor x, boolean training) {
        return forward(x, training, false, false);
    }

    /**
     * Switch for A/B runs ({@code FlagAB}): {@code false} leaves a following ReLU its own pass in training
     * ({@code -Dconvnet4j.bn.trainingRelu=false}). On: max(0, .) goes over each output plane right after its
     * normalisation, while the plane is in cache ({@link TrainingReluFusion}; the same kernel on every value: the same
     * bits).
     */
    static volatile boolean trainingRelu = !"false".equals(System.getProperty("convnet4j.bn.trainingRelu"));

    @Override
    public boolean absorbsRelu(Layer next) {
        return trainingRelu && next instanceof ReLU;
    }

    @Override
    public Tensor forwardWithRelu(List<Tensor> inputs, int target, boolean training, Layer relu) {
        requireInputs(inputs);
        Tensor y = forward(inputs.get(0), training, target >= 0 && GradMode.isEnabled(), true);
        ((ReLU) relu).ranOver(y);
        return y;
    }

    /**
     * The training forward pass with x-hat written over the input (the memory plan: batch norm's backward needs
     * x-hat, not x; every statistic is taken before the first value is overwritten, plane by plane the kernel reads
     * each value before writing it). The output is the layer's own tensor, as in {@link #forward}.
     */
    @Override
    public Tensor forwardInPlace(List<Tensor> inputs, int target, boolean training) {
        requireInputs(inputs);
        return forward(inputs.get(0), training, GradMode.isEnabled(), false);
    }

    /** The backward pass with the input gradient written over the output gradient (per channel, after its sums). */
    @Override
    public List<Tensor> backwardInPlace(Tensor gradOutput) {
        return one(backwardInto(gradOutput, gradOutput));
    }

    /** Backward reads x-hat and the statistics, not the output: a following ReLU may work over it. */
    @Override
    public boolean backwardReadsOutput() {
        return false;
    }

    /** The forward pass; with {@code relu} max(0, .) over each output plane after its normalisation. */
    private Tensor forward(Tensor x, boolean training, boolean xhatOverInput, boolean relu) {
        if (built == null) {
            throw new IllegalStateException(describe() + ": not built yet; add it to a model first");
        }
        requireSample(x, built);
        int n = x.dim(0);
        int c = built.dim(0);
        int s = built.size() / c;
        float[] a = x.data();
        float[] g = gamma.value().data();
        float[] b = beta.value().data();
        float[] rm = runningMean.value().data();
        float[] rv = runningVar.value().data();
        usedBatchStats = training && isTrainable();
        if (usedBatchStats && n * s < 2) {
            throw new IllegalArgumentException(describe() + ": training needs more than one value per channel to "
                    + "estimate a variance, got input " + x.shape());
        }
        float[] mean;
        Tensor y = buffers.overwritten(0, x.shape());
        float[] o = y.data();
        // Without gradients x-hat is not kept: the kernel writes it into the output, then the output over it.
        xhat = xhatOverInput ? x : GradMode.isEnabled() ? buffers.overwritten(1, x.shape()) : null;
        float[] h = xhat == null ? o : xhat.data();
        boolean normalized = false;
        if (usedBatchStats) {
            invStd = new float[c];
            mean = new float[c];
            float[] muOut = mean;
            float[] isOut = invStd;
            int m = n * s;
            boolean fused = fusedTraining;
            forEachChannel(c, (long) n * s, ch -> {
                double sum = 0;
                for (int i = 0; i < n; i++) {
                    sum += K.sumWide(s, a, (i * c + ch) * s);
                }
                double mu = sum / m;
                // Deviations from the float mean (what the normalisation subtracts), second pass: no cancellation.
                float muF = (float) mu;
                double sq = 0;
                for (int i = 0; i < n; i++) {
                    sq += K.sumSquaredDeviations(s, a, (i * c + ch) * s, muF);
                }
                double var = sq / m; // biased: what the batch is normalised with
                muOut[ch] = muF;
                isOut[ch] = (float) (1.0 / Math.sqrt(var + eps));
                rm[ch] = (float) ((1 - momentum) * rm[ch] + momentum * mu);
                rv[ch] = (float) ((1 - momentum) * rv[ch] + momentum * (sq / (m - 1)));
                if (fused) {
                    // the channel's planes while they are still in this core's cache: the same call per plane as below
                    for (int i = 0; i < n; i++) {
                        int base = (i * c + ch) * s;
                        K.normalizeAffine(s, a, base, muF, isOut[ch], g[ch], b[ch], h, base, o, base);
                        if (relu) {
                            K.reluForward(s, o, base, o, base);
                        }
                    }
                }
            });
            normalized = fused;
            runningMean.changed(); // the running statistics moved (see Parameter: every writer says so)
            runningVar.changed();
        } else {
            // fixed statistics: the running mean itself and the kept 1/sqrt(var + eps), both only read
            mean = rm;
            invStd = keptRunningInvStd();
        }
        if (normalized) {
            return y;
        }
        float[] mu = mean;
        float[] is = invStd;
        IntConsumer plane = t -> {
            int ch = t % c;
            int base = t * s;
            K.normalizeAffine(s, a, base, mu[ch], is[ch], g[ch], b[ch], h, base, o, base);
            if (relu) {
                K.reluForward(s, o, base, o, base);
            }
        };
        if ((long) n * c * s >= PARALLEL_MIN_VALUES) {
            K.parallelFor(n * c, plane);
        } else {
            for (int t = 0; t < n * c; t++) {
                plane.accept(t);
            }
        }
        return y;
    }

    /**
     * Switch for A/B runs ({@code FlagAB}): {@code false} normalises a training batch in a second parallel call over
     * planes after the statistics of every channel, instead of in the statistics' own task right after each channel's
     * statistics ({@code -Dconvnet4j.bn.fusedTraining=false}). Fused, a channel's planes (ResNet-50 at batch 8: 100 KB
     * at 56x56, 400 KB at 112x112) are normalised while the statistics' second pass left them in the core's cache: one
     * read of the input from memory fewer and one hand-off fewer per layer. Each plane gets the same
     * {@link Kernels#normalizeAffine} call with the same arguments: the same bits.
     */
    static volatile boolean fusedTraining = !"false".equals(System.getProperty("convnet4j.bn.fusedTraining"));

    /**
     * With batch statistics the mean and variance depend on every input, giving
     * {@code dx = gamma * invStd / M * (M dy - sum(dy) - xhat * sum(dy xhat))} per channel; with fixed
     * (running) statistics the layer is affine and {@code dx = gamma * invStd * dy}.
     */
    @Override
    public Tensor backward(Tensor dy) {
        fromForward(xhat);
        return backwardInto(dy, buffers.gradientOverwritten(2, dy.shape()));
    }

    /**
     * Whether a following ReLU hands its mask over instead of running its own backward pass first (same bits either
     * way; {@code -Dconvnet4j.bn.reluMask=true}, a field for {@code FlagAB}). Off by default: measured on ResNet-50's
     * batch-8 shapes (docs/PERFORMANCE.md, eleventh pass) the masked pass cost as much at 56x56 and more on smaller
     * planes (1.1x at 28x28, 1.8x at 14x14, one thread) than the ReLU's one streaming pass plus batch norm's, and W6
     * used 0.5% more CPU with it.
     */
    static volatile boolean reluMask = "true".equals(System.getProperty("convnet4j.bn.reluMask"));

    @Override
    public boolean takesReluMask() {
        return reluMask;
    }

    /**
     * Backward for the gradient a following ReLU would have handed over ({@code mask[i] > 0 ? dy[i] : 0}), masked
     * as it is read: the sums with {@link Kernels#sumAndDotWideMasked}, the input gradient with
     * {@link Kernels#batchNormBackwardMasked}; the same bits as the ReLU's backward and then {@link #backward}.
     */
    @Override
    public Tensor backwardMasked(Tensor dy, Tensor mask, boolean overDy) {
        fromForward(xhat);
        if (!mask.shape().equals(dy.shape())) {
            throw new IllegalArgumentException(describe() + ": ReLU mask " + mask.shape() + " does not match the gradient "
                    + dy.shape());
        }
        return backwardInto(dy, mask, overDy ? dy : buffers.gradientOverwritten(2, dy.shape()));
    }

    private Tensor backwardInto(Tensor dy, Tensor dx) {
        return backwardInto(dy, null, dx);
    }

    private Tensor backwardInto(Tensor dy, Tensor reluOut, Tensor dx) {
        fromForward(xhat);
        int n = dy.dim(0);
        int c = built.dim(0);
        int s = built.size() / c;
        int m = n * s;
        float[] gd = dy.data();
        float[] h = xhat.data();
        float[] g = gamma.value().data();
        float[] dgamma = gamma.grad().data();
        float[] dbeta = beta.grad().data();
        float[] d = dx.data();
        float[] mk = reluOut == null ? null : reluOut.data();
        forEachChannel(c, (long) n * s, ch -> {
            double sumDy = 0;
            double sumDyH = 0;
            double[] sums = new double[2];
            for (int i = 0; i < n; i++) {
                int base = (i * c + ch) * s;
                if (mk != null) {
                    K.sumAndDotWideMasked(s, gd, base, mk, base, h, base, sums);
                    sumDy += sums[0];
                    sumDyH += sums[1];
                } else if (fusedSums) {
                    K.sumAndDotWide(s, gd, base, h, base, sums);
                    sumDy += sums[0];
                    sumDyH += sums[1];
                } else {
                    sumDy += K.sumWide(s, gd, base);
                    sumDyH += K.dotWide(s, gd, base, h, base);
                }
            }
            dgamma[ch] += (float) sumDyH;
            dbeta[ch] += (float) sumDy;
            float scale = g[ch] * invStd[ch];
            // With fixed (running) statistics the mean terms vanish and dx = scale * dy.
            float meanDy = usedBatchStats ? (float) (sumDy / m) : 0f;
            float meanDyH = usedBatchStats ? (float) (sumDyH / m) : 0f;
            for (int i = 0; i < n; i++) {
                int base = (i * c + ch) * s;
                if (usedBatchStats && mk != null) {
                    K.batchNormBackwardMasked(s, gd, base, mk, base, h, base, scale, meanDy, meanDyH, d, base);
                } else if (usedBatchStats) {
                    K.batchNormBackward(s, gd, base, h, base, scale, meanDy, meanDyH, d, base);
                } else {
                    if (mk != null) {
                        K.reluBackward(s, mk, base, gd, base, d, base);
                    } else {
                        System.arraycopy(gd, base, d, base, s);
                    }
                    K.scale(s, scale, d, base);
                }
            }
        });
        return dx;
    }

    /**
     * Switch for A/B runs ({@code FlagAB}): false takes backward's two sums per plane in two passes
     * ({@link Kernels#sumWide}, {@link Kernels#dotWide}) instead of {@link Kernels#sumAndDotWide}'s one (same bits).
     */
    static volatile boolean fusedSums = true;

    @Override
    public List<Parameter> parameters() {
        return gamma == null ? List.of() : List.of(gamma, beta, runningMean, runningVar);
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = super.config();
        c.put("momentum", momentum);
        c.put("eps", eps);
        return c;
    }
}

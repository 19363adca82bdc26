package org.convnet4j.nn.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.function.DoubleUnaryOperator;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.convnet4j.nn.Layer;
import org.convnet4j.nn.LayerFactory;
import org.convnet4j.nn.LayerType;
import org.convnet4j.nn.LayerTypes;
import org.convnet4j.nn.Parameter;
import org.convnet4j.nn.Sequential;
import org.convnet4j.nn.StepBuffers;
import org.convnet4j.ops.PadMode;
import org.convnet4j.ops.Padding;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.train.loss.BinaryCrossEntropy;
import org.convnet4j.train.loss.Loss;
import org.convnet4j.train.loss.MeanSquaredError;
import org.convnet4j.train.loss.SoftmaxCrossEntropy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Gradient checks in double precision, with PyTorch gradcheck's step (eps 1e-6) and tighter-than-gradcheck
 * tolerances (atol 1e-5, rtol 1e-4), for every layer type {@link LayerFactory} can build.
 *
 * <p>The engine computes in float32, whose finite differences carry too much rounding noise for such
 * tolerances (hence {@link org.convnet4j.nn.GradientCheck}'s 2e-2), so the numeric side differentiates a
 * double-precision forward and the analytic side is the layer's own float32 backward:
 * <ul>
 *   <li>for layers that compute a nonlinear function, or have learnable parameters, the double forward is
 *       written here from the operator's definition (the lecture's formulas, PyTorch/ONNX semantics);</li>
 *   <li>for layers without parameters that are affine in their inputs (rearrangements, padding, averaging,
 *       interpolation, concatenation), the double forward is {@code y = J x + b} with the exact Jacobian:
 *       {@code b} = the layer's output for zero inputs, column j of {@code J} = the output for the j-th unit
 *       input minus {@code b}. Each coefficient is then exact or rounded once to float (relative 6e-8), with
 *       no finite-difference step at all, and the check compares the backward pass with the adjoint of the
 *       forward. Every case first checks that its double forward reproduces the layer's float forward.</li>
 * </ul>
 * A negative control scales the analytic gradient by 1.001 and must fail: these checks see a 0.1% error, the
 * float32 ones (2%) would not. {@link #everyLayerTypeHasACase()} fails when LayerFactory knows a type that has
 * no case here and is not in {@link #NOT_DIFFERENTIABLE}. A layer type's own examples with a double forward
 * ({@link LayerType#examples()}) are cases too, so a type added elsewhere brings its check with it.
 */
class DoublePrecisionGradientTest {
    static final double EPS = 1e-6;
    static final double ATOL = 1e-5;
    static final double RTOL = 1e-4;

    /** Types without a gradient to check, and why. Everything else LayerFactory builds must have a case. */
    static final Map<String, String> NOT_DIFFERENTIABLE = Map.of(
            "ArgMax", "outputs indices: piecewise constant, no backward pass",
            "DecisionFusion", "votes and picks classes by arg-max (inference-time late fusion, never trained)",
            "ShallowClassifier", "a Tribuo model (case 1's head) trained by its own algorithm, not by gradients");

    /** A double forward: the (batched) output from the inputs and the parameters by name. */
    interface Ref {
        double[] apply(double[][] inputs, Map<String, double[]> params);
    }

    /** Makes the double forward of a built layer (probing it in the case's mode, for affine layers). */
    interface RefMaker {
        Ref make(Layer layer, boolean training);
    }

    /** One checked layer configuration. */
    record Case(String name, String type, Supplier<Layer> layer, int[][] shapes, RefMaker ref,
                boolean training, Gen gen, Consumer<Layer> prepare, boolean zeroGradient) {
        Case gen(Gen g) {
            return new Case(name, type, layer, shapes, ref, training, g, prepare, zeroGradient);
        }

        Case eval() {
            return new Case(name, type, layer, shapes, ref, false, gen, prepare, zeroGradient);
        }

        Case prepare(Consumer<Layer> p) {
            return new Case(name, type, layer, shapes, ref, training, gen, p, zeroGradient);
        }

        Case flat() {
            return new Case(name, type, layer, shapes, ref, training, gen, prepare, true);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    /** Input values. */
    enum Gen { NORMAL, WIDE, POSITIVE }

    // ---------------------------------------------------------------- the checker

    static Tensor input(Gen gen, Random random, int[] dims) {
        Tensor t = Tensor.zeros(dims);
        for (int i = 0; i < t.size(); i++) {
            t.data()[i] = switch (gen) {
                case NORMAL -> (float) random.nextGaussian();
                case WIDE -> (float) (2 * random.nextGaussian());
                case POSITIVE -> (float) (0.5 + 1.5 * random.nextDouble());
            };
        }
        return t;
    }

    static double[] toDouble(Tensor t) {
        double[] d = new double[t.size()];
        for (int i = 0; i < d.length; i++) {
            d[i] = t.data()[i];
        }
        return d;
    }

    static double dot(double[] y, double[] r) {
        double s = 0;
        for (int i = 0; i < y.length; i++) {
            s += y[i] * r[i];
        }
        return s;
    }

    /** Largest |a - n| / (atol + rtol |n|) over every input and learnable parameter; <= 1 passes. */
    static double worst(Case k, double analyticScale) {
        Layer layer = k.layer().get();
        Random random = new Random(11);
        List<Tensor> xs = new ArrayList<>();
        List<Shape> sampleShapes = new ArrayList<>();
        for (int[] s : k.shapes()) {
            xs.add(input(k.gen(), random, s));
            sampleShapes.add(Shape.of(s).dropFirst());
        }
        layer.outputShape(sampleShapes);
        for (Parameter p : layer.parameters()) {
            if (p.isLearnable()) {
                for (int i = 0; i < p.value().size(); i++) {
                    p.value().data()[i] = (float) (0.5 * random.nextGaussian());
                }
            }
        }
        if (k.prepare() != null) {
            k.prepare().accept(layer);
        }
        Ref ref = k.ref().make(layer, k.training());
        Tensor y = layer.forward(xs, k.training());
        Tensor r = Tensor.uniform(random, -1f, 1f, y.shape().dims());
        layer.zeroGrad();
        List<Tensor> inputGrads = layer.backwardAll(r.copy());

        double[] rd = toDouble(r);
        double[][] xd = new double[xs.size()][];
        for (int i = 0; i < xs.size(); i++) {
            xd[i] = toDouble(xs.get(i));
        }
        Map<String, double[]> pd = new LinkedHashMap<>();
        for (Parameter p : layer.parameters()) {
            pd.put(p.name(), toDouble(p.value()));
        }
        double[] yRef = ref.apply(xd, pd);
        assertEquals(y.size(), yRef.length, k + ": output size of the double forward");
        for (int i = 0; i < yRef.length; i++) {
            double diff = Math.abs(yRef[i] - y.data()[i]);
            assertTrue(diff <= 1e-4 * Math.max(1, Math.abs(yRef[i])),
                    k + ": the double forward computes the layer's function (output " + i + ": " + yRef[i] + " vs "
                            + y.data()[i] + ")");
        }
        List<double[]> targets = new ArrayList<>(Arrays.asList(xd));
        List<Tensor> analytic = new ArrayList<>(inputGrads);
        for (Parameter p : layer.parameters()) {
            if (p.isLearnable()) {
                targets.add(pd.get(p.name()));
                analytic.add(p.grad());
            }
        }
        double worst = 0;
        for (int t = 0; t < targets.size(); t++) {
            double[] v = targets.get(t);
            float[] a = analytic.get(t).data();
            assertEquals(v.length, a.length, k + ": gradient size of target " + t);
            for (int i = 0; i < v.length; i++) {
                double saved = v[i];
                v[i] = saved + EPS;
                double plus = dot(ref.apply(xd, pd), rd);
                v[i] = saved - EPS;
                double minus = dot(ref.apply(xd, pd), rd);
                v[i] = saved;
                double numeric = (plus - minus) / (2 * EPS);
                if (k.zeroGradient()) {
                    assertTrue(a[i] == 0, k + ": a piecewise constant function has a zero gradient, got " + a[i]);
                }
                worst = Math.max(worst, Math.abs(a[i] * analyticScale - numeric) / (ATOL + RTOL * Math.abs(numeric)));
            }
        }
        return worst;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void gradientInDoublePrecision(Case k) {
        double ok = worst(k, 1.0);
        assertTrue(ok <= 1.0, k + ": worst error " + ok + " of the tolerance");
        if (!k.zeroGradient()) {
            double broken = worst(k, 1.001);
            assertFalse(broken <= 1.0, k + ": a 0.1% error in the gradient went unnoticed (worst " + broken + ")");
        }
    }

    @Test
    void everyLayerTypeHasACase() {
        Set<String> covered = new TreeSet<>();
        cases().forEach(c -> covered.add(c.type()));
        Set<String> missing = new TreeSet<>(LayerFactory.types());
        missing.removeAll(covered);
        missing.removeAll(NOT_DIFFERENTIABLE.keySet());
        assertTrue(missing.isEmpty(), "LayerFactory types without a double-precision gradient case: " + missing
                + " (add a case, or an entry with the reason to NOT_DIFFERENTIABLE if the type has no gradient)");
        Set<String> stale = new TreeSet<>(NOT_DIFFERENTIABLE.keySet());
        stale.removeAll(LayerFactory.types());
        assertTrue(stale.isEmpty(), "NOT_DIFFERENTIABLE lists types LayerFactory no longer knows: " + stale);
        assertTrue(cases().count() >= 90, "case count " + cases().count());
    }

    @Test
    void theCaseTypesAreTheFactoryTypesOfTheirLayers() {
        cases().forEach(c -> assertEquals(c.type(), c.layer().get().type(), c.name()));
    }

    // ---------------------------------------------------------------- losses and the training step

    /** Worst error of a loss gradient against central differences of its double definition. */
    static double worstLoss(Tensor z, Function<double[], Double> lossRef, Tensor analytic, double scale) {
        double[] zd = toDouble(z);
        double worst = 0;
        for (int i = 0; i < zd.length; i++) {
            double saved = zd[i];
            zd[i] = saved + EPS;
            double plus = lossRef.apply(zd);
            zd[i] = saved - EPS;
            double minus = lossRef.apply(zd);
            zd[i] = saved;
            double numeric = (plus - minus) / (2 * EPS);
            worst = Math.max(worst, Math.abs(analytic.data()[i] * scale - numeric) / (ATOL + RTOL * Math.abs(numeric)));
        }
        return worst;
    }

    static void checkLoss(String name, Tensor z, Function<double[], Double> lossRef, Loss.LossValue value) {
        assertEquals(lossRef.apply(toDouble(z)), value.value(), 1e-6 * Math.max(1, Math.abs(value.value())),
                name + ": the loss value");
        double ok = worstLoss(z, lossRef, value.gradient(), 1.0);
        assertTrue(ok <= 1.0, name + ": worst error " + ok + " of the tolerance");
        double broken = worstLoss(z, lossRef, value.gradient(), 1.001);
        assertFalse(broken <= 1.0, name + ": a 0.1% error went unnoticed (worst " + broken + ")");
    }

    /** Mean over rows of -sum_j t_j log softmax(z)_j. */
    static double crossEntropy(double[] z, double[] target, int n, int k) {
        double total = 0;
        for (int i = 0; i < n; i++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < k; j++) {
                max = Math.max(max, z[i * k + j]);
            }
            double sum = 0;
            for (int j = 0; j < k; j++) {
                sum += Math.exp(z[i * k + j] - max);
            }
            for (int j = 0; j < k; j++) {
                total -= target[i * k + j] * (z[i * k + j] - max - Math.log(sum));
            }
        }
        return total / n;
    }

    @Test
    void lossesInDoublePrecision() {
        Random random = new Random(21);
        int n = 4, k = 5;
        Tensor z = input(Gen.WIDE, random, new int[] {n, k});
        int[] labels = {3, 0, 4, 1};
        for (double smoothing : new double[] {0, 0.1}) {
            double[] target = new double[n * k];
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < k; j++) {
                    target[i * k + j] = smoothing / k + (j == labels[i] ? 1 - smoothing : 0);
                }
            }
            checkLoss("softmax cross-entropy, smoothing " + smoothing, z, zd -> crossEntropy(zd, target, n, k),
                    new SoftmaxCrossEntropy(smoothing).compute(z, labels));
        }
        Tensor soft = Tensor.uniform(random, 0f, 1f, n, k);
        for (int i = 0; i < n; i++) {
            float sum = 0;
            for (int j = 0; j < k; j++) {
                sum += soft.data()[i * k + j];
            }
            for (int j = 0; j < k; j++) {
                soft.data()[i * k + j] /= sum;
            }
        }
        double[] softD = toDouble(soft);
        checkLoss("softmax cross-entropy, soft targets", z, zd -> crossEntropy(zd, softD, n, k),
                new SoftmaxCrossEntropy().compute(z, soft));
        Tensor t = input(Gen.NORMAL, random, new int[] {n, k});
        double[] td = toDouble(t);
        checkLoss("mean squared error", z, zd -> {
            double s = 0;
            for (int i = 0; i < zd.length; i++) {
                s += (zd[i] - td[i]) * (zd[i] - td[i]);
            }
            return s / zd.length;
        }, new MeanSquaredError().compute(z, t));
        Tensor y01 = Tensor.zeros(n, k);
        for (int i = 0; i < y01.size(); i++) {
            y01.data()[i] = random.nextBoolean() ? 1f : 0f;
        }
        double[] yd = toDouble(y01);
        checkLoss("binary cross-entropy from logits", z, zd -> {
            double s = 0;
            for (int i = 0; i < zd.length; i++) {
                double p = sigmoid(zd[i]);
                s -= yd[i] * Math.log(p) + (1 - yd[i]) * Math.log(1 - p);
            }
            return s / zd.length;
        }, BinaryCrossEntropy.fromLogits().compute(z, y01));
        Tensor probs = Tensor.uniform(random, 0.05f, 0.95f, n, k);
        checkLoss("binary cross-entropy from probabilities", probs, pd -> {
            double s = 0;
            for (int i = 0; i < pd.length; i++) {
                s -= yd[i] * Math.log(pd[i]) + (1 - yd[i]) * Math.log(1 - pd[i]);
            }
            return s / pd.length;
        }, BinaryCrossEntropy.fromProbabilities().compute(probs, y01));
    }

    /**
     * The trainer's path: parameter gradients of a conv + batch norm + ReLU + pooling + dense model under
     * softmax cross-entropy, computed inside {@link StepBuffers#step} on the second step (so the layers reuse
     * the first step's buffers), against central differences of the same network written in double.
     */
    @Test
    void trainingStepWithReusedBuffersInDoublePrecision() {
        for (double scale : new double[] {1.0, 1.001}) {
            double worst = worstTrainingStep(scale);
            if (scale == 1.0) {
                assertTrue(worst <= 1.0, "training step: worst error " + worst + " of the tolerance");
            } else {
                assertFalse(worst <= 1.0, "training step: a 0.1% error went unnoticed (worst " + worst + ")");
            }
        }
    }

    static double worstTrainingStep(double scale) {
        Conv2d conv = new Conv2d(3, 3).padding(1);
        BatchNorm2d bn = new BatchNorm2d();
        Dense dense = new Dense(4);
        Sequential model = new Sequential(Shape.of(2, 6, 6), conv, bn, new ReLU(), new MaxPool2d(2), new Flatten(), dense);
        model.initialize(3);
        Random random = new Random(8);
        int[] labels = {1, 3};
        Tensor warmUp = input(Gen.NORMAL, random, new int[] {2, 2, 6, 6});
        Tensor x = input(Gen.NORMAL, random, new int[] {2, 2, 6, 6});
        SoftmaxCrossEntropy loss = new SoftmaxCrossEntropy();
        for (Tensor batch : List.of(warmUp, x)) {
            StepBuffers.step(() -> {
                model.zeroGrad();
                Tensor out = model.forward(List.of(batch), true);
                model.backwardParameters(loss.compute(out, labels).gradient());
            });
        }
        double[] xd = toDouble(x);
        double[] target = new double[8];
        target[labels[0]] = 1;
        target[4 + labels[1]] = 1;
        List<Parameter> params = new ArrayList<>();
        List<double[]> values = new ArrayList<>();
        for (Layer l : List.of(conv, bn, dense)) {
            for (Parameter p : l.parameters()) {
                if (p.isLearnable()) {
                    params.add(p);
                    values.add(toDouble(p.value()));
                }
            }
        }
        // conv kernel, conv bias, gamma, beta, dense kernel, dense bias
        Supplier<Double> forward = () -> {
            double[] h = conv(xd, values.get(0), values.get(1), 2, 2, 6, 6, 3, 3, 3, 1, 1, 1, 1, PadMode.ZERO);
            int[] dims = {2, 3, 6, 6};
            int[] ch = channelOf(dims);
            double[] norm = normalizeGroups(h, ch, 1e-5);
            for (int i = 0; i < h.length; i++) {
                h[i] = Math.max(0, values.get(2)[ch[i]] * norm[i] + values.get(3)[ch[i]]);
            }
            double[] pooled = windowMax(h, 6, 6, 6, 2, 2, 2, 2, 1, 1, 0, 0, 3, 3);
            double[] logits = new double[8];
            for (int b = 0; b < 2; b++) {
                for (int u = 0; u < 4; u++) {
                    double s = values.get(5)[u];
                    for (int i = 0; i < 27; i++) {
                        s += values.get(4)[u * 27 + i] * pooled[b * 27 + i];
                    }
                    logits[b * 4 + u] = s;
                }
            }
            return crossEntropy(logits, target, 2, 4);
        };
        double worst = 0;
        for (int t = 0; t < params.size(); t++) {
            double[] v = values.get(t);
            float[] a = params.get(t).grad().data();
            for (int i = 0; i < v.length; i++) {
                double saved = v[i];
                v[i] = saved + EPS;
                double plus = forward.get();
                v[i] = saved - EPS;
                double minus = forward.get();
                v[i] = saved;
                double numeric = (plus - minus) / (2 * EPS);
                worst = Math.max(worst, Math.abs(a[i] * scale - numeric) / (ATOL + RTOL * Math.abs(numeric)));
            }
        }
        return worst;
    }

    // ---------------------------------------------------------------- case builders

    static Case of(String name, Supplier<Layer> layer, int[][] shapes, RefMaker ref) {
        return new Case(name, layer.get().type(), layer, shapes, ref, true, Gen.NORMAL, null, false);
    }

    static Case explicit(String name, Supplier<Layer> layer, int[][] shapes, Ref ref) {
        return of(name, layer, shapes, (l, training) -> ref);
    }

    /** An affine layer without parameters: y = J x + b, J and b probed exactly (see the class comment). */
    static Case affine(String name, Supplier<Layer> layer, int[]... shapes) {
        return new Case(name, layer.get().type(), layer, shapes, (l, training) -> probe(l, shapes, training), true, Gen.NORMAL,
                null, false);
    }

    static Ref probe(Layer layer, int[][] shapes, boolean training) {
        List<Tensor> zeros = new ArrayList<>();
        for (int[] s : shapes) {
            zeros.add(Tensor.zeros(s));
        }
        double[] b = toDouble(layer.forward(zeros, training));
        List<double[][]> columns = new ArrayList<>();
        for (int t = 0; t < shapes.length; t++) {
            Tensor x = zeros.get(t);
            double[][] cols = new double[x.size()][];
            for (int j = 0; j < x.size(); j++) {
                x.data()[j] = 1f;
                double[] y = toDouble(layer.forward(zeros, training));
                x.data()[j] = 0f;
                for (int i = 0; i < y.length; i++) {
                    y[i] -= b[i];
                }
                cols[j] = y;
            }
            columns.add(cols);
        }
        return (xs, ps) -> {
            double[] y = b.clone();
            for (int t = 0; t < xs.length; t++) {
                double[][] cols = columns.get(t);
                for (int j = 0; j < xs[t].length; j++) {
                    double v = xs[t][j];
                    for (int i = 0; i < y.length; i++) {
                        y[i] += cols[j][i] * v;
                    }
                }
            }
            return y;
        };
    }

    static Case unary(String name, Supplier<Layer> layer, DoubleUnaryOperator f) {
        return explicit(name, layer, new int[][] {{2, 3, 4}}, (xs, ps) -> Arrays.stream(xs[0]).map(f).toArray());
    }

    static Case elementwise(Elementwise.Fn fn, DoubleUnaryOperator f) {
        return unary("Elementwise " + fn.id(), () -> new Elementwise(fn), f);
    }

    // ---------------------------------------------------------------- index helpers

    static int size(int[] dims) {
        int s = 1;
        for (int d : dims) {
            s *= d;
        }
        return s;
    }

    /** For every element of a tensor of {@code dims} (batch first), the index of its group when the given
     * per-sample axes are reduced (the kept axes keep their row-major order). */
    static int[] groups(int[] dims, int... sampleAxes) {
        boolean[] reduced = new boolean[dims.length];
        for (int a : sampleAxes) {
            reduced[a + 1] = true;
        }
        int[] g = new int[size(dims)];
        int[] idx = new int[dims.length];
        for (int k = 0; k < g.length; k++) {
            int rem = k;
            for (int d = dims.length - 1; d >= 0; d--) {
                idx[d] = rem % dims[d];
                rem /= dims[d];
            }
            int o = 0;
            for (int d = 0; d < dims.length; d++) {
                if (!reduced[d]) {
                    o = o * dims[d] + idx[d];
                }
            }
            g[k] = o;
        }
        return g;
    }

    static int groupCount(int[] g) {
        return Arrays.stream(g).max().orElse(-1) + 1;
    }

    /** For every element of {@code dims}, the index of the element of {@code small} (same rank, dims 1 or
     * equal) it broadcasts from. */
    static int[] broadcast(int[] dims, int[] small) {
        int[] m = new int[size(dims)];
        for (int k = 0; k < m.length; k++) {
            int rem = k;
            int o = 0;
            int stride = 1;
            for (int d = dims.length - 1; d >= 0; d--) {
                int i = rem % dims[d];
                rem /= dims[d];
                o += (small[d] == 1 ? 0 : i) * stride;
                stride *= small[d];
            }
            m[k] = o;
        }
        return m;
    }

    // ---------------------------------------------------------------- double forwards of the operators

    /** Conv2d in double: x [n, c, h, w], kernel [f, c/g, kh, kw], symmetric padding p with a pad mode. */
    static double[] conv(double[] x, double[] kernel, double[] bias, int n, int c, int h, int w, int f, int kh,
                         int kw, int s, int d, int p, int g, PadMode mode) {
        int oh = (h + 2 * p - d * (kh - 1) - 1) / s + 1;
        int ow = (w + 2 * p - d * (kw - 1) - 1) / s + 1;
        int cg = c / g;
        int fg = f / g;
        double[] y = new double[n * f * oh * ow];
        for (int b = 0; b < n; b++) {
            for (int o = 0; o < f; o++) {
                int group = o / fg;
                for (int i = 0; i < oh; i++) {
                    for (int j = 0; j < ow; j++) {
                        double sum = bias == null ? 0 : bias[o];
                        for (int ci = 0; ci < cg; ci++) {
                            int ch = group * cg + ci;
                            for (int u = 0; u < kh; u++) {
                                for (int v = 0; v < kw; v++) {
                                    int yy = padIndex(i * s + u * d - p, h, mode);
                                    int xx = padIndex(j * s + v * d - p, w, mode);
                                    if (yy >= 0 && xx >= 0) {
                                        sum += kernel[((o * cg + ci) * kh + u) * kw + v] * x[((b * c + ch) * h + yy) * w + xx];
                                    }
                                }
                            }
                        }
                        y[((b * f + o) * oh + i) * ow + j] = sum;
                    }
                }
            }
        }
        return y;
    }

    /** The input row/column read at position i of a padded axis of length n, or -1 for a zero. */
    static int padIndex(int i, int n, PadMode mode) {
        if (i >= 0 && i < n) {
            return i;
        }
        return switch (mode) {
            case ZERO -> -1;
            case REPLICATE -> Math.max(0, Math.min(n - 1, i));
            case REFLECT -> i < 0 ? -i : 2 * (n - 1) - i;
        };
    }

    /** Max (or min) over windows of [n*c, h, w] planes; taps outside the image never win. */
    static double[] windowMax(double[] x, int planes, int h, int w, int kh, int kw, int sh, int sw, int dh, int dw,
                              int top, int left, int oh, int ow) {
        double[] y = new double[planes * oh * ow];
        for (int pl = 0; pl < planes; pl++) {
            for (int i = 0; i < oh; i++) {
                for (int j = 0; j < ow; j++) {
                    double m = Double.NEGATIVE_INFINITY;
                    for (int u = 0; u < kh; u++) {
                        for (int v = 0; v < kw; v++) {
                            int yy = i * sh - top + u * dh;
                            int xx = j * sw - left + v * dw;
                            if (yy >= 0 && yy < h && xx >= 0 && xx < w) {
                                m = Math.max(m, x[(pl * h + yy) * w + xx]);
                            }
                        }
                    }
                    y[(pl * oh + i) * ow + j] = m;
                }
            }
        }
        return y;
    }

    static double[] softmaxGroups(double[] x, int[] g, boolean log) {
        int groups = groupCount(g);
        double[] max = new double[groups];
        Arrays.fill(max, Double.NEGATIVE_INFINITY);
        for (int k = 0; k < x.length; k++) {
            max[g[k]] = Math.max(max[g[k]], x[k]);
        }
        double[] sum = new double[groups];
        for (int k = 0; k < x.length; k++) {
            sum[g[k]] += Math.exp(x[k] - max[g[k]]);
        }
        double[] y = new double[x.length];
        for (int k = 0; k < x.length; k++) {
            double z = x[k] - max[g[k]];
            y[k] = log ? z - Math.log(sum[g[k]]) : Math.exp(z) / sum[g[k]];
        }
        return y;
    }

    /** Normalises each group to mean 0 and biased variance 1 (plus eps). */
    static double[] normalizeGroups(double[] x, int[] g, double eps) {
        int groups = groupCount(g);
        double[] mean = new double[groups];
        int[] count = new int[groups];
        for (int k = 0; k < x.length; k++) {
            mean[g[k]] += x[k];
            count[g[k]]++;
        }
        for (int i = 0; i < groups; i++) {
            mean[i] /= count[i];
        }
        double[] var = new double[groups];
        for (int k = 0; k < x.length; k++) {
            double dev = x[k] - mean[g[k]];
            var[g[k]] += dev * dev;
        }
        double[] y = new double[x.length];
        for (int k = 0; k < x.length; k++) {
            y[k] = (x[k] - mean[g[k]]) / Math.sqrt(var[g[k]] / count[g[k]] + eps);
        }
        return y;
    }

    static double[] reduce(double[] x, int[] g, Reduce.Op op) {
        int groups = groupCount(g);
        double[] acc = new double[groups];
        if (op == Reduce.Op.MAX || op == Reduce.Op.MIN || op == Reduce.Op.LOG_SUM_EXP) {
            Arrays.fill(acc, op == Reduce.Op.MIN ? Double.POSITIVE_INFINITY : Double.NEGATIVE_INFINITY);
        }
        int[] count = new int[groups];
        for (int k = 0; k < x.length; k++) {
            double v = x[k];
            int o = g[k];
            count[o]++;
            switch (op) {
                case MAX, LOG_SUM_EXP -> acc[o] = Math.max(acc[o], v);
                case MIN -> acc[o] = Math.min(acc[o], v);
                case L1 -> acc[o] += Math.abs(v);
                case L2, SUM_SQUARE -> acc[o] += v * v;
                default -> acc[o] += v;
            }
        }
        if (op == Reduce.Op.LOG_SUM_EXP) {
            double[] sum = new double[groups];
            for (int k = 0; k < x.length; k++) {
                sum[g[k]] += Math.exp(x[k] - acc[g[k]]);
            }
            for (int o = 0; o < groups; o++) {
                acc[o] += Math.log(sum[o]);
            }
        }
        for (int o = 0; o < groups; o++) {
            if (op == Reduce.Op.L2) {
                acc[o] = Math.sqrt(acc[o]);
            } else if (op == Reduce.Op.MEAN) {
                acc[o] /= count[o];
            }
        }
        return acc;
    }

    static double binary(ArithmeticOp op, double a, double b) {
        return switch (op) {
            case ADD -> a + b;
            case SUB -> a - b;
            case MUL -> a * b;
            case DIV -> a / b;
            case MAX -> Math.max(a, b);
            case MIN -> Math.min(a, b);
            case MOD -> a % b;
        };
    }

    /** erf by its Taylor series (|x| < 4 here): accurate to ~1e-14, far below the checks' tolerances. */
    static double erf(double x) {
        double sum = 0;
        double term = x;
        for (int n = 0; n < 200; n++) {
            sum += term / (2 * n + 1);
            term *= -x * x / (n + 1);
            if (Math.abs(term) < 1e-18) {
                break;
            }
        }
        return 2 / Math.sqrt(Math.PI) * sum;
    }

    static double sigmoid(double x) {
        return 1 / (1 + Math.exp(-x));
    }

    static double softplus(double x) {
        return Math.log1p(Math.exp(x));
    }

    // ---------------------------------------------------------------- the cases

    static Stream<Case> cases() {
        List<Case> c = new ArrayList<>();
        convolutions(c);
        pooling(c);
        activations(c);
        normalisations(c);
        rearrangements(c);
        combinations(c);
        lenet1998(c);
        registered(c);
        return c.stream();
    }

    /** The examples with a double forward that layer types bring with them ({@link LayerType#examples()}). */
    static void registered(List<Case> c) {
        for (LayerType<?> t : LayerTypes.all()) {
            for (LayerType.Example e : t.examples()) {
                if (e.reference() != null) {
                    LayerType.DoubleForward f = e.reference();
                    c.add(explicit(e.name(), () -> e.layer().get(), e.inputShapes(), f::apply));
                }
            }
        }
    }

    static void convolutions(List<Case> c) {
        c.add(explicit("Conv2d 3x3 stride 2 padding 1", () -> new Conv2d(3, 3).stride(2).padding(1),
                new int[][] {{2, 2, 5, 6}}, (xs, ps) -> conv(xs[0], ps.get("kernel"), ps.get("bias"), 2, 2, 5, 6, 3,
                        3, 3, 2, 1, 1, 1, PadMode.ZERO)));
        c.add(explicit("Conv2d dilation 2 groups 2 no bias", () -> new Conv2d(4, 2).dilation(2, 2).groups(2).useBias(false),
                new int[][] {{2, 4, 5, 5}}, (xs, ps) -> conv(xs[0], ps.get("kernel"), null, 2, 4, 5, 5, 4, 2, 2, 1,
                        2, 0, 2, PadMode.ZERO)));
        c.add(explicit("Conv2d depthwise", () -> new Conv2d(3, 3).groups(3).padding(1),
                new int[][] {{1, 3, 4, 4}}, (xs, ps) -> conv(xs[0], ps.get("kernel"), ps.get("bias"), 1, 3, 4, 4, 3,
                        3, 3, 1, 1, 1, 3, PadMode.ZERO)));
        c.add(explicit("Conv2d reflect padding", () -> new Conv2d(2, 3).padding(2).padMode(PadMode.REFLECT),
                new int[][] {{1, 2, 4, 5}}, (xs, ps) -> conv(xs[0], ps.get("kernel"), ps.get("bias"), 1, 2, 4, 5, 2,
                        3, 3, 1, 1, 2, 1, PadMode.REFLECT)));
        c.add(explicit("Conv2d replicate padding", () -> new Conv2d(2, 3).padding(1).padMode(PadMode.REPLICATE),
                new int[][] {{1, 2, 4, 4}}, (xs, ps) -> conv(xs[0], ps.get("kernel"), ps.get("bias"), 1, 2, 4, 4, 2,
                        3, 3, 1, 1, 1, 1, PadMode.REPLICATE)));
        c.add(explicit("Conv2d 1x1", () -> new Conv2d(3, 1),
                new int[][] {{2, 4, 3, 3}}, (xs, ps) -> conv(xs[0], ps.get("kernel"), ps.get("bias"), 2, 4, 3, 3, 3,
                        1, 1, 1, 1, 0, 1, PadMode.ZERO)));
        // ConvTranspose2d: y[b, o, i*s - top + u*d, j*s - left + v*d] += x[b, ch, i, j] * K[ch, o - group*fg, u, v]
        int[][] tShapes = {{2, 4, 3, 3}};
        for (int[] cfg : new int[][] {{1, 1, 0, 0}, {2, 1, 1, 1}, {3, 2, 1, 2}}) {
            int s = cfg[0], g = cfg[1], p = cfg[2], op = cfg[3];
            int n = 2, ch = 4, h = 3, w = 3, f = 2 * g, k = 3, d = 1;
            int oh = (h - 1) * s - 2 * p + d * (k - 1) + 1 + op;
            c.add(explicit("ConvTranspose2d stride " + s + " groups " + g + " padding " + p + " output padding " + op,
                    () -> new ConvTranspose2d(f, k, k).stride(s, s).groups(g).padding(Padding.of(p))
                            .outputPadding(op, op),
                    tShapes, (xs, ps) -> {
                        double[] kernel = ps.get("kernel");
                        double[] bias = ps.get("bias");
                        int cg = ch / g, fg = f / g;
                        double[] y = new double[n * f * oh * oh];
                        for (int b = 0; b < n; b++) {
                            for (int o = 0; o < f; o++) {
                                for (int t = 0; t < oh * oh; t++) {
                                    y[(b * f + o) * oh * oh + t] = bias[o];
                                }
                            }
                            for (int c2 = 0; c2 < ch; c2++) {
                                int group = c2 / cg;
                                for (int fo = 0; fo < fg; fo++) {
                                    int o = group * fg + fo;
                                    for (int i = 0; i < h; i++) {
                                        for (int j = 0; j < w; j++) {
                                            double xv = xs[0][((b * ch + c2) * h + i) * w + j];
                                            for (int u = 0; u < k; u++) {
                                                for (int v = 0; v < k; v++) {
                                                    int yy = i * s - p + u * d, xx = j * s - p + v * d;
                                                    if (yy >= 0 && yy < oh && xx >= 0 && xx < oh) {
                                                        y[((b * f + o) * oh + yy) * oh + xx] +=
                                                                xv * kernel[((c2 * fg + fo) * k + u) * k + v];
                                                    }
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                        return y;
                    }));
        }
        for (boolean lastAxis : new boolean[] {false, true}) {
            int[] dims = lastAxis ? new int[] {2, 3, 5} : new int[] {3, 5};
            c.add(explicit("Dense" + (lastAxis ? " over the last axis" : ""), () -> new Dense(4).over(lastAxis ? Dense.Over.LAST_AXIS : Dense.Over.WHOLE_SAMPLE),
                    new int[][] {dims}, (xs, ps) -> {
                        double[] kernel = ps.get("kernel");
                        double[] bias = ps.get("bias");
                        int rows = xs[0].length / 5;
                        double[] y = new double[rows * 4];
                        for (int r = 0; r < rows; r++) {
                            for (int u = 0; u < 4; u++) {
                                double sum = bias[u];
                                for (int i = 0; i < 5; i++) {
                                    sum += kernel[u * 5 + i] * xs[0][r * 5 + i];
                                }
                                y[r * 4 + u] = sum;
                            }
                        }
                        return y;
                    }));
        }
        c.add(explicit("Dense without bias", () -> Dense.withoutBias(3), new int[][] {{2, 4}}, (xs, ps) -> {
            double[] y = new double[6];
            for (int b = 0; b < 2; b++) {
                for (int u = 0; u < 3; u++) {
                    for (int i = 0; i < 4; i++) {
                        y[b * 3 + u] += ps.get("kernel")[u * 4 + i] * xs[0][b * 4 + i];
                    }
                }
            }
            return y;
        }));
    }

    static void pooling(List<Case> c) {
        c.add(explicit("MaxPool2d 2", () -> new MaxPool2d(2), new int[][] {{1, 2, 4, 6}},
                (xs, ps) -> windowMax(xs[0], 2, 4, 6, 2, 2, 2, 2, 1, 1, 0, 0, 2, 3)));
        c.add(explicit("MaxPool2d 3 stride 2 same", () -> new MaxPool2d(3).stride(2, 2).padding("same"),
                new int[][] {{2, 2, 5, 5}}, (xs, ps) -> windowMax(xs[0], 4, 5, 5, 3, 3, 2, 2, 1, 1, 1, 1, 3, 3)));
        c.add(explicit("DilatedMaxPool2d", () -> new DilatedMaxPool2d(new int[] {2, 2}, new int[] {1, 2},
                        new int[] {2, 2}, new int[] {1, 0, 0, 1}, false),
                new int[][] {{1, 2, 5, 6}}, (xs, ps) -> windowMax(xs[0], 2, 5, 6, 2, 2, 1, 2, 2, 2, 1, 0, 4, 3)));
        c.add(affine("DilatedAvgPool2d, padding not counted", () -> new DilatedAvgPool2d(new int[] {2, 2},
                new int[] {1, 2}, new int[] {2, 2}, new int[] {1, 0, 0, 1}, false, false), new int[] {1, 2, 5, 6}));
        c.add(affine("DilatedAvgPool2d ceil, padding counted", () -> new DilatedAvgPool2d(new int[] {2, 3},
                new int[] {2, 2}, new int[] {2, 1}, new int[] {1, 1, 1, 1}, true, true), new int[] {2, 1, 5, 6}));
        c.add(explicit("GlobalMaxPool2d", GlobalMaxPool2d::new, new int[][] {{2, 3, 3, 4}},
                (xs, ps) -> windowMax(xs[0], 6, 3, 4, 3, 4, 1, 1, 1, 1, 0, 0, 1, 1)));
        c.add(affine("AvgPool2d 2", () -> new AvgPool2d(2), new int[] {2, 2, 4, 4}));
        c.add(affine("AvgPool2d 3 stride 2 same, padding not counted",
                () -> new AvgPool2d(3, 3).stride(2, 2).padding("same"), new int[] {1, 2, 5, 5}));
        c.add(affine("AvgPool2d 3 same, padding counted",
                () -> new AvgPool2d(3, 3).stride(1, 1).padding("same").countIncludePad(true), new int[] {1, 2, 4, 4}));
        c.add(affine("GlobalAvgPool2d", GlobalAvgPool2d::new, new int[] {2, 3, 3, 4}));
        for (double p : new double[] {2, 3}) {
            c.add(explicit("LpPool2d p=" + p, () -> new LpPool2d(p, 2), new int[][] {{1, 2, 4, 4}}, (xs, ps) -> {
                double[] y = new double[2 * 2 * 2];
                for (int pl = 0; pl < 2; pl++) {
                    for (int i = 0; i < 2; i++) {
                        for (int j = 0; j < 2; j++) {
                            double s = 0;
                            for (int u = 0; u < 2; u++) {
                                for (int v = 0; v < 2; v++) {
                                    s += Math.pow(Math.abs(xs[0][(pl * 4 + 2 * i + u) * 4 + 2 * j + v]), p);
                                }
                            }
                            y[(pl * 2 + i) * 2 + j] = Math.pow(s, 1 / p);
                        }
                    }
                }
                return y;
            }));
        }
    }

    static void activations(List<Case> c) {
        c.add(unary("ReLU", ReLU::new, x -> Math.max(0, x)));
        c.add(unary("LeakyReLU 0.1", () -> new LeakyReLU(0.1), x -> x > 0 ? x : 0.1 * x));
        c.add(unary("Sigmoid", Sigmoid::new, DoublePrecisionGradientTest::sigmoid));
        c.add(unary("Tanh", Tanh::new, Math::tanh));
        c.add(unary("ScaledTanh (LeCun)", ScaledTanh::new, x -> 1.7159 * Math.tanh(2.0 / 3 * x)));
        c.add(unary("Clip -0.4..0.3", () -> new Clip(-0.4, 0.3), x -> Math.min(0.3, Math.max(-0.4, x))));
        c.add(elementwise(Elementwise.Fn.EXP, Math::exp));
        c.add(elementwise(Elementwise.Fn.LOG, Math::log).gen(Gen.POSITIVE));
        c.add(elementwise(Elementwise.Fn.SQRT, Math::sqrt).gen(Gen.POSITIVE));
        c.add(elementwise(Elementwise.Fn.ABS, Math::abs));
        c.add(elementwise(Elementwise.Fn.NEG, x -> -x));
        c.add(elementwise(Elementwise.Fn.RECIPROCAL, x -> 1 / x).gen(Gen.POSITIVE));
        c.add(elementwise(Elementwise.Fn.FLOOR, Math::floor).gen(Gen.WIDE).flat());
        c.add(elementwise(Elementwise.Fn.CEIL, Math::ceil).gen(Gen.WIDE).flat());
        c.add(elementwise(Elementwise.Fn.SIGN, Math::signum).flat());
        c.add(elementwise(Elementwise.Fn.ERF, DoublePrecisionGradientTest::erf));
        c.add(elementwise(Elementwise.Fn.GELU, x -> 0.5 * x * (1 + erf(x / Math.sqrt(2)))));
        c.add(elementwise(Elementwise.Fn.GELU_TANH,
                x -> 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)))));
        c.add(elementwise(Elementwise.Fn.HARD_SIGMOID, x -> Math.max(0, Math.min(1, 0.2 * x + 0.5))).gen(Gen.WIDE));
        c.add(elementwise(Elementwise.Fn.HARD_SWISH, x -> x * Math.max(0, Math.min(1, (x + 3) / 6))).gen(Gen.WIDE));
        c.add(elementwise(Elementwise.Fn.MISH, x -> x * Math.tanh(softplus(x))));
        c.add(elementwise(Elementwise.Fn.SOFTPLUS, DoublePrecisionGradientTest::softplus));
        c.add(elementwise(Elementwise.Fn.ELU, x -> x > 0 ? x : Math.exp(x) - 1));
        c.add(elementwise(Elementwise.Fn.SELU,
                x -> 1.0507009873554805 * (x > 0 ? x : 1.6732632423543772 * (Math.exp(x) - 1))));
        c.add(elementwise(Elementwise.Fn.CELU, x -> Math.max(0, x) + Math.min(0, Math.exp(x) - 1)));
        c.add(unary("Elementwise celu alpha 0.5", () -> new Elementwise(Elementwise.Fn.CELU, 0.5, 0),
                x -> Math.max(0, x) + Math.min(0, 0.5 * (Math.exp(x / 0.5) - 1))));
        c.add(unary("Elementwise pow 2.5", () -> new Elementwise(Elementwise.Fn.POW, 2.5, 0), x -> Math.pow(x, 2.5))
                .gen(Gen.POSITIVE));
        c.add(elementwise(Elementwise.Fn.SIN, Math::sin).gen(Gen.WIDE));
        c.add(elementwise(Elementwise.Fn.COS, Math::cos).gen(Gen.WIDE));
        c.add(elementwise(Elementwise.Fn.IDENTITY, x -> x));
        c.add(elementwise(Elementwise.Fn.SILU, x -> x * sigmoid(x)).gen(Gen.WIDE));
        for (int[] slope : new int[][] {{3, 1, 1}, {1, 1, 1}, {3, 2, 2}}) {
            int[] sampleDims = {3, 2, 2};
            c.add(explicit("PRelu slope " + Arrays.toString(slope), () -> new PRelu(Shape.of(slope)),
                    new int[][] {{2, 3, 2, 2}}, (xs, ps) -> {
                        int[] full = {2, 3, 2, 2};
                        int[] small = new int[4];
                        small[0] = 1;
                        for (int d = 0; d < 3; d++) {
                            small[d + 1] = slope[d];
                        }
                        int[] m = broadcast(full, small);
                        double[] s = ps.get("slope");
                        double[] y = new double[xs[0].length];
                        for (int k = 0; k < y.length; k++) {
                            y[k] = xs[0][k] > 0 ? xs[0][k] : s[m[k]] * xs[0][k];
                        }
                        assertEquals(size(sampleDims) * 2, y.length);
                        return y;
                    }));
        }
        int[] dims = {2, 3, 4};
        c.add(explicit("Softmax (last axis)", Softmax::new, new int[][] {{3, 5}},
                (xs, ps) -> softmaxGroups(xs[0], groups(new int[] {3, 5}, 0), false)));
        c.add(explicit("AxisSoftmax axis 0", () -> new AxisSoftmax(0, 1, false), new int[][] {dims},
                (xs, ps) -> softmaxGroups(xs[0], groups(dims, 0), false)));
        c.add(explicit("AxisSoftmax log axis 1", () -> new AxisSoftmax(1, 2, true), new int[][] {dims},
                (xs, ps) -> softmaxGroups(xs[0], groups(dims, 1), true)));
        c.add(explicit("AxisSoftmax flattened from axis 0", () -> new AxisSoftmax(0, -1, false), new int[][] {dims},
                (xs, ps) -> softmaxGroups(xs[0], groups(dims, 0, 1), false)));
        // Dropout: with a frozen mask the training forward is linear (mask / keep probability)
        c.add(new Case("Dropout 0.4 (frozen mask, training)", "Dropout", () -> new Dropout(0.4).seed(7).freezeMask(true),
                new int[][] {{2, 10}}, (l, training) -> probe(l, new int[][] {{2, 10}}, training), true, Gen.NORMAL, null, false));
        c.add(affine("Dropout (inference)", () -> new Dropout(0.4), new int[] {2, 6}).eval());
    }

    static void normalisations(List<Case> c) {
        for (boolean two : new boolean[] {true, false}) {
            int[] dims = two ? new int[] {3, 2, 3, 2} : new int[] {5, 3};
            Supplier<Layer> bn = two ? BatchNorm2d::new : BatchNorm1d::new;
            String name = two ? "BatchNorm2d" : "BatchNorm1d";
            c.add(explicit(name + " training (batch statistics)", bn, new int[][] {dims}, (xs, ps) -> {
                int[] g = groups(dims, 0); // per-sample axis 0 kept: groups are channels... reduce everything else
                int[] ch = channelOf(dims);
                double[] norm = normalizeGroups(xs[0], ch, 1e-5);
                double[] y = new double[norm.length];
                for (int k = 0; k < y.length; k++) {
                    y[k] = ps.get("gamma")[ch[k]] * norm[k] + ps.get("beta")[ch[k]];
                }
                assertEquals(g.length, y.length);
                return y;
            }));
            c.add(explicit(name + " inference (running statistics)", bn, new int[][] {dims}, (xs, ps) -> {
                int[] ch = channelOf(dims);
                double[] y = new double[xs[0].length];
                for (int k = 0; k < y.length; k++) {
                    int i = ch[k];
                    y[k] = ps.get("gamma")[i] * (xs[0][k] - ps.get("running_mean")[i])
                            / Math.sqrt(ps.get("running_var")[i] + 1e-5) + ps.get("beta")[i];
                }
                return y;
            }).eval().prepare(l -> {
                Random random = new Random(5);
                for (Parameter p : l.parameters()) {
                    for (int i = 0; i < p.value().size(); i++) {
                        p.value().data()[i] = p.name().equals("running_var")
                                ? (float) (0.5 + random.nextDouble()) : (float) random.nextGaussian();
                    }
                }
            }));
        }
        for (int axes : new int[] {1, 2}) {
            int[] dims = {2, 3, 4};
            c.add(explicit("LayerNorm over the last " + axes + " axes", () -> new LayerNorm(axes, 1e-5),
                    new int[][] {dims}, (xs, ps) -> {
                        int[] g = axes == 1 ? groups(dims, 1) : groups(dims, 0, 1);
                        double[] norm = normalizeGroups(xs[0], g, 1e-5);
                        int inner = axes == 1 ? 4 : 12;
                        double[] y = new double[norm.length];
                        for (int k = 0; k < y.length; k++) {
                            y[k] = ps.get("gamma")[k % inner] * norm[k] + ps.get("beta")[k % inner];
                        }
                        return y;
                    }));
        }
        c.add(explicit("LRN size 3", () -> new LRN(3, 0.5, 0.75, 2.0), new int[][] {{2, 4, 2, 2}}, (xs, ps) -> {
            double[] y = new double[xs[0].length];
            int cs = 4, hw = 4;
            for (int b = 0; b < 2; b++) {
                for (int ch = 0; ch < cs; ch++) {
                    for (int t = 0; t < hw; t++) {
                        double sum = 0;
                        for (int c2 = ch - 1; c2 <= ch + 1; c2++) {
                            if (c2 >= 0 && c2 < cs) {
                                double a = xs[0][(b * cs + c2) * hw + t];
                                sum += a * a;
                            }
                        }
                        int k = (b * cs + ch) * hw + t;
                        y[k] = xs[0][k] / Math.pow(2.0 + 0.5 / 3 * sum, 0.75);
                    }
                }
            }
            return y;
        }));
    }

    /** The channel (per-sample axis 0) of every element. */
    static int[] channelOf(int[] dims) {
        int inner = size(dims) / dims[0] / dims[1];
        int[] ch = new int[size(dims)];
        for (int k = 0; k < ch.length; k++) {
            ch[k] = (k / inner) % dims[1];
        }
        return ch;
    }

    static void rearrangements(List<Case> c) {
        int[] d3 = {2, 2, 3, 4};
        c.add(affine("Transpose 2 0 1", () -> new Transpose(2, 0, 1), d3));
        c.add(affine("Transpose 0 2 1", () -> new Transpose(0, 2, 1), d3));
        c.add(affine("Slice with steps", () -> new Slice(new int[] {0, 1, 0}, new int[] {2, 3, 4}, new int[] {1, 1, 2}), d3));
        c.add(affine("Slice backwards", () -> new Slice(new int[] {1, 2, 3}, new int[] {-1, -1, 0}, new int[] {-1, -1, -2}), d3));
        c.add(affine("Take with repeats", () -> new Take(1, new int[] {2, 0, 2, 1}, false), d3));
        c.add(affine("Take one index (axis dropped)", () -> new Take(2, new int[] {1}, true), d3));
        c.add(affine("Reshape", () -> new Reshape(Shape.of(6, 4)), d3));
        c.add(affine("Flatten", Flatten::new, d3));
        c.add(affine("ZeroPad2d", () -> new ZeroPad2d(1, 0, 2, 1), d3));
        c.add(affine("PadNd constant 0.5", () -> new PadNd(new int[] {0, 1, 1}, new int[] {1, 0, 2}, PadNd.Mode.CONSTANT, 0.5), d3));
        c.add(affine("PadNd reflect", () -> new PadNd(new int[] {0, 2, 1}, new int[] {0, 1, 2}, PadNd.Mode.REFLECT, 0), d3));
        c.add(affine("PadNd edge", () -> new PadNd(new int[] {1, 1, 0}, new int[] {0, 2, 3}, PadNd.Mode.EDGE, 0), d3));
        c.add(affine("AxisResize linear", () -> new AxisResize(2, new int[] {0, 0, 1, 1, 2, 2}, new int[] {0, 1, 1, 2, 2, 3},
                new float[] {0f, 0.75f, 0.25f, 0.75f, 0.25f, 0.75f}), d3));
        // cubic resampling (4 taps per output, positions clamped at the edge as the importer makes them)
        c.add(affine("AxisTaps cubic, 4 -> 3 along W", () -> new AxisTaps(2, 4,
                new int[] {0, 0, 1, 2, 0, 1, 2, 3, 1, 2, 3, 3},
                new float[] {-0.0703f, 0.8672f, 0.2266f, -0.0234f, -0.0938f, 0.5938f, 0.5938f, -0.0938f,
                        -0.0234f, 0.2266f, 0.8672f, -0.0703f}), d3));
        c.add(affine("AxisResize nearest", () -> new AxisResize(1, new int[] {0, 0, 1, 2, 2}, new int[] {0, 0, 1, 2, 2},
                new float[5]), d3));
        c.add(affine("Reduce mean over H and W", () -> new Reduce(Reduce.Op.MEAN, new int[] {1, 2}, true), d3));
        c.add(affine("Reduce sum over channels", () -> new Reduce(Reduce.Op.SUM, new int[] {0}, false), d3));
        for (Reduce.Op op : new Reduce.Op[] {Reduce.Op.MAX, Reduce.Op.MIN, Reduce.Op.L1, Reduce.Op.L2,
                Reduce.Op.SUM_SQUARE, Reduce.Op.LOG_SUM_EXP}) {
            c.add(explicit("Reduce " + op.id() + " over axis 2", () -> new Reduce(op, new int[] {2}, true),
                    new int[][] {d3}, (xs, ps) -> reduce(xs[0], groups(d3, 2), op)));
        }
        c.add(explicit("Reduce log_sum_exp over axes 0 and 2", () -> new Reduce(Reduce.Op.LOG_SUM_EXP, new int[] {0, 2}, false),
                new int[][] {d3}, (xs, ps) -> reduce(xs[0], groups(d3, 0, 2), Reduce.Op.LOG_SUM_EXP)));
    }

    static void combinations(List<Case> c) {
        int[] a = {2, 3, 2, 2};
        c.add(affine("Add three inputs", Add::new, a, a, a));
        c.add(affine("Concat channels", () -> new Concat(0), a, new int[] {2, 1, 2, 2}));
        c.add(affine("Concat last axis", () -> new Concat(2), a, new int[] {2, 3, 2, 3}));
        int[] gate = {2, 3, 1, 1};
        for (ArithmeticOp op : ArithmeticOp.values()) {
            boolean div = op == ArithmeticOp.DIV;
            Case k = explicit("Arithmetic " + op.name().toLowerCase() + " broadcast", () -> new Arithmetic(op),
                    new int[][] {a, gate}, (xs, ps) -> {
                        int[] m = broadcast(a, gate);
                        double[] y = new double[xs[0].length];
                        for (int i = 0; i < y.length; i++) {
                            y[i] = binary(op, xs[0][i], xs[1][m[i]]);
                        }
                        return y;
                    });
            c.add(div ? k.gen(Gen.POSITIVE) : k);
        }
        c.add(explicit("Arithmetic mul same shape", () -> new Arithmetic(ArithmeticOp.MUL), new int[][] {a, a},
                (xs, ps) -> {
                    double[] y = new double[xs[0].length];
                    for (int i = 0; i < y.length; i++) {
                        y[i] = xs[0][i] * xs[1][i];
                    }
                    return y;
                }));
        // ConstantArithmetic: the constant is a buffer; x op c and c op x, broadcast per channel
        int[] cShape = {3, 1, 1};
        float[] cValues = {0.7f, -1.3f, 1.9f};
        for (ArithmeticOp op : ArithmeticOp.values()) {
            for (boolean first : new boolean[] {false, true}) {
                if (first && op != ArithmeticOp.DIV && op != ArithmeticOp.SUB) {
                    continue;
                }
                Case k = explicit("ConstantArithmetic " + (first ? "c " + op.name().toLowerCase() + " x" : "x "
                                + op.name().toLowerCase() + " c"),
                        () -> new ConstantArithmetic(op, Tensor.of(cValues, cShape), first), new int[][] {a}, (xs, ps) -> {
                            int[] m = broadcast(a, new int[] {1, 3, 1, 1});
                            double[] cv = ps.get("constant");
                            double[] y = new double[xs[0].length];
                            for (int i = 0; i < y.length; i++) {
                                y[i] = first ? binary(op, cv[m[i]], xs[0][i]) : binary(op, xs[0][i], cv[m[i]]);
                            }
                            return y;
                        });
                c.add(first && op == ArithmeticOp.DIV ? k.gen(Gen.POSITIVE) : k);
            }
        }
        c.add(explicit("WeightedSum of three", WeightedSum::new, new int[][] {a, a, a}, (xs, ps) -> {
            double[] w = ps.get("weights");
            double[] y = new double[xs[0].length];
            for (int i = 0; i < y.length; i++) {
                y[i] = w[0] * xs[0][i] + w[1] * xs[1][i] + w[2] * xs[2][i];
            }
            return y;
        }));
        c.add(explicit("MatMul batched", MatMul::new, new int[][] {{2, 3, 2, 4}, {2, 3, 4, 5}}, (xs, ps) -> {
            double[] y = new double[2 * 3 * 2 * 5];
            for (int b = 0; b < 6; b++) {
                for (int i = 0; i < 2; i++) {
                    for (int j = 0; j < 5; j++) {
                        double s = 0;
                        for (int t = 0; t < 4; t++) {
                            s += xs[0][(b * 2 + i) * 4 + t] * xs[1][(b * 4 + t) * 5 + j];
                        }
                        y[(b * 2 + i) * 5 + j] = s;
                    }
                }
            }
            return y;
        }));
    }

    static void lenet1998(List<Case> c) {
        c.add(explicit("TrainableSubsampling 2", () -> new TrainableSubsampling(2), new int[][] {{2, 3, 5, 4}}, (xs, ps) -> {
            double[] y = new double[2 * 3 * 2 * 2];
            for (int b = 0; b < 2; b++) {
                for (int ch = 0; ch < 3; ch++) {
                    for (int i = 0; i < 2; i++) {
                        for (int j = 0; j < 2; j++) {
                            double s = 0;
                            for (int u = 0; u < 2; u++) {
                                for (int v = 0; v < 2; v++) {
                                    s += xs[0][((b * 3 + ch) * 5 + 2 * i + u) * 4 + 2 * j + v];
                                }
                            }
                            y[((b * 3 + ch) * 2 + i) * 2 + j] = ps.get("weight")[ch] * s + ps.get("bias")[ch];
                        }
                    }
                }
            }
            return y;
        }));
        int[][] table = {{0, 1}, {1, 2}, {0, 2}, {0, 1, 2}};
        c.add(explicit("ConnectionTableConv2d", () -> new ConnectionTableConv2d(table, 2, 2), new int[][] {{2, 3, 4, 4}},
                (xs, ps) -> {
                    double[] dense = new double[4 * 3 * 2 * 2];
                    double[] slices = ps.get("kernel");
                    int conn = 0;
                    for (int o = 0; o < table.length; o++) {
                        for (int in : table[o]) {
                            System.arraycopy(slices, conn * 4, dense, (o * 3 + in) * 4, 4);
                            conn++;
                        }
                    }
                    return conv(xs[0], dense, ps.get("bias"), 2, 3, 4, 4, 4, 2, 2, 1, 1, 0, 1, PadMode.ZERO);
                }));
        for (boolean learn : new boolean[] {false, true}) {
            c.add(explicit("RbfOutput" + (learn ? " with learned centres" : ""),
                    () -> new RbfOutput(4).learnCentres(learn), new int[][] {{3, 6}}, (xs, ps) -> {
                        double[] w = ps.get("centres");
                        double[] y = new double[12];
                        for (int b = 0; b < 3; b++) {
                            for (int u = 0; u < 4; u++) {
                                double s = 0;
                                for (int j = 0; j < 6; j++) {
                                    double d = xs[0][b * 6 + j] - w[u * 6 + j];
                                    s += d * d;
                                }
                                y[b * 4 + u] = -s;
                            }
                        }
                        return y;
                    }));
        }
    }
}

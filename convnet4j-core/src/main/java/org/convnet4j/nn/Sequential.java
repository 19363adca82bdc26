package org.convnet4j.nn;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;

/**
 * Layers applied one after another. Built with its input shape, it checks each layer as it is added:
 * a layer that does not accept the previous layer's output fails at once, naming the layer and both shapes.
 *
 * <pre>{@code
 * Sequential net = new Sequential(Shape.of(1, 28, 28))
 *     .add(new Conv2d(6, 5).padding(2)).add(new ReLU()).add(new MaxPool2d(2))
 *     .add(new Flatten()).add(new Dense(10));
 * }</pre>
 */
public final class Sequential extends Model {
    private final Shape inputShape;
    private final List<Layer> layers = new ArrayList<>();
    private final List<Shape> shapes = new ArrayList<>(); // shapes.get(i) = output of layer i
    private final Set<String> taken = new HashSet<>();

    public Sequential(Shape inputShape, Layer... layers) {
        this.inputShape = inputShape;
        for (Layer l : layers) {
            add(l);
        }
    }

    /** Named model; the name prefixes parameter names when this model is nested in another one. */
    public Sequential(String name, Shape inputShape, Layer... layers) {
        this(inputShape);
        named(name);
        for (Layer l : layers) {
            add(l);
        }
    }

    public Sequential add(Layer layer) {
        assignName(layer, taken);
        Shape in = shapes.isEmpty() ? inputShape : shapes.get(shapes.size() - 1);
        Shape out;
        try {
            out = layer.outputShape(List.of(in));
        } catch (org.convnet4j.util.MemoryBudget.ModelTooLargeException e) {
            throw e.in("layer '" + layer.name() + "'"); // too large, not a shape that does not fit
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("cannot add " + layer.describe() + " after "
                    + (layers.isEmpty() ? "the input" : layers.get(layers.size() - 1).describe())
                    + ": input shape " + in + " does not fit: " + e.getMessage(), e);
        }
        taken.add(layer.name());
        layers.add(layer);
        shapes.add(out);
        return this;
    }

    public List<Layer> layers() {
        return Collections.unmodifiableList(layers);
    }

    /** The layer with the given name; fails listing the names there are. */
    public Layer layer(String layerName) {
        for (Layer l : layers) {
            if (l.name().equals(layerName)) {
                return l;
            }
        }
        throw new IllegalArgumentException("model '" + name() + "' has no layer '" + layerName + "'; layers: "
                + layers.stream().map(Layer::name).toList());
    }

    public int indexOf(String layerName) {
        for (int i = 0; i < layers.size(); i++) {
            if (layers.get(i).name().equals(layerName)) {
                return i;
            }
        }
        return -1;
    }

    @Override
    public String defaultName() {
        return "sequential";
    }

    @Override
    public List<Shape> inputShapes() {
        return List.of(inputShape);
    }

    @Override
    public Shape outputShape() {
        return shapes.isEmpty() ? inputShape : shapes.get(shapes.size() - 1);
    }

    /** Output shape of layer {@code i}. */
    public Shape outputShapeAt(int i) {
        return shapes.get(i);
    }

    @Override
    public Shape outputShape(List<Shape> inputShapes) {
        requireInputs(inputShapes);
        if (!inputShapes.get(0).equals(inputShape)) {
            throw new IllegalArgumentException(describe() + ": built for input " + inputShape + ", given "
                    + inputShapes.get(0));
        }
        return outputShape();
    }

    @Override
    public Tensor forward(List<Tensor> inputs, boolean training) {
        requireInputs(inputs);
        Tensor x = inputs.get(0);
        if (x.rank() != inputShape.rank() + 1 || !x.shape().dropFirst().equals(inputShape)) {
            throw new IllegalArgumentException((name() == null ? "the model" : "model '" + name() + "'") + " expects input [N, "
                    + inputShape.toString().substring(1) + ", got " + x.shape());
        }
        boolean fuse = InferenceFusion.active(training);
        boolean plan = StepBuffers.plan() != null;
        InferenceBuffers reuse = InferenceBuffers.active();
        Tensor input = x;
        for (int i = 0; i < layers.size(); i++) {
            Layer l = layers.get(i);
            Tensor before = x;
            // memory plan: a ReLU that would run in place over this layer's output runs inside this layer
            if (plan && i + 1 < layers.size() && l instanceof TrainingReluFusion f && f.absorbsRelu(layers.get(i + 1))
                    && layers.get(i + 1) instanceof InPlace relu && relu.canOverwriteInput(0, 1)
                    && !l.backwardReadsOutput()) {
                boolean over = i > 0 && l instanceof InPlace ip && ip.canOverwriteInput(0, 1)
                        && !layers.get(i - 1).backwardReadsOutput();
                x = f.forwardWithRelu(List.of(x), over ? 0 : -1, training, layers.get(i + 1));
                i++;
                continue;
            }
            // memory plan: the previous layer's output has no other reader here, and its backward does not need it
            if (plan && i > 0 && l instanceof InPlace ip && ip.canOverwriteInput(0, 1)
                    && !layers.get(i - 1).backwardReadsOutput()) {
                x = ip.forwardInPlace(List.of(x), 0, training);
                continue;
            }
            int absorbed = 0;
            if (fuse && l instanceof InferenceFusion f) {
                List<Layer> next = layers.subList(i + 1, Math.min(layers.size(), i + 3));
                absorbed = f.absorbable(next);
            }
            x = absorbed > 0 ? ((InferenceFusion) l).forwardAbsorbing(List.of(x), layers.subList(i + 1,
                    Math.min(layers.size(), i + 3)), absorbed) : l.forward(List.of(x), training);
            i += absorbed;
            // Model.predict's buffers: the layer's input is dead now, unless it is the model's input (the caller's)
            // or the output shares its array (a view, a layer that returned its input)
            if (reuse != null && before.data() != input.data() && before.data() != x.data()) {
                reuse.giveBack(before.data());
            }
        }
        return x;
    }

    @Override
    public List<Tensor> backwardAll(Tensor gradOutput) {
        GradientPool pool = StepBuffers.plan();
        Tensor g = gradOutput;
        for (int i = layers.size() - 1; i >= 0; i--) {
            if (i >= 1 && ReluMasked.fusable(layers.get(i - 1), layers.get(i))) {
                g = maskedBackwardOf(layers.get(i - 1), layers.get(i), g, gradOutput, pool);
                i--;
                continue;
            }
            g = backwardOf(layers.get(i), g, gradOutput, pool);
        }
        return one(g);
    }

    @Override
    public void backwardParameters(Tensor gradOutput) {
        GradientPool pool = StepBuffers.plan();
        Tensor g = gradOutput;
        for (int i = layers.size() - 1; i >= 1; i--) {
            if (i >= 2 && ReluMasked.fusable(layers.get(i - 1), layers.get(i))) {
                g = maskedBackwardOf(layers.get(i - 1), layers.get(i), g, gradOutput, pool);
                i--;
                continue;
            }
            g = backwardOf(layers.get(i), g, gradOutput, pool);
        }
        if (layers.get(0) instanceof InputGradientOptional first) {
            first.backwardParametersOnly(g);
        } else {
            layers.get(0).backwardAll(g);
        }
        if (pool != null && g.data() != gradOutput.data()) {
            pool.giveBack(g.data()); // ignored unless the pool handed it out in this step
        }
    }

    /**
     * One layer's backward. Under the memory plan a gradient this model received from one of its own layers
     * (never the caller's) is held by nothing else: the layer may write over it, and it goes back to the pool
     * once the layer has made its own input gradient.
     */
    private static Tensor backwardOf(Layer l, Tensor g, Tensor fromCaller, GradientPool pool) {
        boolean own = pool != null && g.data() != fromCaller.data() && pool.holds(g.data());
        Tensor in = own && l instanceof InPlace ip ? ip.backwardInPlace(g).get(0) : l.backwardAll(g).get(0);
        if (own && in.data() != g.data()) {
            pool.giveBack(g.data());
        }
        return in;
    }

    /**
     * A ReLU's backward and the one of the layer before it as one pass: that layer applies the ReLU's mask as it
     * reads the gradient ({@link ReluMasked}); the same bits as the two passes. Under the memory plan it may write
     * over a gradient it holds alone, as {@link #backwardOf}.
     */
    private static Tensor maskedBackwardOf(Layer taker, Layer relu, Tensor g, Tensor fromCaller, GradientPool pool) {
        boolean own = pool != null && g.data() != fromCaller.data() && pool.holds(g.data());
        Tensor in = ((ReluMasked) taker).backwardMasked(g, ((ReluMasked.Mask) relu).reluMask(), own);
        if (own && in.data() != g.data()) {
            pool.giveBack(g.data());
        }
        return in;
    }

    /** Forward pass that keeps every layer's output (feature maps, feature extraction). */
    public List<Tensor> forwardKeepingActivations(Tensor x, boolean training) {
        List<Tensor> acts = new ArrayList<>();
        for (Layer l : layers) {
            x = l.forward(List.of(x), training);
            acts.add(x);
        }
        return acts;
    }

    @Override
    public List<Layer> children() {
        return Collections.unmodifiableList(layers);
    }

    @Override
    public long macs(List<Shape> inputShapes) {
        long total = 0;
        Shape in = inputShape;
        for (int i = 0; i < layers.size(); i++) {
            total += layers.get(i).macs(List.of(in));
            in = shapes.get(i);
        }
        return total;
    }

    @Override
    public List<SummaryRow> summaryRows() {
        List<SummaryRow> rows = new ArrayList<>();
        Shape in = inputShape;
        String prev = "input";
        for (int i = 0; i < layers.size(); i++) {
            Layer l = layers.get(i);
            long[] c = counts(l);
            rows.add(new SummaryRow(l.name(), l.type(), shapes.get(i), c[0], c[1], l.macs(List.of(in)), List.of(prev)));
            in = shapes.get(i);
            prev = l.name();
        }
        return rows;
    }
}

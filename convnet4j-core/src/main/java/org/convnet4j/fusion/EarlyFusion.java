package org.convnet4j.fusion;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.convnet4j.nn.Graph;
import org.convnet4j.nn.Model;
import org.convnet4j.nn.layers.Concat;
import org.convnet4j.tensor.Shape;

/**
 * Early (feature-level) fusion: the inputs are stacked as channels before the first layer and one network learns
 * from the result. Built as a graph {@code inputs -> concat -> network}, so it takes the same inputs as the other
 * fusion models. Channel stacking needs equal heights and widths: resample the data first
 * ({@link #commonSize}) or get an error naming the sizes.
 */
public final class EarlyFusion {
    private EarlyFusion() {
    }

    /**
     * @param inputs  input name to per-sample shape [C, H, W], in input order
     * @param network builds the network for the stacked input [sum C, H, W] (e.g. a zoo model)
     */
    public static Graph build(Map<String, Shape> inputs, Function<Shape, Model> network) {
        if (inputs.size() < 2) {
            throw new IllegalArgumentException("early fusion: needs at least two inputs, got " + inputs.keySet());
        }
        Shape stacked = stackedShape(inputs);
        Model net = network.apply(stacked);
        if (!net.inputShapes().equals(List.of(stacked))) {
            throw new IllegalArgumentException("early fusion: the network takes " + net.inputShapes()
                    + " but the stacked inputs are " + stacked);
        }
        Graph.Builder b = Graph.builder("early_fusion");
        inputs.forEach(b::input);
        b.add("concat", new Concat(), inputs.keySet().toArray(new String[0]));
        b.add("network", net, "concat");
        return b.output("network").build();
    }

    /** The shape of the channel-stacked inputs; fails naming the inputs whose sizes differ. */
    public static Shape stackedShape(Map<String, Shape> inputs) {
        String firstName = null;
        Shape first = null;
        int channels = 0;
        for (Map.Entry<String, Shape> e : inputs.entrySet()) {
            Shape s = e.getValue();
            if (s.rank() != 3) {
                throw new IllegalArgumentException("early fusion: input '" + e.getKey() + "' is " + s
                        + "; channel stacking needs pictures [C, H, W]");
            }
            if (first == null) {
                first = s;
                firstName = e.getKey();
            } else if (s.dim(1) != first.dim(1) || s.dim(2) != first.dim(2)) {
                throw new IllegalArgumentException("early fusion: input '" + e.getKey() + "' is " + s.dim(1) + "x"
                        + s.dim(2) + " but '" + firstName + "' is " + first.dim(1) + "x" + first.dim(2)
                        + "; channels can only be stacked at one size (resample with --resize, or "
                        + "MultiInputDataset.resized)");
            }
            channels += s.dim(0);
        }
        return Shape.of(channels, first.dim(1), first.dim(2));
    }

    /** What {@link #commonSize} does when the inputs' heights and widths differ. */
    public enum SizeMismatch {
        /** Resample every input (bilinearly) to the largest height and width. */
        RESAMPLE,
        /** Refuse, naming the sizes. */
        FAIL
    }

    /**
     * The data set with every input at one height and width: unchanged if they already agree; otherwise as
     * {@code onMismatch} says.
     */
    public static MultiInputDataset commonSize(MultiInputDataset data, SizeMismatch onMismatch) {
        return commonSize(data, onMismatch == SizeMismatch.RESAMPLE);
    }

    /**
     * The data set with every input at one height and width: unchanged if they already agree; otherwise resampled
     * to the largest height and width if {@code resample}, else an error naming the sizes.
     *
     * @deprecated the boolean does not say what it means at the call site; use {@link #commonSize(MultiInputDataset, SizeMismatch)}
     */
    @Deprecated
    public static MultiInputDataset commonSize(MultiInputDataset data, boolean resample) {
        Map<String, Shape> shapes = data.shapesByName();
        try {
            stackedShape(shapes);
            return data;
        } catch (IllegalArgumentException e) {
            if (!resample) {
                throw e;
            }
        }
        int h = 0;
        int w = 0;
        List<String> notPictures = new ArrayList<>();
        for (Map.Entry<String, Shape> e : shapes.entrySet()) {
            if (e.getValue().rank() != 3) {
                notPictures.add(e.getKey());
                continue;
            }
            h = Math.max(h, e.getValue().dim(1));
            w = Math.max(w, e.getValue().dim(2));
        }
        if (!notPictures.isEmpty()) {
            throw new IllegalArgumentException("early fusion: inputs " + notPictures + " are not pictures [C, H, W]");
        }
        return data.resized(h, w);
    }
}

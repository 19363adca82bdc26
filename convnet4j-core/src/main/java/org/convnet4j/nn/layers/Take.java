package org.convnet4j.nn.layers;

import java.util.Map;
import org.convnet4j.tensor.Shape;

/**
 * Picks values along one per-sample axis by a constant list of indices (ONNX Gather with constant indices;
 * Tile and Expand along an axis are takes too). A scalar index ({@code dropAxis}) removes the axis.
 */
public final class Take extends IndexMapLayer {
    private final int axis;
    private final int[] indices;
    private final boolean dropAxis;

    public Take(int axis, int[] indices, boolean dropAxis) {
        if (axis < 0 || indices.length == 0 || dropAxis && indices.length != 1) {
            throw new IllegalArgumentException("Take: axis " + axis + " with " + indices.length + " indices");
        }
        this.axis = axis;
        this.indices = indices.clone();
        this.dropAxis = dropAxis;
    }

    @Override
    protected Shape outputShapeOf(Shape input) {
        if (axis >= input.rank()) {
            throw new IllegalArgumentException(describe() + ": axis " + axis + " of input " + input);
        }
        for (int i : indices) {
            if (i < 0 || i >= input.dim(axis)) {
                throw new IllegalArgumentException(describe() + ": index " + i + " outside axis " + axis + " of " + input);
            }
        }
        if (dropAxis) {
            int[] d = new int[input.rank() - 1];
            for (int j = 0, k = 0; j < input.rank(); j++) {
                if (j != axis) {
                    d[k++] = input.dim(j);
                }
            }
            return Shape.of(d);
        }
        return input.withDim(axis, indices.length);
    }

    @Override
    protected int[] sourceMap(Shape in, Shape out) {
        int[][] per = new int[in.rank()][];
        for (int j = 0; j < per.length; j++) {
            if (j == axis) {
                per[j] = indices;
            } else {
                per[j] = new int[in.dim(j)];
                for (int i = 0; i < per[j].length; i++) {
                    per[j][i] = i;
                }
            }
        }
        return separable(in, per);
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = super.config();
        c.put("axis", axis);
        put(c, "indices", indices);
        c.put("drop_axis", dropAxis);
        return c;
    }
}

package org.convnet4j.nn.layers;

import org.convnet4j.nn.UnaryLayer;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;

/**
 * Maximum of each channel over all positions: [C, H, W] to [C]. The gradient goes to the first maximal
 * position (row-major), as in {@link MaxPool2d}. No parameters, 0 MACs.
 */
public final class GlobalMaxPool2d extends UnaryLayer {
    private Shape inShape;
    private int[] argmax; // flat index of the winner of each plane

    @Override
    protected Shape outputShapeOf(Shape input) {
        if (input.rank() != 3) {
            throw new IllegalArgumentException(describe() + ": expects an image input [C, H, W], got " + input);
        }
        return Shape.of(input.dim(0));
    }

    @Override
    public Tensor forward(Tensor x, boolean training) {
        x.requireRank(describe(), 4);
        inShape = x.shape();
        int planes = x.dim(0) * x.dim(1);
        int area = x.dim(2) * x.dim(3);
        Tensor y = Tensor.zeros(x.dim(0), x.dim(1));
        float[] a = x.data();
        float[] b = y.data();
        argmax = new int[planes];
        for (int pl = 0; pl < planes; pl++) {
            int base = pl * area;
            int best = base;
            for (int i = base + 1; i < base + area; i++) {
                if (a[i] > a[best]) {
                    best = i;
                }
            }
            argmax[pl] = best;
            b[pl] = a[best];
        }
        return y;
    }

    @Override
    public Tensor backward(Tensor dy) {
        Tensor dx = Tensor.zeros(inShape);
        float[] g = dy.data();
        float[] d = dx.data();
        for (int pl = 0; pl < g.length; pl++) {
            d[argmax[pl]] = g[pl];
        }
        return dx;
    }
}

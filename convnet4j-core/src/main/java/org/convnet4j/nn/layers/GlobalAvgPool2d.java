package org.convnet4j.nn.layers;

import org.convnet4j.nn.UnaryLayer;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;

/** Mean of each channel over all positions: [C, H, W] to [C]. No parameters, 0 MACs. */
public final class GlobalAvgPool2d extends UnaryLayer {
    private Shape inShape;

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
        for (int pl = 0; pl < planes; pl++) {
            double s = 0;
            int base = pl * area;
            for (int i = 0; i < area; i++) {
                s += a[base + i];
            }
            b[pl] = (float) (s / area);
        }
        return y;
    }

    @Override
    public Tensor backward(Tensor dy) {
        Tensor dx = Tensor.zeros(inShape);
        int area = inShape.dim(2) * inShape.dim(3);
        float[] g = dy.data();
        float[] d = dx.data();
        for (int pl = 0; pl < g.length; pl++) {
            float share = g[pl] / area;
            int base = pl * area;
            for (int i = 0; i < area; i++) {
                d[base + i] = share;
            }
        }
        return dx;
    }
}

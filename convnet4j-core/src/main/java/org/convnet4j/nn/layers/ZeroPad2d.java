package org.convnet4j.nn.layers;

import java.util.List;
import java.util.Map;
import org.convnet4j.nn.UnaryLayer;
import org.convnet4j.ops.Padding;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;

/** Adds rows/columns of zeros around every [H, W] plane: [C, H, W] to [C, top+H+bottom, left+W+right]. */
public final class ZeroPad2d extends UnaryLayer {
    private final Padding pad;
    private Shape inShape;

    public ZeroPad2d(int p) {
        this(p, p, p, p);
    }

    public ZeroPad2d(int top, int bottom, int left, int right) {
        this.pad = new Padding(top, bottom, left, right);
    }

    public Padding padding() {
        return pad;
    }

    @Override
    protected Shape outputShapeOf(Shape input) {
        if (input.rank() != 3) {
            throw new IllegalArgumentException(describe() + ": expects an image input [C, H, W], got " + input);
        }
        return Shape.of(input.dim(0), pad.paddedHeight(input.dim(1)), pad.paddedWidth(input.dim(2)));
    }

    @Override
    public Tensor forward(Tensor x, boolean training) {
        x.requireRank(describe(), 4);
        inShape = x.shape();
        int h = x.dim(2);
        int w = x.dim(3);
        int ph = pad.paddedHeight(h);
        int pw = pad.paddedWidth(w);
        int planes = x.dim(0) * x.dim(1);
        Tensor y = Tensor.zeros(x.dim(0), x.dim(1), ph, pw);
        float[] a = x.data();
        float[] b = y.data();
        for (int pl = 0; pl < planes; pl++) {
            for (int r = 0; r < h; r++) {
                System.arraycopy(a, (pl * h + r) * w, b, (pl * ph + r + pad.top()) * pw + pad.left(), w);
            }
        }
        return y;
    }

    @Override
    public Tensor backward(Tensor dy) {
        int h = inShape.dim(2);
        int w = inShape.dim(3);
        int ph = pad.paddedHeight(h);
        int pw = pad.paddedWidth(w);
        int planes = inShape.dim(0) * inShape.dim(1);
        Tensor dx = Tensor.zeros(inShape);
        float[] g = dy.data();
        float[] d = dx.data();
        for (int pl = 0; pl < planes; pl++) {
            for (int r = 0; r < h; r++) {
                System.arraycopy(g, (pl * ph + r + pad.top()) * pw + pad.left(), d, (pl * h + r) * w, w);
            }
        }
        return dx;
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = super.config();
        c.put("padding", List.of(pad.top(), pad.bottom(), pad.left(), pad.right()));
        return c;
    }
}

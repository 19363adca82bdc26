package org.convnet4j.nn.layers;

import java.util.List;
import java.util.Map;
import org.convnet4j.nn.Parameter;
import org.convnet4j.nn.UnaryLayer;
import org.convnet4j.nn.init.Initializer;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;

/**
 * LeNet-5's subsampling layers S2 and S4 (LeCun et al. 1998, section II.B): each output unit adds up the
 * {@code k x k} non-overlapping inputs of its window (stride {@code k}), multiplies the sum by a trainable
 * coefficient and adds a trainable bias, both shared by all units of one feature map:
 *
 * <pre>
 *   y[n, c, i, j] = weight[c] * sum_{u, v &lt; k} x[n, c, k i + u, k j + v] + bias[c]
 * </pre>
 *
 * [C, H, W] to [C, floor(H/k), floor(W/k)] with 2C parameters ({@code weight} and {@code bias}, both [C]);
 * rows and columns that do not fill a window are left out, as in valid pooling. The paper follows the layer
 * with its sigmoid squashing ({@link ScaledTanh}); this layer is only the affine part, so that the squashing
 * stays a separate, visible layer. The coefficient starts at {@code 1/k^2} (the layer begins as average
 * pooling, which keeps the activations' scale) and the bias at 0.
 */
public final class TrainableSubsampling extends UnaryLayer {
    private final int size;
    private Shape built;
    private Parameter weight;
    private Parameter bias;
    private Tensor sums; // window sums of the last forward pass, [N, C, OH, OW]

    /** The paper's 2x2 subsampling. */
    public TrainableSubsampling() {
        this(2);
    }

    public TrainableSubsampling(int size) {
        if (size < 1) {
            throw new IllegalArgumentException("TrainableSubsampling: window size must be >= 1, got " + size);
        }
        this.size = size;
    }

    public int size() {
        return size;
    }

    /** Per-map coefficient [C] (null until built). */
    public Parameter weight() {
        return weight;
    }

    /** Per-map bias [C] (null until built). */
    public Parameter bias() {
        return bias;
    }

    @Override
    protected Shape outputShapeOf(Shape input) {
        if (input.rank() != 3) {
            throw new IllegalArgumentException(describe() + ": expects an image input [C, H, W], got " + input);
        }
        if (input.dim(1) < size || input.dim(2) < size) {
            throw new IllegalArgumentException(describe() + ": input " + input + " is smaller than the " + size
                    + "x" + size + " window");
        }
        if (built == null) {
            int c = input.dim(0);
            float start = 1f / (size * size);
            Initializer averaging = Initializer.named("subsampling_average", (t, in, out, r) -> t.fill(start));
            weight = Parameter.learnable("weight", Shape.of(c), averaging, size * size, 1);
            bias = Parameter.learnable("bias", Shape.of(c), Initializer.ZEROS, size * size, 1);
            built = input;
            setTrainable(isTrainable()); // a layer frozen before it was built freezes its new parameters
        } else if (!built.equals(input)) {
            throw new IllegalArgumentException(describe() + ": built for input " + built + ", given " + input);
        }
        return Shape.of(input.dim(0), input.dim(1) / size, input.dim(2) / size);
    }

    @Override
    public Tensor forward(Tensor x, boolean training) {
        if (built == null) {
            outputShapeOf(x.shape().dropFirst());
        }
        requireSample(x, built);
        int n = x.dim(0);
        int c = built.dim(0);
        int h = built.dim(1);
        int w = built.dim(2);
        int oh = h / size;
        int ow = w / size;
        Tensor s = Tensor.zeros(n, c, oh, ow);
        Tensor y = Tensor.zeros(n, c, oh, ow);
        float[] xd = x.data();
        float[] sd = s.data();
        float[] yd = y.data();
        float[] wd = weight.value().data();
        float[] bd = bias.value().data();
        for (int plane = 0; plane < n * c; plane++) {
            int ch = plane % c;
            int in = plane * h * w;
            int out = plane * oh * ow;
            for (int i = 0; i < oh; i++) {
                for (int j = 0; j < ow; j++) {
                    float sum = 0f;
                    for (int u = 0; u < size; u++) {
                        int row = in + (i * size + u) * w + j * size;
                        for (int v = 0; v < size; v++) {
                            sum += xd[row + v];
                        }
                    }
                    sd[out + i * ow + j] = sum;
                    yd[out + i * ow + j] = wd[ch] * sum + bd[ch];
                }
            }
        }
        sums = s;
        return y;
    }

    @Override
    public Tensor backward(Tensor dy) {
        if (sums == null) {
            throw new IllegalStateException(describe() + ": backward before forward");
        }
        Tensor.requireSameShape(describe() + " backward", sums, dy);
        int n = dy.dim(0);
        int c = built.dim(0);
        int h = built.dim(1);
        int w = built.dim(2);
        int oh = h / size;
        int ow = w / size;
        Tensor dx = Tensor.zeros(n, c, h, w);
        float[] dxd = dx.data();
        float[] g = dy.data();
        float[] sd = sums.data();
        float[] wd = weight.value().data();
        double[] dWeight = new double[c];
        double[] dBias = new double[c];
        for (int plane = 0; plane < n * c; plane++) {
            int ch = plane % c;
            int in = plane * h * w;
            int out = plane * oh * ow;
            for (int i = 0; i < oh; i++) {
                for (int j = 0; j < ow; j++) {
                    float gy = g[out + i * ow + j];
                    dWeight[ch] += (double) gy * sd[out + i * ow + j];
                    dBias[ch] += gy;
                    // every input of the window reaches the output with the same factor, the map's coefficient
                    float gx = gy * wd[ch];
                    for (int u = 0; u < size; u++) {
                        int row = in + (i * size + u) * w + j * size;
                        for (int v = 0; v < size; v++) {
                            dxd[row + v] = gx;
                        }
                    }
                }
            }
        }
        float[] gw = weight.grad().data();
        float[] gb = bias.grad().data();
        for (int ch = 0; ch < c; ch++) {
            gw[ch] += (float) dWeight[ch];
            gb[ch] += (float) dBias[ch];
        }
        return dx;
    }

    /** One multiplication (by the coefficient) per output value; the window sum is additions only. */
    @Override
    protected long macsOf(Shape input) {
        return (long) input.dim(0) * (input.dim(1) / size) * (input.dim(2) / size);
    }

    @Override
    public List<Parameter> parameters() {
        return weight == null ? List.of() : List.of(weight, bias);
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = super.config();
        c.put("pool_size", size);
        return c;
    }
}

package org.convnet4j.io.weights;

import org.convnet4j.tensor.Shape;

/**
 * Re-ordering of channels-last (TensorFlow/Keras) weights into our layouts. Ours: conv kernels
 * [out, in, kh, kw], dense kernels [out, in] with inputs flattened as [C, H, W].
 */
public final class Layouts {
    private Layouts() {
    }

    /** Keras conv kernel (kh, kw, in, out) to [out, in, kh, kw]. */
    public static float[] convFromHwio(float[] v, int kh, int kw, int in, int out) {
        float[] r = new float[v.length];
        for (int y = 0; y < kh; y++) {
            for (int x = 0; x < kw; x++) {
                for (int i = 0; i < in; i++) {
                    int src = ((y * kw + x) * in + i) * out;
                    for (int o = 0; o < out; o++) {
                        r[((o * in + i) * kh + y) * kw + x] = v[src + o];
                    }
                }
            }
        }
        return r;
    }

    /** Keras dense kernel (in, out) to [out, in]. */
    public static float[] denseFromInOut(float[] v, int in, int out) {
        float[] r = new float[v.length];
        for (int i = 0; i < in; i++) {
            for (int o = 0; o < out; o++) {
                r[o * in + i] = v[i * out + o];
            }
        }
        return r;
    }

    /**
     * Keras dense kernel (H*W*C, out) whose input is a channels-last Flatten of [H, W, C] feature maps, to
     * [out, C*H*W] for our channels-first Flatten of {@code chw}: row (h*W + w)*C + c becomes column
     * c*H*W + h*W + w.
     */
    public static float[] denseFromHwcFlatten(float[] v, Shape chw, int out) {
        int c = chw.dim(0);
        int h = chw.dim(1);
        int w = chw.dim(2);
        int in = c * h * w;
        float[] r = new float[v.length];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                for (int ch = 0; ch < c; ch++) {
                    int src = ((y * w + x) * c + ch) * out;
                    int col = (ch * h + y) * w + x;
                    for (int o = 0; o < out; o++) {
                        r[o * in + col] = v[src + o];
                    }
                }
            }
        }
        return r;
    }
}

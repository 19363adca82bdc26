package org.convnet4j.zoo;

import org.convnet4j.nn.Layer;
import org.convnet4j.nn.Sequential;
import org.convnet4j.nn.layers.GlobalAvgPool2d;
import org.convnet4j.nn.layers.GlobalMaxPool2d;
import org.convnet4j.nn.layers.MaxPool2d;
import org.convnet4j.ops.Padding;
import org.convnet4j.ops.PaddingSpec;
import org.convnet4j.tensor.Shape;

/** Small pieces shared by the zoo architectures. */
final class Blocks {
    private Blocks() {
    }

    /**
     * PyTorch's {@code MaxPool2d(k, s, p, ceil_mode=True)} for a known input: ceil mode lets the last window
     * hang over the bottom/right edge (but start inside the input), which is the same as extra padding there,
     * and padded cells never win a max. torchvision's GoogLeNet pools this way (112 -> 56, 14 -> 7).
     */
    static MaxPool2d ceilMaxPool(int k, int s, int p, Shape in) {
        int extraH = ceilExtra(in.dim(1), k, s, p);
        int extraW = ceilExtra(in.dim(2), k, s, p);
        return new MaxPool2d(k).stride(s).padding(PaddingSpec.explicit(new Padding(p, p + extraH, p, p + extraW)));
    }

    private static int ceilExtra(int n, int k, int s, int p) {
        int span = n + 2 * p - k;
        if (span < 0) {
            return 0; // too small: leave it to the pooling layer to say so
        }
        int out = (span + s - 1) / s + 1;
        if ((out - 1) * s >= n + p) {
            out--; // the last window would start in the padding: PyTorch drops it
        }
        return Math.max(0, (out - 1) * s + k - (n + 2 * p));
    }

    /** The feature-extraction end of a model without its classifier: global pooling or nothing. */
    static void addFeaturePooling(Sequential m, ZooOptions o, String avgName, String maxName) {
        switch (o.pooling()) {
            case AVG -> m.add(new GlobalAvgPool2d().named(avgName));
            case MAX -> m.add(new GlobalMaxPool2d().named(maxName));
            default -> {
            }
        }
    }

    /** Layers named "0", "1", ... like a PyTorch {@code nn.Sequential}. */
    static Sequential indexed(String name, Shape input, Layer... layers) {
        Sequential s = new Sequential(name, input);
        for (int i = 0; i < layers.length; i++) {
            s.add(layers[i].named(String.valueOf(i)));
        }
        return s;
    }
}

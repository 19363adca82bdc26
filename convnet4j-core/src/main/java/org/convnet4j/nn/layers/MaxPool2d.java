package org.convnet4j.nn.layers;

import org.convnet4j.ops.Padding;
import org.convnet4j.ops.PaddingSpec;
import org.convnet4j.ops.PoolParams;
import org.convnet4j.ops.PoolType;

/**
 * Maximum over each window. The gradient goes to the first maximal element of a window (row-major), so
 * gradient checks need inputs without near-ties at the maximum.
 */
public final class MaxPool2d extends Pool2d {
    public MaxPool2d(int size) {
        super(size, size);
    }

    public MaxPool2d(int kh, int kw) {
        super(kh, kw);
    }

    public MaxPool2d stride(int s) {
        setStride(s, s);
        return this;
    }

    public MaxPool2d stride(int sh, int sw) {
        setStride(sh, sw);
        return this;
    }

    public MaxPool2d padding(int p) {
        setPadding(PaddingSpec.explicit(Padding.of(p)));
        return this;
    }

    /** "valid", "same", "N" or "T,B,L,R". */
    public MaxPool2d padding(String spec) {
        setPadding(PaddingSpec.parse(spec));
        return this;
    }

    public MaxPool2d padding(PaddingSpec spec) {
        setPadding(spec);
        return this;
    }

    @Override
    protected PoolParams poolParams(int kh, int kw, int sh, int sw, Padding padding) {
        return params(PoolType.MAX, kh, kw, sh, sw, padding, 1, false);
    }
}

package org.convnet4j.nn.layers;

import java.util.Map;
import org.convnet4j.ops.Padding;
import org.convnet4j.ops.PaddingSpec;
import org.convnet4j.ops.PoolParams;
import org.convnet4j.ops.PoolType;

/**
 * Mean over each window. With padding, {@code countIncludePad(true)} divides by the full window area
 * (PyTorch's default), {@code false} (our default, and Keras' 'same' behaviour) by the real pixels only.
 */
public final class AvgPool2d extends Pool2d {
    private boolean countIncludePad;

    public AvgPool2d(int size) {
        super(size, size);
    }

    public AvgPool2d(int kh, int kw) {
        super(kh, kw);
    }

    public AvgPool2d stride(int s) {
        setStride(s, s);
        return this;
    }

    public AvgPool2d stride(int sh, int sw) {
        setStride(sh, sw);
        return this;
    }

    public AvgPool2d padding(int p) {
        setPadding(PaddingSpec.explicit(Padding.of(p)));
        return this;
    }

    /** "valid", "same", "N" or "T,B,L,R". */
    public AvgPool2d padding(String spec) {
        setPadding(PaddingSpec.parse(spec));
        return this;
    }

    public AvgPool2d padding(PaddingSpec spec) {
        setPadding(spec);
        return this;
    }

    public AvgPool2d countIncludePad(boolean include) {
        requireUnbuilt("countIncludePad");
        countIncludePad = include;
        return this;
    }

    @Override
    protected PoolParams poolParams(int kh, int kw, int sh, int sw, Padding padding) {
        return params(PoolType.AVG, kh, kw, sh, sw, padding, 1, countIncludePad);
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = super.config();
        c.put("count_include_pad", countIncludePad);
        return c;
    }
}

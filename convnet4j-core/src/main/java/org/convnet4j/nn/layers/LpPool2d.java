package org.convnet4j.nn.layers;

import java.util.Map;
import org.convnet4j.ops.Padding;
import org.convnet4j.ops.PaddingSpec;
import org.convnet4j.ops.PoolParams;
import org.convnet4j.ops.PoolType;

/**
 * Power-average pooling {@code (sum |x|^p)^(1/p)} over each window (PyTorch's LPPool2d, for which p = 1 is
 * sum pooling and p = infinity would be max pooling). Padded cells count as zeros.
 */
public final class LpPool2d extends Pool2d {
    private final double p;

    public LpPool2d(double p, int size) {
        this(p, size, size);
    }

    public LpPool2d(double p, int kh, int kw) {
        super(kh, kw);
        if (!(p >= 1) || !Double.isFinite(p)) {
            throw new IllegalArgumentException("LpPool2d: p must be a finite number >= 1, got " + p);
        }
        this.p = p;
    }

    public double p() {
        return p;
    }

    public LpPool2d stride(int s) {
        setStride(s, s);
        return this;
    }

    public LpPool2d stride(int sh, int sw) {
        setStride(sh, sw);
        return this;
    }

    public LpPool2d padding(int pad) {
        setPadding(PaddingSpec.explicit(Padding.of(pad)));
        return this;
    }

    /** "valid", "same", "N" or "T,B,L,R". */
    public LpPool2d padding(String spec) {
        setPadding(PaddingSpec.parse(spec));
        return this;
    }

    public LpPool2d padding(PaddingSpec spec) {
        setPadding(spec);
        return this;
    }

    @Override
    protected PoolParams poolParams(int kh, int kw, int sh, int sw, Padding padding) {
        return params(PoolType.LP, kh, kw, sh, sw, padding, p, false);
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = super.config();
        c.put("p", p);
        return c;
    }
}

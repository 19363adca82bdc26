package org.convnet4j.ops;

/**
 * A pooling window: type, kernel {@code kh x kw}, strides, explicit padding, the exponent {@code p} (used by
 * {@link PoolType#LP} only) and whether padded cells count in the mean's divisor.
 *
 * <p>Padding may be at most half the kernel on each side, so every window holds at least one real pixel
 * (otherwise a max window would be all padding, i.e. -infinity).
 */
public record PoolParams(PoolType type, int kh, int kw, int strideH, int strideW, Padding padding, double p,
                         boolean countIncludePad) {

    public PoolParams {
        if (type == null) {
            throw new IllegalArgumentException("pool params: type must not be null");
        }
        if (kh < 1 || kw < 1) {
            throw new IllegalArgumentException("pool params: kernel must be >= 1, got " + kh + "x" + kw);
        }
        if (strideH < 1 || strideW < 1) {
            throw new IllegalArgumentException("pool params: stride must be >= 1, got " + strideH + "x" + strideW);
        }
        if (padding == null) {
            throw new IllegalArgumentException("pool params: padding must not be null (use Padding.valid())");
        }
        if (padding.top() > kh / 2 || padding.bottom() > kh / 2 || padding.left() > kw / 2
                || padding.right() > kw / 2) {
            throw new IllegalArgumentException("pool params: padding " + padding + " must be at most half the "
                    + kh + "x" + kw + " kernel on each side, so no window is only padding");
        }
        if (type == PoolType.LP && !(p >= 1 && Double.isFinite(p))) {
            throw new IllegalArgumentException("pool params: Lp pooling needs a finite p >= 1, got " + p);
        }
    }

    /** Max pooling with a square {@code k x k} window and square stride. */
    public static PoolParams max(int k, int stride) {
        return new PoolParams(PoolType.MAX, k, k, stride, stride, Padding.valid(), 1, false);
    }

    /** Mean pooling with a square window and square stride (padding excluded from the divisor). */
    public static PoolParams avg(int k, int stride) {
        return new PoolParams(PoolType.AVG, k, k, stride, stride, Padding.valid(), 1, false);
    }

    /** Lp pooling {@code (sum |x|^p)^(1/p)} with a square window and square stride. */
    public static PoolParams lp(double p, int k, int stride) {
        return new PoolParams(PoolType.LP, k, k, stride, stride, Padding.valid(), p, false);
    }

    public PoolParams withKernel(int h, int w) {
        return new PoolParams(type, h, w, strideH, strideW, padding, p, countIncludePad);
    }

    public PoolParams withStride(int sh, int sw) {
        return new PoolParams(type, kh, kw, sh, sw, padding, p, countIncludePad);
    }

    public PoolParams withPadding(Padding pad) {
        return new PoolParams(type, kh, kw, strideH, strideW, pad, p, countIncludePad);
    }

    public PoolParams withCountIncludePad(boolean include) {
        return new PoolParams(type, kh, kw, strideH, strideW, padding, p, include);
    }
}

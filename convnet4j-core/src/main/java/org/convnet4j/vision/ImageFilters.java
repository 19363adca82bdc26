package org.convnet4j.vision;

import org.convnet4j.ops.ConvParams;
import org.convnet4j.ops.Convolution;
import org.convnet4j.ops.PadMode;
import org.convnet4j.ops.Padding;
import org.convnet4j.ops.PaddingSpec;
import org.convnet4j.tensor.Tensor;

/**
 * Classic image filtering on tensors of pixel values, shaped [C, H, W] (one image) or [N, C, H, W] (a batch).
 * Results keep the input's rank. Values are not clamped or rescaled; see {@link Normalization} for display.
 */
public final class ImageFilters {
    /** ITU-R BT.601 luma weights, the usual RGB to grey conversion. */
    public static final float LUMA_R = 0.299f;
    public static final float LUMA_G = 0.587f;
    public static final float LUMA_B = 0.114f;

    private ImageFilters() {
    }

    /**
     * Applies the same 2-D kernel [KH, KW] to every channel separately (a depthwise convolution), by
     * cross-correlation as in the lecture.
     */
    public static Tensor convolve2d(Tensor image, Tensor kernel2d, PaddingSpec padding, PadMode mode, int stride) {
        Tensor x = asBatch("convolve2d", image);
        if (kernel2d.rank() != 2) {
            throw new IllegalArgumentException("convolve2d: kernel must be 2-D [KH, KW], got shape " + kernel2d.shape());
        }
        int c = x.dim(1);
        int kh = kernel2d.dim(0);
        int kw = kernel2d.dim(1);
        Padding pad = padding.resolve(x.dim(2), x.dim(3), kh, kw, stride, stride, 1, 1);
        ConvParams p = ConvParams.of(stride, pad).withPadMode(mode).withGroups(c);
        Tensor w = Tensor.zeros(c, 1, kh, kw);
        for (int ch = 0; ch < c; ch++) {
            System.arraycopy(kernel2d.data(), 0, w.data(), ch * kh * kw, kh * kw);
        }
        Tensor y = Convolution.forward(x, w, null, p);
        return image.rank() == 3 ? y.reshape(y.shape().dropFirst()) : y;
    }

    /** Element-wise {@code sqrt(gx^2 + gy^2)}. */
    public static Tensor gradientMagnitude(Tensor gx, Tensor gy) {
        Tensor.requireSameShape("gradientMagnitude", gx, gy);
        Tensor m = Tensor.zeros(gx.shape());
        float[] a = gx.data();
        float[] b = gy.data();
        float[] d = m.data();
        for (int i = 0; i < d.length; i++) {
            d[i] = (float) Math.hypot(a[i], b[i]);
        }
        return m;
    }

    /**
     * Element-wise {@code atan2(gy, gx)} in radians (-pi..pi]; with y pointing down as in the lecture, so 0 means
     * the intensity changes along x and pi/2 along y. Sign conventions follow the Sobel kernels used.
     */
    public static Tensor gradientDirection(Tensor gx, Tensor gy) {
        Tensor.requireSameShape("gradientDirection", gx, gy);
        Tensor t = Tensor.zeros(gx.shape());
        float[] a = gx.data();
        float[] b = gy.data();
        float[] d = t.data();
        for (int i = 0; i < d.length; i++) {
            d[i] = (float) Math.atan2(b[i], a[i]);
        }
        return t;
    }

    /** Sobel edges without padding (an H x W image gives (H-2) x (W-2), as in the lecture). */
    public static SobelEdges sobelEdges(Tensor image) {
        return sobelEdges(image, PaddingSpec.valid(), PadMode.ZERO);
    }

    /** Sobel edges of the grey version of {@code image}, with the given padding. */
    public static SobelEdges sobelEdges(Tensor image, PaddingSpec padding, PadMode mode) {
        Tensor grey = toGrey(image);
        Tensor gx = convolve2d(grey, ClassicKernels.sobelX(), padding, mode, 1);
        Tensor gy = convolve2d(grey, ClassicKernels.sobelY(), padding, mode, 1);
        return new SobelEdges(gx, gy, gradientMagnitude(gx, gy), gradientDirection(gx, gy));
    }

    /**
     * One grey channel: a copy of a 1-channel image, or {@code 0.299 R + 0.587 G + 0.114 B} of a 3-channel one.
     * Keeps the rank ([C,H,W] gives [1,H,W]; [N,C,H,W] gives [N,1,H,W]).
     */
    public static Tensor toGrey(Tensor image) {
        Tensor x = asBatch("toGrey", image);
        int c = x.dim(1);
        if (c == 1) {
            return image.copy();
        }
        if (c != 3) {
            throw new IllegalArgumentException("toGrey: expected 1 (grey) or 3 (RGB) channels, got shape "
                    + image.shape());
        }
        int n = x.dim(0);
        int plane = x.dim(2) * x.dim(3);
        Tensor g = Tensor.zeros(n, 1, x.dim(2), x.dim(3));
        float[] s = x.data();
        float[] d = g.data();
        for (int b = 0; b < n; b++) {
            int base = b * 3 * plane;
            for (int i = 0; i < plane; i++) {
                d[b * plane + i] = LUMA_R * s[base + i] + LUMA_G * s[base + plane + i] + LUMA_B * s[base + 2 * plane + i];
            }
        }
        return image.rank() == 3 ? g.reshape(g.shape().dropFirst()) : g;
    }

    /** The image as [N, C, H, W] (a view, no copy). */
    private static Tensor asBatch(String op, Tensor image) {
        if (image.rank() == 4) {
            return image;
        }
        if (image.rank() == 3) {
            return image.reshape(image.shape().prepend(1));
        }
        throw new IllegalArgumentException(op + ": image must be [C, H, W] or [N, C, H, W], got shape "
                + image.shape() + (image.rank() == 2 ? " (reshape a grey H x W image to [1, H, W])" : ""));
    }

}

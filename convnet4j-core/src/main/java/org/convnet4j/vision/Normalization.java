package org.convnet4j.vision;

import java.util.Locale;
import org.convnet4j.tensor.Tensor;

/**
 * Rescales filter responses to displayable pixel values 0..255, as the lecture does after edge detection
 * ({@code 0, -1020} becomes {@code 255, 0}).
 *
 * <p>By default each H x W plane (each channel of each image) is scaled on its own, so that a weak channel is
 * not flattened by a strong one; pass {@code perChannel = false} to use one range for the whole tensor. A
 * constant plane (max == min) has no range to stretch and becomes all zeros. Rank-2 tensors [H, W] are a single
 * plane.
 */
public final class Normalization {
    /** How to map responses to 0..255: leave as is, min-max, or min-max of the absolute values. */
    public enum Mode {
        NONE, MINMAX, ABS;

        public static Mode parse(String text) {
            String t = text.trim().toLowerCase(Locale.ROOT);
            switch (t) {
                case "none":
                    return NONE;
                case "minmax":
                case "min-max":
                    return MINMAX;
                case "abs":
                    return ABS;
                default:
                    throw new IllegalArgumentException("normalisation '" + text + "' is unknown; use none, minmax or abs");
            }
        }
    }

    private Normalization() {
    }

    /** Over what a min-max stretch finds its minimum and maximum. */
    public enum Range {
        /** Each plane (channel of each picture) on its own: every plane spans 0..255. */
        PER_CHANNEL,
        /** The whole tensor at once: planes keep their brightness relative to each other. */
        WHOLE_TENSOR
    }

    /** Per-plane min-max to 0..255 (new tensor). */
    public static Tensor minMax(Tensor t) {
        return minMax(t, Range.PER_CHANNEL);
    }

    /** Min-max to 0..255 over each plane or the whole tensor (new tensor). */
    public static Tensor minMax(Tensor t, Range range) {
        Tensor out = t.copy();
        stretch(out.data(), planeSize(t, range == Range.PER_CHANNEL));
        return out;
    }

    /** @deprecated the boolean does not say what it chooses: use {@link #minMax(Tensor, Range)} */
    @Deprecated
    public static Tensor minMax(Tensor t, boolean perChannel) {
        return minMax(t, perChannel ? Range.PER_CHANNEL : Range.WHOLE_TENSOR);
    }

    /** Absolute values, then per-plane min-max to 0..255 (new tensor): strong edges of either sign are bright. */
    public static Tensor absMinMax(Tensor t) {
        return absMinMax(t, Range.PER_CHANNEL);
    }

    /** @deprecated the boolean does not say what it chooses: use {@link #absMinMax(Tensor, Range)} */
    @Deprecated
    public static Tensor absMinMax(Tensor t, boolean perChannel) {
        return absMinMax(t, perChannel ? Range.PER_CHANNEL : Range.WHOLE_TENSOR);
    }

    /** Absolute values, then min-max to 0..255 over each plane or the whole tensor (new tensor). */
    public static Tensor absMinMax(Tensor t, Range range) {
        boolean perChannel = range == Range.PER_CHANNEL;
        Tensor out = t.copy();
        float[] d = out.data();
        for (int i = 0; i < d.length; i++) {
            d[i] = Math.abs(d[i]);
        }
        stretch(d, planeSize(t, perChannel));
        return out;
    }

    /** Applies {@code mode} per plane; {@link Mode#NONE} returns a copy. */
    public static Tensor apply(Tensor t, Mode mode) {
        switch (mode) {
            case MINMAX:
                return minMax(t);
            case ABS:
                return absMinMax(t);
            default:
                return t.copy();
        }
    }

    private static int planeSize(Tensor t, boolean perChannel) {
        if (!perChannel || t.rank() < 2) {
            return t.size();
        }
        return t.dim(-2) * t.dim(-1);
    }

    private static void stretch(float[] d, int plane) {
        for (int start = 0; start < d.length; start += plane) {
            int end = start + plane;
            float min = Float.POSITIVE_INFINITY;
            float max = Float.NEGATIVE_INFINITY;
            for (int i = start; i < end; i++) {
                min = Math.min(min, d[i]);
                max = Math.max(max, d[i]);
            }
            double range = (double) max - min;
            for (int i = start; i < end; i++) {
                d[i] = range > 0 ? (float) ((d[i] - (double) min) / range * 255.0) : 0f;
            }
        }
    }
}

package org.convnet4j.vision;

import org.convnet4j.tensor.Tensor;

/**
 * Maps filter responses, which can be any real numbers, to pixel values 0..255 for pictures. Pictures get one
 * range for the whole image (not per channel) so that a colour image keeps its colour balance. What the CLI's
 * {@code convolve}, {@code edges} and {@code pool} write; for a Java user writing filter responses as pictures.
 */
public final class DisplayMaps {
    private DisplayMaps() {
    }

    /** NONE leaves values as they are (the writer clamps them to 0..255); MINMAX and ABS stretch to 0..255. */
    public static Tensor forPicture(Tensor t, Normalization.Mode mode) {
        switch (mode) {
            case MINMAX:
                return Normalization.minMax(t, false);
            case ABS:
                return Normalization.absMinMax(t, false);
            default:
                return t;
        }
    }

    /** The same modes for raw numbers (CSV); NONE writes them unchanged. */
    public static Tensor forNumbers(Tensor t, Normalization.Mode mode) {
        return forPicture(t, mode);
    }

    /**
     * A signed response (a derivative) as grey: 0 is mid-grey 128, the largest |value| is black (negative) or
     * white (positive). Unlike min-max this keeps "no change" at the same grey in every picture.
     */
    public static Tensor signedGrey(Tensor t) {
        float maxAbs = maxAbs(t);
        Tensor out = Tensor.zeros(t.shape());
        float[] s = t.data();
        float[] d = out.data();
        for (int i = 0; i < d.length; i++) {
            d[i] = maxAbs > 0 ? 127.5f + 127.5f * s[i] / maxAbs : 127.5f;
        }
        return out;
    }

    /** A non-negative response (a gradient magnitude) scaled so that its maximum is 255 and 0 stays black. */
    public static Tensor scaledToMax(Tensor t) {
        float max = maxAbs(t);
        Tensor out = Tensor.zeros(t.shape());
        float[] s = t.data();
        float[] d = out.data();
        for (int i = 0; i < d.length; i++) {
            d[i] = max > 0 ? 255f * s[i] / max : 0f;
        }
        return out;
    }

    /**
     * Gradient direction as a colour wheel: hue = angle (atan2(gy, gx) in degrees, 0 red, 90 yellow-green,
     * 180 cyan, -90 = 270 violet), brightness = magnitude / max magnitude, so flat regions are black and only
     * edges show their colour. Input [1,H,W] (or [H,W]) planes of equal shape; output [3,H,W].
     */
    public static Tensor directionWheel(Tensor direction, Tensor magnitude) {
        Tensor.requireSameShape("directionWheel", direction, magnitude);
        int h = direction.dim(-2);
        int w = direction.dim(-1);
        int plane = h * w;
        float max = maxAbs(magnitude);
        float[] a = direction.data();
        float[] m = magnitude.data();
        Tensor rgb = Tensor.zeros(3, h, w);
        float[] d = rgb.data();
        float[] px = new float[3];
        for (int i = 0; i < plane; i++) {
            double deg = Math.toDegrees(a[i]);
            double hue = ((deg % 360) + 360) % 360;
            float value = max > 0 ? m[i] / max : 0f;
            hsvToRgb(hue, value, px);
            d[i] = 255f * px[0];
            d[plane + i] = 255f * px[1];
            d[2 * plane + i] = 255f * px[2];
        }
        return rgb;
    }

    /** Fully saturated HSV to RGB (each 0..1); hue in degrees 0..360. */
    public static void hsvToRgb(double hue, float value, float[] rgb) {
        double h = hue / 60.0;
        int sector = (int) Math.floor(h) % 6;
        float f = (float) (h - Math.floor(h));
        float rising = value * f;
        float falling = value * (1 - f);
        switch (sector) {
            case 0: set(rgb, value, rising, 0); break;
            case 1: set(rgb, falling, value, 0); break;
            case 2: set(rgb, 0, value, rising); break;
            case 3: set(rgb, 0, falling, value); break;
            case 4: set(rgb, rising, 0, value); break;
            default: set(rgb, value, 0, falling); break;
        }
    }

    private static void set(float[] rgb, float r, float g, float b) {
        rgb[0] = r;
        rgb[1] = g;
        rgb[2] = b;
    }

    private static float maxAbs(Tensor t) {
        float m = 0;
        for (float v : t.data()) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }
}

package org.convnet4j.serve;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Base64;
import javax.imageio.ImageIO;
import org.convnet4j.tensor.Tensor;

/**
 * Numbers made visible for the pages: a model input as the model sees it, first-layer kernels, feature maps.
 * Each tile is min-max stretched on its own (a feature map's scale is arbitrary; what matters is where it is
 * strong), then the tiles are laid out in a grid, as PNG bytes.
 */
public final class MapImages {
    private MapImages() {
    }

    /** One [C, H, W] tensor (C = 1 grey, C = 3 colour, other C: the first channel) as a PNG. */
    public static byte[] picture(Tensor chw) {
        int c = chw.dim(0);
        return png(grid(chw.data(), 1, c == 3 ? 3 : 1, chw.dim(1), chw.dim(2), 1, c));
    }

    /**
     * A model input as {@link #picture(Tensor)} draws it, its channels in BGR order when {@code bgr} (Keras' caffe
     * preprocessing): drawn with red and blue swapped back, so that a red picture shows red, not blue.
     */
    public static byte[] picture(Tensor chw, boolean bgr) {
        if (!bgr || chw.dim(0) != 3) {
            return picture(chw);
        }
        float[] d = chw.data();
        int plane = chw.dim(1) * chw.dim(2);
        float[] rgb = new float[3 * plane];
        System.arraycopy(d, 2 * plane, rgb, 0, plane);
        System.arraycopy(d, plane, rgb, plane, plane);
        System.arraycopy(d, 0, rgb, 2 * plane, plane);
        return png(grid(rgb, 1, 3, chw.dim(1), chw.dim(2), 1, 3));
    }

    /**
     * The first {@code maxTiles} of [N, C, H, W] in a grid {@code cols} wide with a 1-pixel gap; a tile is drawn
     * in colour when C = 3, otherwise from its first channel.
     */
    public static byte[] tiles(Tensor nchw, int maxTiles, int cols) {
        int n = Math.min(nchw.dim(0), maxTiles);
        int c = nchw.dim(1);
        return png(grid(nchw.data(), n, c == 3 ? 3 : 1, nchw.dim(2), nchw.dim(3), cols, c));
    }

    /** A PNG as a data URL, for JSON events that pages draw directly. */
    public static String dataUrl(byte[] png) {
        return "data:image/png;base64," + Base64.getEncoder().encodeToString(png);
    }

    private static BufferedImage grid(float[] d, int n, int shown, int h, int w, int cols, int channels) {
        cols = Math.max(1, Math.min(cols, n));
        int rows = (n + cols - 1) / cols;
        BufferedImage img = new BufferedImage(cols * (w + 1) - 1, rows * (h + 1) - 1, BufferedImage.TYPE_INT_RGB);
        int plane = h * w;
        for (int t = 0; t < n; t++) {
            int base = t * channels * plane;
            float min = Float.POSITIVE_INFINITY;
            float max = Float.NEGATIVE_INFINITY;
            for (int i = 0; i < shown * plane; i++) {
                min = Math.min(min, d[base + i]);
                max = Math.max(max, d[base + i]);
            }
            float range = max > min ? max - min : 1;
            int ox = (t % cols) * (w + 1);
            int oy = (t / cols) * (h + 1);
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    int rgb = 0;
                    for (int ch = 0; ch < 3; ch++) {
                        int src = base + (shown == 3 ? ch : 0) * plane + y * w + x;
                        int v = Math.round(255 * (d[src] - min) / range);
                        rgb = (rgb << 8) | Math.max(0, Math.min(255, v));
                    }
                    img.setRGB(ox + x, oy + y, rgb);
                }
            }
        }
        return img;
    }

    private static byte[] png(BufferedImage img) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ImageIO.write(img, "png", out);
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // writing to memory does not fail
        }
    }
}

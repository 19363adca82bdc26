package org.convnet4j.cli.viz;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import org.convnet4j.tensor.Tensor;

/**
 * Tiles many small 2-D maps (a layer's kernels, its feature maps) into one PNG, each map min-max
 * normalised on its own to grey 0..255 and enlarged by nearest-neighbour so a 5x5 kernel is visible.
 */
public final class ImageGrid {
    private ImageGrid() {
    }

    /**
     * @param maps   a tensor whose last two dimensions are the maps' height and width; all leading
     *               dimensions are flattened into the list of tiles (e.g. kernels [F, C, KH, KW])
     * @param scale  enlargement factor (1 = as is)
     * @param columns tiles per row
     */
    public static void write(Tensor maps, int scale, int columns, Path png) throws IOException {
        int h = maps.dim(-2);
        int w = maps.dim(-1);
        int count = maps.size() / (h * w);
        int cols = Math.max(1, Math.min(columns, count));
        int rows = (count + cols - 1) / cols;
        int gap = 2;
        int tileW = w * scale;
        int tileH = h * scale;
        BufferedImage img = new BufferedImage(cols * (tileW + gap) + gap, rows * (tileH + gap) + gap,
                BufferedImage.TYPE_INT_RGB);
        java.awt.Graphics2D g = img.createGraphics();
        g.setColor(new java.awt.Color(60, 60, 90)); // a dark frame separates the tiles
        g.fillRect(0, 0, img.getWidth(), img.getHeight());
        g.dispose();
        float[] d = maps.data();
        for (int t = 0; t < count; t++) {
            int off = t * h * w;
            float lo = Float.POSITIVE_INFINITY;
            float hi = Float.NEGATIVE_INFINITY;
            for (int i = 0; i < h * w; i++) {
                lo = Math.min(lo, d[off + i]);
                hi = Math.max(hi, d[off + i]);
            }
            float range = hi - lo;
            int x0 = gap + (t % cols) * (tileW + gap);
            int y0 = gap + (t / cols) * (tileH + gap);
            for (int y = 0; y < tileH; y++) {
                for (int x = 0; x < tileW; x++) {
                    float v = d[off + (y / scale) * w + (x / scale)];
                    int grey = range > 0 ? Math.round(255 * (v - lo) / range) : 0;
                    img.setRGB(x0 + x, y0 + y, (grey << 16) | (grey << 8) | grey);
                }
            }
        }
        org.convnet4j.charts.Charts.writePng(img, png);
    }
}

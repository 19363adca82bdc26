package org.convnet4j.image;

import java.io.IOException;
import java.nio.file.Path;
import org.convnet4j.tensor.Tensor;

/**
 * Tiles many small 2-D maps (a layer's kernels, its feature maps) into one picture: each map min-max normalised on
 * its own to grey 0..255 (a constant map is black), enlarged by nearest neighbour so that a 5x5 kernel is visible,
 * the tiles in rows of {@code columns}, separated and framed by a 2-pixel dark blue border (60, 60, 90).
 */
public final class ImageGrid {
    /** Frame and gap between tiles, in pixels. */
    public static final int GAP = 2;
    private static final int[] FRAME = {60, 60, 90};

    private ImageGrid() {
    }

    /**
     * The grid as a [3, H, W] picture tensor (values 0..255), ready for {@link Images#write}.
     *
     * @param maps    a tensor of rank 2 or more whose last two dimensions are the maps' height and width; all
     *                leading dimensions are flattened into the list of tiles (kernels [F, C, KH, KW] give F*C tiles,
     *                feature maps [1, C, H, W] give C)
     * @param scale   enlargement factor, 1 or more (1 = as is)
     * @param columns tiles per row, 1 or more (fewer when there are fewer tiles)
     * @throws IllegalArgumentException for a rank below 2, an empty tensor, a scale or column count below 1, or a
     *                                  grid above {@link Images#maxPixels()} pixels
     */
    public static Tensor tile(Tensor maps, int scale, int columns) {
        if (maps.rank() < 2 || maps.size() == 0) {
            throw new IllegalArgumentException("ImageGrid: maps " + maps.shape()
                    + " are not a non-empty tensor of rank 2 or more (..., height, width)");
        }
        if (scale < 1 || columns < 1) {
            throw new IllegalArgumentException("ImageGrid: scale " + scale + " and columns " + columns
                    + " must be 1 or more");
        }
        int h = maps.dim(-2);
        int w = maps.dim(-1);
        int count = maps.size() / (h * w);
        int cols = Math.min(columns, count);
        int rows = (count + cols - 1) / cols;
        long tileW = (long) w * scale;
        long tileH = (long) h * scale;
        long width = cols * (tileW + GAP) + GAP;
        long height = rows * (tileH + GAP) + GAP;
        if (width * height > Images.maxPixels() || width > Integer.MAX_VALUE || height > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("ImageGrid: a " + width + "x" + height + " grid of " + count
                    + " tiles is above the picture limit of " + Images.maxPixels() + " pixels; lower the scale");
        }
        int gw = (int) width;
        int gh = (int) height;
        int plane = gw * gh;
        float[] out = new float[3 * plane];
        for (int c = 0; c < 3; c++) {
            java.util.Arrays.fill(out, c * plane, (c + 1) * plane, FRAME[c]);
        }
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
            int x0 = GAP + (t % cols) * (int) (tileW + GAP);
            int y0 = GAP + (t / cols) * (int) (tileH + GAP);
            for (int y = 0; y < tileH; y++) {
                for (int x = 0; x < tileW; x++) {
                    float v = d[off + (y / scale) * w + (x / scale)];
                    float grey = range > 0 ? Math.round(255 * (v - lo) / range) : 0;
                    int at = (y0 + y) * gw + x0 + x;
                    out[at] = grey;
                    out[plane + at] = grey;
                    out[2 * plane + at] = grey;
                }
            }
        }
        return Tensor.wrap(out, 3, gh, gw);
    }

    /**
     * Writes {@link #tile(Tensor, int, int)} as a picture file (format from the extension, e.g. {@code .png}),
     * replaced atomically.
     */
    public static void write(Tensor maps, int scale, int columns, Path file) throws IOException {
        Images.write(tile(maps, scale, columns), file);
    }
}

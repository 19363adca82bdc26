package org.convnet4j.vision;

import java.io.IOException;
import java.util.Arrays;
import org.convnet4j.ops.PadMode;
import org.convnet4j.ops.PaddingSpec;
import org.convnet4j.ops.PoolParams;
import org.convnet4j.ops.Pooling;
import org.convnet4j.tensor.Tensor;

/**
 * The image-operator tour ({@code convnet4j demo edges}): the lecture's edge-detection example in numbers
 * ({@link #lectureExample()}), then Sobel edges, a Laplacian, a blur, a sharpen and max pooling of a photograph as
 * pictures ready to write, one at a time ({@link #pictures}).
 */
public final class FilterTour {
    /** One picture of the tour: the file name it is meant for, its pixels (0..255) and what it shows. */
    public record Picture(String file, Tensor pixels, String description) {
    }

    private FilterTour() {
    }

    /** Where the tour's pictures go, one at a time (a picture is not kept after it is handed over). */
    @FunctionalInterface
    public interface Sink {
        void accept(Picture picture) throws IOException;
    }

    /**
     * Hands the tour's pictures of {@code rgb} ([3, H, W], values 0..255) to {@code sink} one by one, each made when
     * the one before was taken: Gx, Gy, the gradient magnitude and direction (same-size, replicate padding),
     * |Laplacian| of the grey picture, gaussian:2 blur and sharpen of each channel, 4x4 max pooling.
     *
     * @throws IllegalArgumentException for a picture the operators cannot take (before anything is handed over when
     *                                  the edges refuse it)
     */
    public static void pictures(Tensor rgb, Sink sink) throws IOException {
        SobelEdges e = ImageFilters.sobelEdges(rgb, PaddingSpec.same(), PadMode.REPLICATE);
        sink.accept(new Picture("sobel-x.png", DisplayMaps.signedGrey(e.gx()), "Gx = sobel-x * A: vertical edges (grey 128 = 0)"));
        sink.accept(new Picture("sobel-y.png", DisplayMaps.signedGrey(e.gy()), "Gy = sobel-y * A: horizontal edges"));
        sink.accept(new Picture("edges-magnitude.png", DisplayMaps.scaledToMax(e.magnitude()), "sqrt(Gx^2 + Gy^2): all edges"));
        sink.accept(new Picture("edges-direction.png", DisplayMaps.directionWheel(e.direction(), e.magnitude()),
                "atan2(Gy, Gx) as hue, brightness = magnitude"));
        e = null; // the edges are not needed any more
        sink.accept(new Picture("laplacian.png", Normalization.absMinMax(filter(ImageFilters.toGrey(rgb), "laplacian"),
                false), "|laplacian * A|: second derivative, thin edges"));
        sink.accept(new Picture("gaussian-blur.png", filter(rgb, "gaussian:2"), "gaussian:2 (13x13) on each RGB channel"));
        sink.accept(new Picture("sharpen.png", filter(rgb, "sharpen"), "sharpen on each RGB channel (clamped to 0..255)"));
        Tensor pooled = Pooling.forward(rgb.reshape(rgb.shape().prepend(1)), PoolParams.max(4, 4));
        sink.accept(new Picture("maxpool-4x4.png", pooled.reshape(pooled.shape().dropFirst()), "max pooling 4x4, stride 4"));
    }

    private static Tensor filter(Tensor image, String kernel) {
        return ImageFilters.convolve2d(image, ClassicKernels.byName(kernel), PaddingSpec.same(), PadMode.REPLICATE, 1);
    }

    /**
     * The lecture's example as text, lines ending in {@code \n}: a 6x6 grey image with a horizontal edge, Sobel-y,
     * their valid convolution (rows 0, -1020, -1020, 0), its min-max normalisation and the same at stride 2.
     */
    public static String lectureExample() {
        double[][] rows = new double[6][6];
        for (int r = 3; r < 6; r++) {
            Arrays.fill(rows[r], 255);
        }
        Tensor a = Tensor.fromRows(rows);
        Tensor k = ClassicKernels.sobelY();
        Tensor chw = a.reshape(1, 6, 6);
        Tensor r = ImageFilters.convolve2d(chw, k, PaddingSpec.valid(), PadMode.ZERO, 1);
        Tensor r2 = ImageFilters.convolve2d(chw, k, PaddingSpec.valid(), PadMode.ZERO, 2);
        return "1. The lecture's example: a 6x6 grey image A with a horizontal edge, convolved with Sobel-y K\n"
                + "   A =\n" + MatrixText.format(a, "     ")
                + "   K (sobel-y) =\n" + MatrixText.format(k, "     ")
                + "   R = A * K (no padding, stride 1: 6-3+1 = 4x4) =\n" + MatrixText.format(r.reshape(4, 4), "     ")
                + "   normalised to 0..255 (min-max) =\n" + MatrixText.format(Normalization.minMax(r).reshape(4, 4), "     ")
                + "   stride 2: floor((6-3)/2)+1 = 2x2 =\n" + MatrixText.format(r2.reshape(2, 2), "     ")
                + "\n";
    }
}

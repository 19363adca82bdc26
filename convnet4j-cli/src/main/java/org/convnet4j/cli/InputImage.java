package org.convnet4j.cli;

import java.nio.file.Path;
import org.convnet4j.image.ImageFormatException;
import org.convnet4j.image.Images;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.util.MemoryBudget;
import org.convnet4j.vision.ImageFilters;

/** Reads the input picture of a command as [C,H,W] 0..255, optionally as one grey channel. */
final class InputImage {
    private InputImage() {
    }

    /**
     * Reads the picture for a command whose working set is {@code planes} more float copies of it (padded input,
     * responses, magnitude, direction, output picture ...): what decoding and that work need is estimated from the
     * picture's header (size, bands, bit depth) and checked against {@link MemoryBudget} before any pixel is decoded,
     * so a 100-megapixel picture too large for the work fails at once with one message, not after decoding it (nor
     * with OutOfMemoryError half way through the filters).
     */
    static Tensor read(Path file, boolean grey, int planes) throws ImageFormatException {
        Tensor image = Images.readToProcess(file, planes);
        return grey ? ImageFilters.toGrey(image) : image;
    }

    /** "1 grey channel" / "3 colour channels (RGB)" for progress lines. */
    static String describe(Tensor chw) {
        return chw.dim(1) + "x" + chw.dim(2) + (chw.dim(0) == 1 ? " grey" : " RGB");
    }
}

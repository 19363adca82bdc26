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
     * Reads the picture and checks that the command's working set fits {@link MemoryBudget}: {@code planes} float
     * copies of it (padded input, responses, magnitude, direction, output picture ...). Decoding is budgeted by
     * Images itself; this makes a 100-megapixel picture fail with a message rather than with OutOfMemoryError
     * half way through the filters.
     */
    static Tensor read(Path file, boolean grey, int planes) throws ImageFormatException {
        Tensor image = Images.read(file);
        try {
            MemoryBudget.require(file + ": processing a " + image.dim(2) + "x" + image.dim(1) + " picture",
                    MemoryBudget.bytesOf(4L * planes, image.size()));
        } catch (MemoryBudget.TooLargeException e) {
            throw new ImageFormatException(e.getMessage(), e);
        }
        return grey ? ImageFilters.toGrey(image) : image;
    }

    /** "1 grey channel" / "3 colour channels (RGB)" for progress lines. */
    static String describe(Tensor chw) {
        return chw.dim(1) + "x" + chw.dim(2) + (chw.dim(0) == 1 ? " grey" : " RGB");
    }
}

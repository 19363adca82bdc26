package org.convnet4j.cli;

import java.nio.file.Path;
import org.convnet4j.image.ImageFormatException;
import org.convnet4j.image.Images;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.vision.ImageFilters;

/** Reads the input picture of a command as [C,H,W] 0..255, optionally as one grey channel. */
final class InputImage {
    private InputImage() {
    }

    static Tensor read(Path file, boolean grey) throws ImageFormatException {
        Tensor image = Images.read(file);
        return grey ? ImageFilters.toGrey(image) : image;
    }

    /** "1 grey channel" / "3 colour channels (RGB)" for progress lines. */
    static String describe(Tensor chw) {
        return chw.dim(1) + "x" + chw.dim(2) + (chw.dim(0) == 1 ? " grey" : " RGB");
    }
}

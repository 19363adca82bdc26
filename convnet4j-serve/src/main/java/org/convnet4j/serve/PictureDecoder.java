package org.convnet4j.serve;

import org.convnet4j.image.ImageFormatException;
import org.convnet4j.image.Images;
import org.convnet4j.tensor.Tensor;

/**
 * Picture bytes from a request to [C, H, W] 0..255, decoded by exactly the code that reads picture files for
 * {@code predict} (same colour handling and EXIF orientation, the pixel cap and memory budget checked from the
 * header before decoding), so that the server's answer is the command's answer.
 */
final class PictureDecoder {
    private final long maxPixels;

    PictureDecoder(long maxPixels) {
        this.maxPixels = maxPixels;
    }

    Tensor decode(byte[] bytes) {
        if (bytes.length == 0) {
            throw new ApiException(400, "the body is empty; send the picture's bytes (PNG, JPEG, BMP or GIF)");
        }
        try {
            return Images.read(bytes, "picture", maxPixels);
        } catch (ImageFormatException e) {
            throw new ApiException(400, e.getMessage());
        }
    }
}

package org.convnet4j.serve;

import org.convnet4j.image.ImageFormatException;
import org.convnet4j.image.Images;
import org.convnet4j.image.PictureHeader;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.util.MemoryBudget;

/**
 * Picture bytes from a request to [C, H, W] 0..255, decoded by exactly the code that reads picture files for
 * {@code predict} (same colour handling and EXIF orientation, the pixel cap and memory budget checked from the
 * header before decoding), so that the server's answer is the command's answer.
 */
final class PictureDecoder {
    private static final String EMPTY = "the body is empty; send the picture's bytes (PNG, JPEG, BMP, GIF, WebP or TIFF)";
    private final long maxPixels;

    PictureDecoder(long maxPixels) {
        this.maxPixels = maxPixels;
    }

    Tensor decode(byte[] bytes) {
        if (bytes.length == 0) {
            throw new ApiException(400, EMPTY);
        }
        try {
            return Images.read(bytes, "picture", maxPixels);
        } catch (ImageFormatException e) {
            throw new ApiException(400, e.getMessage());
        }
    }

    /**
     * What decoding the picture and preparing it for a model of {@code channels} input channels holds at its peak,
     * from the picture's header alone (no pixel decoded): decoding it ({@link PictureHeader#decodingBytes}) plus one
     * float copy of the whole picture in the model's channels (the preprocessing's first step may convert the
     * channels before it resizes). 0 when the header is over the pixel cap ({@link #decode} refuses it from the
     * header, decoding nothing); -1 when above what a long holds. A header that cannot be read is refused (400).
     */
    long bytesToPrepare(byte[] bytes, int channels) {
        if (bytes.length == 0) {
            throw new ApiException(400, EMPTY);
        }
        PictureHeader h;
        try {
            h = Images.header(bytes, "picture");
        } catch (ImageFormatException e) {
            throw new ApiException(400, e.getMessage());
        }
        if (h.pixels() > maxPixels) {
            return 0;
        }
        long copy = MemoryBudget.bytesOf(4L * Math.max(channels, h.channels()), h.height(), h.width());
        long decoding = h.decodingBytes();
        return decoding < 0 || copy < 0 ? -1 : MemoryBudget.add(decoding, copy);
    }
}

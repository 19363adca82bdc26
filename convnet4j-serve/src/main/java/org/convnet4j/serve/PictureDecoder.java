package org.convnet4j.serve;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.convnet4j.image.ImageFormatException;
import org.convnet4j.image.Images;
import org.convnet4j.tensor.Tensor;

/**
 * Picture bytes from a request to [C, H, W] 0..255, decoded by exactly the code that reads picture files for
 * {@code predict} (same colour handling, the pixel cap checked from the header before decoding), so that the
 * server's answer is the command's answer. The bytes go through a private temporary file because the library
 * reads pictures from files today; this class is the one place to change when it decodes bytes directly.
 */
final class PictureDecoder {
    private final Path dir;
    private final long maxPixels;

    PictureDecoder(Path dir, long maxPixels) {
        this.dir = dir;
        this.maxPixels = maxPixels;
    }

    Tensor decode(byte[] bytes) {
        if (bytes.length == 0) {
            throw new ApiException(400, "the body is empty; send the picture's bytes (PNG, JPEG, BMP or GIF)");
        }
        Path tmp = null;
        try {
            tmp = Files.createTempFile(dir, "upload-", ".img");
            Files.write(tmp, bytes);
            return Images.read(tmp, maxPixels);
        } catch (ImageFormatException e) {
            // the message names our temporary file: say "picture" instead
            String m = e.getMessage();
            throw new ApiException(400, "picture: " + (m.startsWith(tmp.toString()) ? m.substring(tmp.toString().length() + 2) : m));
        } catch (IOException e) {
            throw new IllegalStateException("cannot buffer the picture: " + e.getMessage(), e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // the directory is deleted at shutdown anyway
                }
            }
        }
    }
}

package org.convnet4j.image;

import java.io.IOException;

/**
 * An image file that cannot be used: missing, unreadable, corrupt, of an unsupported format, too large,
 * or (when writing) an unknown extension. The message always starts with the file name and says what is wrong.
 */
public class ImageFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    public ImageFormatException(String message) {
        super(message);
    }

    public ImageFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}

package org.convnet4j.checkpoint;

import java.io.IOException;

/**
 * A file that is not what it claims to be: malformed, truncated, corrupted, or written by a newer version.
 * The message always starts with the file name and says what is wrong, so it can be shown to a person as is.
 */
public class FileFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    public FileFormatException(String message) {
        super(message);
    }

    public FileFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}

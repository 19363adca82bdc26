package org.convnet4j.data;

import java.io.IOException;

/** A data file (IDX, label file, dataset directory) that cannot be used; the message names the file and the problem. */
public class DatasetFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    public DatasetFormatException(String message) {
        super(message);
    }

    public DatasetFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}

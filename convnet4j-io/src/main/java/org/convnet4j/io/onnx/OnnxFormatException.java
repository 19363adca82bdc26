package org.convnet4j.io.onnx;

import org.convnet4j.checkpoint.FileFormatException;

/** An ONNX (or TensorProto/.npy) file that is truncated, corrupted or breaks a size limit; names the file. */
public class OnnxFormatException extends FileFormatException {
    public OnnxFormatException(String message) {
        super(message);
    }

    public OnnxFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}

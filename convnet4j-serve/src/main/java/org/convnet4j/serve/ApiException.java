package org.convnet4j.serve;

/** A request the server refuses: the HTTP status and the one-line reason sent back as {@code {"error": ...}}. */
public final class ApiException extends RuntimeException {
    private final int status;

    public ApiException(int status, String message) {
        super(message);
        this.status = status;
    }

    public int status() {
        return status;
    }
}

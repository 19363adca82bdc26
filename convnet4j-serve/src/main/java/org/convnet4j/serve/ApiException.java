package org.convnet4j.serve;

/** A request the server refuses: the HTTP status and the one-line reason sent back as {@code {"error": ...}}. */
public final class ApiException extends RuntimeException {
    private final int status;
    private int retryAfterSeconds = -1;

    public ApiException(int status, String message) {
        super(message);
        this.status = status;
    }

    public int status() {
        return status;
    }

    /** Sends {@code Retry-After: seconds} with the refusal (a temporary one: 503, 429). */
    public ApiException retryAfter(int seconds) {
        this.retryAfterSeconds = seconds;
        return this;
    }

    /** The {@code Retry-After} to send, -1 for none. */
    public int retryAfterSeconds() {
        return retryAfterSeconds;
    }
}

package org.convnet4j.cli;

/**
 * A problem with what the user gave us (a file, an option value), as opposed to a bug. The message is shown
 * as one line on stderr and the command exits with {@link ErrorReporter#BAD_INPUT}.
 */
final class BadInputException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    BadInputException(String message) {
        super(message);
    }

    BadInputException(String message, Throwable cause) {
        super(message, cause);
    }
}

package org.convnet4j.cli;

/**
 * A problem with what the user gave us (a file, an option value), as opposed to a bug. The message is shown
 * as one line on stderr and the command exits with {@link ErrorReporter#BAD_INPUT}. The library's
 * IllegalArgumentExceptions are reported the same way as they are; {@link #prefixed} is for those whose message
 * needs the option (or file) that gave the value.
 */
final class BadInputException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    BadInputException(String message) {
        super(message);
    }

    BadInputException(String message, Throwable cause) {
        super(message, cause);
    }

    /** A step of a command that may refuse a value with an IllegalArgumentException. */
    @FunctionalInterface
    interface Step<T, E extends Exception> {
        T run() throws E;
    }

    /** {@code step}'s result; its IllegalArgumentException becomes this one line: {@code prefix} + its message. */
    static <T, E extends Exception> T prefixed(String prefix, Step<T, E> step) throws E {
        try {
            return step.run();
        } catch (IllegalArgumentException e) {
            throw new BadInputException(prefix + e.getMessage(), e);
        }
    }
}

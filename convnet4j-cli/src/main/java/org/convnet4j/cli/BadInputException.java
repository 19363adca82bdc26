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

    /** Refused unless {@code value >= min}: one line naming the option, "OPTION: must be at least MIN, got V". */
    static void requireAtLeast(String option, long value, long min) {
        requireRange(option, value, min, Long.MAX_VALUE);
    }

    /** Refused unless {@code min <= value <= max}: "OPTION: must be MIN..MAX, got V" (or "at least MIN"). */
    static void requireRange(String option, long value, long min, long max) {
        if (value < min || value > max) {
            throw new BadInputException(option + ": must be " + (max == Long.MAX_VALUE ? "at least " + min
                    : min + ".." + max) + ", got " + value);
        }
    }
}

package org.convnet4j.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;

/**
 * Turns every failure into one line on stderr and an exit code: {@link #BAD_INPUT} for usage errors and bad
 * files or values, {@link #INTERNAL} for anything that looks like a bug. Stack traces only with --debug or
 * the environment variable CONVNET4J_DEBUG=1, because a newcomer needs the problem, not our call chain.
 */
final class ErrorReporter implements IParameterExceptionHandler, IExecutionExceptionHandler {
    static final int BAD_INPUT = 2;
    static final int INTERNAL = 1;

    private final boolean debug;

    ErrorReporter(boolean debug) {
        this.debug = debug;
    }

    @Override
    public int handleParseException(ParameterException ex, String[] args) {
        CommandLine cmd = ex.getCommandLine();
        PrintWriter err = cmd.getErr();
        String name = cmd.getCommandSpec().qualifiedName();
        err.println(name + ": " + oneLine(ex.getMessage()) + " (see '" + name + " --help')");
        if (debug) {
            ex.printStackTrace(err);
        }
        err.flush();
        return BAD_INPUT;
    }

    @Override
    public int handleExecutionException(Exception ex, CommandLine cmd, ParseResult parseResult) {
        PrintWriter err = cmd.getErr();
        String name = cmd.getCommandSpec().qualifiedName();
        int code;
        if (isBadInput(ex)) {
            err.println(name + ": " + oneLine(describe(ex)));
            code = BAD_INPUT;
        } else {
            err.println(name + ": internal error: " + oneLine(ex.toString())
                    + (debug ? "" : " (rerun with --debug for details)"));
            code = INTERNAL;
        }
        if (debug) {
            ex.printStackTrace(err);
        }
        err.flush();
        return code;
    }

    /**
     * The library reports bad values with IllegalArgumentException and bad files with IOExceptions
     * (ImageFormatException among them); both are the user's to fix, not ours.
     */
    static boolean isBadInput(Throwable ex) {
        return ex instanceof BadInputException || ex instanceof IllegalArgumentException
                || ex instanceof IOException || ex instanceof UncheckedIOException;
    }

    /** A message that names the file and the problem, also for JDK exceptions that only carry a path. */
    static String describe(Throwable ex) {
        if (ex instanceof UncheckedIOException && ex.getMessage() == null && ex.getCause() != null) {
            return describe(ex.getCause());
        }
        if (ex instanceof FileSystemException) {
            FileSystemException fse = (FileSystemException) ex;
            if (fse.getReason() != null) {
                return fse.getMessage();
            }
            String what = ex instanceof NoSuchFileException ? "no such file or directory"
                    : ex instanceof AccessDeniedException ? "permission denied"
                    : ex.getClass().getSimpleName();
            return fse.getFile() + ": " + what;
        }
        if (ex instanceof OutOfMemoryError) {
            return "out of memory (give Java more with CONVNET4J_JAVA_OPTS=-Xmx8g)";
        }
        String msg = ex.getMessage();
        return msg == null || msg.isBlank() ? ex.getClass().getSimpleName() : msg;
    }

    static String oneLine(String s) {
        return s == null ? "" : s.strip().replaceAll("\\s*[\\r\\n]+\\s*", " ");
    }
}

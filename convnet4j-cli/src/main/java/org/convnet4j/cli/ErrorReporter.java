package org.convnet4j.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import org.convnet4j.util.FileProblems;
import org.convnet4j.util.MemoryBudget;
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
        String name = ex.getCommandLine().getCommandSpec().qualifiedName();
        return report(ex.getCommandLine().getErr(), name + ": " + oneLine(ex.getMessage()) + " (see '" + name
                + " --help')", ex, BAD_INPUT);
    }

    @Override
    public int handleExecutionException(Exception ex, CommandLine cmd, ParseResult parseResult) {
        PrintWriter err = cmd.getErr();
        String name = cmd.getCommandSpec().qualifiedName();
        Throwable vmError = vmErrorIn(ex);
        if (vmError != null) {
            // out of memory or stack in a worker thread arrives wrapped
            return handleError(vmError, new String[] {name.replaceFirst("^convnet4j ?", "")}, err);
        }
        return isBadInput(ex) ? report(err, name + ": " + oneLine(describe(ex)), ex, BAD_INPUT)
                : report(err, name + ": internal error: " + oneLine(ex.toString())
                        + (debug ? "" : " (rerun with --debug for details)"), ex, INTERNAL);
    }

    /** {@code line} on stderr (with --debug, then the stack trace of {@code ex}); returns {@code code}. */
    private int report(PrintWriter err, String line, Throwable ex, int code) {
        err.println(line);
        if (debug) {
            ex.printStackTrace(err);
        }
        err.flush();
        return code;
    }

    private static Throwable vmErrorIn(Throwable ex) {
        for (Throwable t = ex; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof OutOfMemoryError || t instanceof StackOverflowError) {
                return t;
            }
        }
        return null;
    }

    /**
     * An Error picocli let through (it only hands Exceptions to {@link #handleExecutionException}): out of memory
     * and stack overflow get one line saying what to do; others are internal errors. A deep recursion or a large
     * allocation that failed has already unwound, so printing is safe again.
     */
    int handleError(Throwable e, String[] args, PrintWriter err) {
        String name = "convnet4j" + (args.length > 0 && !args[0].isEmpty() && !args[0].startsWith("-") ? " " + args[0] : "");
        return report(err, name + ": " + oneLine(describe(e)) + (debug || e instanceof VirtualMachineError ? ""
                : " (rerun with --debug for details)"), e,
                e instanceof OutOfMemoryError || e instanceof StackOverflowError ? BAD_INPUT : INTERNAL);
    }

    /**
     * The library reports bad values with IllegalArgumentException and bad files with IOExceptions
     * (ImageFormatException among them); both are the user's to fix, not ours.
     */
    static boolean isBadInput(Throwable ex) {
        return ex instanceof BadInputException || ex instanceof IllegalArgumentException
                || ex instanceof IOException || ex instanceof UncheckedIOException;
    }

    /** A message that names the file and the problem ({@link FileProblems#describe}), or what to do for a VM error. */
    static String describe(Throwable ex) {
        if (ex instanceof OutOfMemoryError) {
            return "out of memory (" + Runtime.getRuntime().maxMemory() / (1 << 20) + " MB heap): the input or the"
                    + " model is too large for it; give Java more with CONVNET4J_JAVA_OPTS=-Xmx8g (inputs are refused"
                    + " earlier above the memory limit, by default at most half the heap; lower it with"
                    + " --max-model-memory SIZE if it was raised)";
        }
        if (ex instanceof StackOverflowError) {
            return "stack overflow: a structure in the input nests too deeply (a corrupt or hostile file?); if the file"
                    + " is genuine, give Java a larger stack with CONVNET4J_JAVA_OPTS=-Xss64m";
        }
        return asOption(ex, FileProblems.describe(ex));
    }

    /**
     * A library setting over the memory budget ("batch 64: a training step ... needs at least ...", thrown from
     * the trainer that fuse, transfer and zoo-benchmark run) is reported by the option that set it: "--batch 64: ...".
     * Every library setting so checked has the command-line option of the same name.
     */
    private static String asOption(Throwable ex, String msg) {
        for (Throwable t = ex; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof MemoryBudget.SettingTooLargeException s && msg.equals(s.getMessage())
                    && !s.setting().startsWith("-")) {
                return "--" + msg;
            }
        }
        return msg;
    }

    static String oneLine(String s) {
        return s == null ? "" : s.strip().replaceAll("\\s*[\\r\\n]+\\s*", " ");
    }
}

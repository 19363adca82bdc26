package org.convnet4j.cli;

import java.io.PrintWriter;
import java.util.Arrays;
import org.convnet4j.util.MemoryBudget;
import org.convnet4j.util.TerminalText;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * The {@code convnet4j} command. Each subcommand is one class in this package; add new ones (train,
 * evaluate, predict, summary, bench, transfer, fuse) to the {@code subcommands} list below.
 */
@Command(name = "convnet4j", resourceBundle = "org.convnet4j.cli.help.convnet4j",
        description = {"Convolutional neural networks and transfer learning in pure Java: image convolution and edges,"
                + " training, the classic architectures, other frameworks' weights, fusion.", ""},
        subcommands = {
            DemoCommand.class,
            TrainCommand.class, EvaluateCommand.class, PredictCommand.class,
            ImportCommand.class, WeightsCommand.class,
            FuseCommand.class, FuseDemoCommand.class,
            TransferCommand.class, AdviseCommand.class, ExperimentCommand.class,
            ConvolveCommand.class,
            EdgesCommand.class,
            PoolCommand.class,
            SummaryCommand.class,
            KernelsCommand.class,
            ExportCommand.class, InspectCommand.class, InferCommand.class,
            BenchCommand.class,
            ServeCommand.class, UiCommand.class,
            ZooBenchmarkCommand.class,
            CommandLine.HelpCommand.class
        },
        footer = {
            "",
            "Exit codes: 0 success, 2 bad input (options, files), 1 internal error.",
            "Errors are one line; --debug (or CONVNET4J_DEBUG=1) adds the stack trace.",
            "",
            "Examples:",
            "  convnet4j demo",
            "  convnet4j convolve photo.png --kernel sobel-x -o gx.png",
            "  convnet4j edges photo.png -o edges.png --direction direction.png"
        })
public final class Main extends CliCommand {
    /** Declared so that picocli accepts it anywhere; the error reporter reads it from the raw arguments. */
    @Option(names = "--debug", scope = ScopeType.INHERIT)
    boolean debug;

    /** Declared so that picocli accepts it anywhere; {@link #execute} reads it from the raw arguments. */
    @Option(names = "--max-model-memory", scope = ScopeType.INHERIT, paramLabel = "SIZE")
    String maxModelMemory;

    @Override
    public Integer call() throws Exception {
        super.call();
        err().println();
        err().println("convnet4j: missing command; start with 'convnet4j demo'");
        return ErrorReporter.BAD_INPUT;
    }

    /** Held so the loggers (and the levels set on them) are not garbage-collected. */
    private static final java.util.logging.Logger TRIBUO_LOG = java.util.logging.Logger.getLogger("org.tribuo");
    private static final java.util.logging.Logger WEIGHTS_LOG =
            java.util.logging.Logger.getLogger(org.convnet4j.io.weights.Downloads.LOGGER);

    public static void main(String[] args) {
        PrintWriter out = new PrintWriter(System.out, true);
        PrintWriter err = new PrintWriter(System.err, true);
        int code;
        try {
            code = execute(args, out, err);
        } catch (Throwable t) {
            // execute reports everything itself; this is the last line of defence (an error while reporting)
            code = ErrorReporter.INTERNAL;
            try {
                err.println("convnet4j: " + ErrorReporter.oneLine(ErrorReporter.describe(t)));
            } catch (Throwable ignored) {
                // nothing left to print with
            }
        }
        out.flush();
        err.flush();
        System.exit(code);
    }

    /**
     * The process-wide settings an application (not the library) chooses: one-line log records on stderr,
     * Tribuo's per-tree INFO lines muted, the weights' "downloading" INFO record muted (DownloadBar names the file,
     * and a failed download stays one line), and the JIT directive that keeps the GEMM micro-kernels away from C1.
     */
    static void configureProcess() {
        if (System.getProperty("java.util.logging.SimpleFormatter.format") == null) {
            System.setProperty("java.util.logging.SimpleFormatter.format", "convnet4j: %4$s: %5$s%6$s%n");
        }
        TRIBUO_LOG.setLevel(java.util.logging.Level.WARNING);
        WEIGHTS_LOG.setLevel(java.util.logging.Level.WARNING);
        org.convnet4j.tensor.kernels.KernelProvider.installJitDirectives();
    }

    /**
     * Runs one command line in-process and returns its exit code (used by main and by tests). Everything the
     * command prints passes through {@link TerminalText#escaping}, so text from a file cannot drive the terminal.
     * Errors (OutOfMemoryError, StackOverflowError included) become one line with what to do.
     */
    public static int execute(String[] args, PrintWriter out, PrintWriter err) {
        boolean debug = Arrays.asList(args).contains("--debug") || "1".equals(System.getenv("CONVNET4J_DEBUG"));
        PrintWriter safeOut = new PrintWriter(TerminalText.escaping(out), true);
        PrintWriter safeErr = new PrintWriter(TerminalText.escaping(err), true);
        configureProcess();
        ErrorReporter reporter = new ErrorReporter(debug);
        MemoryBudget.Limit limit;
        try {
            limit = MemoryBudget.limit(optionValue(args, "--max-model-memory"), "--max-model-memory");
        } catch (IllegalArgumentException e) {
            safeErr.println("convnet4j: " + e.getMessage());
            safeErr.flush();
            return ErrorReporter.BAD_INPUT;
        }
        CommandLine cl = Converters.registeredOn(new CommandLine(new Main()))
                .setOut(safeOut)
                .setErr(safeErr)
                .setParameterExceptionHandler(reporter)
                .setExecutionExceptionHandler(reporter)
                .setUsageHelpAutoWidth(true);
        try {
            int code = cl.execute(args);
            if (code == 0) {
                ModelArgument.flushNotes(safeErr);
            }
            return code;
        } catch (VirtualMachineError | LinkageError | AssertionError e) {
            // picocli passes Errors through its exception handler untouched; they are reported here
            return reporter.handleError(e, args, safeErr);
        } finally {
            ModelArgument.dropNotes();
            limit.close();
            safeOut.flush();
            safeErr.flush();
        }
    }

    /** The value of {@code option} in {@code args} ("--x V" or "--x=V"; the last one wins), or null. */
    static String optionValue(String[] args, String option) {
        String value = null;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals(option) && i + 1 < args.length) {
                value = args[i + 1];
            } else if (args[i].startsWith(option + "=")) {
                value = args[i].substring(option.length() + 1);
            }
        }
        return value;
    }
}

package org.convnet4j.cli;

import java.io.PrintWriter;
import java.util.Arrays;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * The {@code convnet4j} command. Each subcommand is one class in this package; add new ones (train,
 * evaluate, predict, summary, bench, transfer, fuse) to the {@code subcommands} list below.
 */
@Command(name = "convnet4j", mixinStandardHelpOptions = true, versionProvider = VersionInfo.class,
        description = {"Convolutional neural networks and transfer learning in pure Java: image convolution and edges,"
                + " training, the classic architectures, other frameworks' weights, fusion.", ""},
        subcommands = {
            DemoCommand.class,
            TrainCommand.class, EvaluateCommand.class, PredictCommand.class,
            ImportCommand.class,
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
public final class Main implements Callable<Integer> {
    /** Declared so that picocli accepts it anywhere; the error reporter reads it from the raw arguments. */
    @Option(names = "--debug", scope = ScopeType.INHERIT,
            description = "On errors, print the stack trace too (same as CONVNET4J_DEBUG=1).")
    boolean debug;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        spec.commandLine().getErr().println();
        spec.commandLine().getErr().println("convnet4j: missing command; start with 'convnet4j demo'");
        return ErrorReporter.BAD_INPUT;
    }

    public static void main(String[] args) {
        PrintWriter out = new PrintWriter(System.out, true);
        PrintWriter err = new PrintWriter(System.err, true);
        int code = execute(args, out, err);
        out.flush();
        err.flush();
        System.exit(code);
    }

    /** Runs one command line in-process and returns its exit code (used by main and by tests). */
    public static int execute(String[] args, PrintWriter out, PrintWriter err) {
        boolean debug = Arrays.asList(args).contains("--debug") || "1".equals(System.getenv("CONVNET4J_DEBUG"));
        ErrorReporter reporter = new ErrorReporter(debug);
        CommandLine cl = new CommandLine(new Main())
                .setOut(out)
                .setErr(err)
                .setParameterExceptionHandler(reporter)
                .setExecutionExceptionHandler(reporter)
                .setUsageHelpAutoWidth(true);
        return cl.execute(args);
    }
}

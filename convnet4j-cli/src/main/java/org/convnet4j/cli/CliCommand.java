package org.convnet4j.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * What every convnet4j command has alike, declared once: picocli's model of the command, {@code --help} and
 * {@code --version} (picocli applies this class's {@code @Command} first, then the command's own: its name and help
 * bundle), and where it prints (picocli's out and err, which tests capture and {@link Main#execute} escapes).
 */
@Command(mixinStandardHelpOptions = true, versionProvider = VersionInfo.class)
abstract class CliCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    PrintWriter err() {
        return spec.commandLine().getErr();
    }

    /** Whether {@code option} was given on the command line (not just its default). */
    boolean given(String option) {
        return spec.commandLine().getParseResult().hasMatchedOption(option);
    }

    /** Called alone, a command that only groups subcommands (weights, experiment) prints its usage: exit 2. */
    @Override
    public Integer call() throws Exception {
        spec.commandLine().usage(err());
        return ErrorReporter.BAD_INPUT;
    }

    /** A usage error ("OPTION must be >= MIN, got V (see '... --help')") when {@code value} is below {@code min}. */
    void requireUsageAtLeast(String option, long value, long min) {
        if (value < min) {
            throw new ParameterException(spec.commandLine(), option + " must be >= " + min + ", got " + value);
        }
    }

    /** The lines of a long run's log, each printed and flushed as it comes (so that progress shows while it runs). */
    static Consumer<String> lines(PrintWriter to) {
        return line -> {
            to.println(line);
            to.flush();
        };
    }
}

package org.convnet4j.cli;

import org.convnet4j.dataspec.DataSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code --limit N}, at most N pictures per class of the data, as every command that reads a data spec takes it (a
 * picocli mixin): one declaration, the data language's own help text (a command adds its sentence with the bundle
 * key {@code limit.more}) and one check, when the command line is parsed.
 */
final class LimitOption {
    @Spec(Spec.Target.MIXEE)
    CommandSpec mixee;

    /** N, or null when --limit was not given. */
    Integer perClass;

    @Option(names = "--limit", paramLabel = "N", description = DataSpec.LIMIT_HELP + "${limit.more:-}")
    void perClass(int n) {
        if (n < 1) {
            throw new ParameterException(mixee.commandLine(), "--limit must be at least 1 picture per class, got " + n);
        }
        perClass = n;
    }
}

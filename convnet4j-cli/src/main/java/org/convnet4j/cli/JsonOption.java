package org.convnet4j.cli;

import java.io.PrintWriter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code --json}: the command prints its result as JSON on stdout instead of text (a picocli mixin; each command says
 * what it prints in its help bundle, key {@code json}). Progress and information lines then go to stderr, so that
 * stdout holds the JSON alone: {@link #progress()}.
 */
final class JsonOption {
    @Spec(Spec.Target.MIXEE)
    CommandSpec mixee;

    @Option(names = "--json")
    boolean given;

    /** Where the command's progress and information lines go: stderr with --json, else stdout. */
    PrintWriter progress() {
        return given ? mixee.commandLine().getErr() : mixee.commandLine().getOut();
    }
}

package org.convnet4j.cli;

import picocli.CommandLine.Option;

/**
 * {@code --json}: the command prints its result as JSON on stdout instead of text (a picocli mixin; each command says
 * what it prints in its help bundle, key {@code json}). Commands that also print progress send it to stderr then, so
 * stdout holds the JSON alone.
 */
final class JsonOption {
    @Option(names = "--json")
    boolean given;
}

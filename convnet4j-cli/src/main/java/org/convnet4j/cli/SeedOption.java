package org.convnet4j.cli;

import picocli.CommandLine.Option;

/**
 * {@code --seed S} (default 42), as the commands that draw random numbers take it (a picocli mixin; each command says
 * what the seed decides in its help bundle, key {@code seed}).
 */
final class SeedOption {
    @Option(names = "--seed", paramLabel = "S", defaultValue = "42")
    long value;
}

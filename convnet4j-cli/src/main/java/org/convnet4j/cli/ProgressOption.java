package org.convnet4j.cli;

import picocli.CommandLine.Option;

/** {@code --no-progress}, as the commands that draw progress bars on stderr take it (a picocli mixin). */
final class ProgressOption {
    @Option(names = "--no-progress")
    boolean given;
}

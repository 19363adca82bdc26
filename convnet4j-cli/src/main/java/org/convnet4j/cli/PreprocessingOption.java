package org.convnet4j.cli;

import picocli.CommandLine.Option;

/**
 * {@code --preprocessing SPEC} over what a model file says, as evaluate, predict, import, transfer and advise take it
 * (one wording for all: a base model is a model).
 */
final class PreprocessingOption {
    @Option(names = "--preprocessing", paramLabel = "SPEC", descriptionKey = "preprocessing-file")
    String spec;
}

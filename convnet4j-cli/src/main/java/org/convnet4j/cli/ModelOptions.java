package org.convnet4j.cli;

import java.io.IOException;
import org.convnet4j.model.SavedModel;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code -m/--model} and {@code --preprocessing}, as evaluate and predict take them, and the model they name. */
final class ModelOptions {
    @Option(names = {"-m", "--model"}, required = true, paramLabel = "MODEL", descriptionKey = "model-file")
    String file;

    @Mixin
    PreprocessingOption preprocessing;

    /** The model (downloaded or read as ModelArgument does), with --preprocessing over what its file says. */
    SavedModel load() throws IOException {
        return ModelArgument.load(file, null, null, preprocessing.spec);
    }
}

package org.convnet4j.cli;

import java.nio.file.Path;
import org.convnet4j.run.TrainingSettings;
import org.convnet4j.tensor.Shape;
import picocli.CommandLine.Option;

/** The {@code train} options that become {@link TrainingSettings} (the run's settings, saved for --resume). */
final class TrainingOptions {

    @Option(names = "--model", paramLabel = "NAME", description = "Architecture: lenet5 (ReLU, max pooling), "
            + "lenet5-classic (sigmoid, average pooling) or another zoo name ('convnet4j summary' shows them; the "
            + "big ones are slow on this engine). Default: lenet5.")
    String model;

    @Option(names = "--data", paramLabel = "SPEC", description = org.convnet4j.dataspec.DataSpec.DATA_HELP
            + " Default: fashion-mnist (its training set; a folder: all of it).")
    String data;

    @Option(names = "--input", paramLabel = "CxHxW", description = "Model input, e.g. 1x32x32 or 3x28x28. Default: "
            + "the architecture's (1x28x28 for LeNet-5).")
    String input;

    @Option(names = "--epochs", paramLabel = "N", description = "Epochs in total (a resumed run continues up to N). Default: 10.")
    Integer epochs;

    @Option(names = "--batch", paramLabel = "B", description = "Batch size. Default: 64.")
    Integer batch;

    @Option(names = "--optimizer", paramLabel = "sgd|adam", description = "Default: adam.")
    String optimizer;

    @Option(names = "--lr", paramLabel = "LR", description = "Learning rate. Default: 0.001 for adam, 0.1 for sgd.")
    Double lr;

    @Option(names = "--momentum", paramLabel = "M", description = "SGD momentum. Default: 0.")
    Double momentum;

    @Option(names = "--seed", paramLabel = "S", description = "Seed of the weights, the validation split and the "
            + "data order. Default: 42.")
    Long seed;

    @Option(names = "--val-split", paramLabel = "F", description = "Fraction of the training pictures held out for "
            + "validation, 0 for none. Default: 0.1.")
    Double valSplit;

    @Option(names = "--limit", paramLabel = "N", description = org.convnet4j.dataspec.DataSpec.LIMIT_HELP
            + " Quick runs.")
    Integer limit;

    @Option(names = "--patience", paramLabel = "N", description = "Stop when the validation accuracy has not improved "
            + "for N epochs (early stopping). Default: off.")
    Integer patience;

    @Option(names = {"-o", "--out"}, paramLabel = "FILE", description = "Model file to write. Default: model.c4j.")
    Path out;

    /** The options given on the command line over {@code b} (the saved run's settings, or the defaults). */
    TrainingSettings.Builder over(TrainingSettings.Builder b) {
        TrainingSettings.Overrides given = new TrainingSettings.Overrides();
        if (input != null) {
            try {
                given.input = Shape.parseGreyOrRgbPicture(input); // 1 (grey) or 3 (RGB) channels
            } catch (IllegalArgumentException e) {
                throw new BadInputException("--input: " + e.getMessage());
            }
        }
        given.model = model;
        given.data = data;
        given.epochs = epochs;
        given.batch = batch;
        given.optimizer = optimizer;
        given.lr = lr;
        given.momentum = momentum;
        given.seed = seed;
        given.valSplit = valSplit;
        given.limit = limit;
        given.patience = patience;
        given.out = out;
        return b.override(given);
    }
}

package org.convnet4j.run.internal;

import java.util.function.Function;
import org.convnet4j.dataspec.DataSpec;
import org.convnet4j.run.TrainingSettings;
import org.convnet4j.tensor.Shape;
import picocli.CommandLine.Option;

/**
 * The options of {@code convnet4j train} and {@code convnet4j spark train} that become {@link TrainingSettings}
 * (the run's settings, saved for --resume), declared once as a picocli mixin for both commands. Internal (in
 * {@code run}'s tree, not the top-level {@code internal}, which {@code checkpoint} uses: no package cycle): picocli is
 * an optional dependency of convnet4j-core, needed only by the two command lines (the class loads without it; the
 * annotations are then not read). The descriptions are the {@code train} command's; a command words them its own way
 * through its resource bundle (keys {@code train.model}, {@code train.epochs}, ...; for --data and --limit, whose
 * first part is the data language's own help, {@code train.data.more} and {@code train.limit.more} replace the part
 * after it), as {@code spark train} does.
 * {@code --out} stays with each command (its wording and place in the help differ).
 */
public final class TrainingOptions {
    @Option(names = "--model", paramLabel = "NAME", descriptionKey = "train.model", description = "Architecture: lenet5 "
            + "(ReLU, max pooling), lenet5-classic (sigmoid, average pooling) or another zoo name ('convnet4j summary'"
            + " shows them; the big ones are slow on this engine). Default: lenet5.")
    String model;

    @Option(names = "--data", paramLabel = "SPEC", description = DataSpec.DATA_HELP
            + " ${train.data.more:-Default: fashion-mnist (its training set; a folder: all of it).}")
    String data;

    @Option(names = "--input", paramLabel = "CxHxW", descriptionKey = "train.input", description = "Model input, e.g."
            + " 1x32x32 or 3x28x28. Default: the architecture's (1x28x28 for LeNet-5).")
    String input;

    @Option(names = "--epochs", paramLabel = "N", descriptionKey = "train.epochs", description = "Epochs in total (a"
            + " resumed run continues up to N). Default: 10.")
    Integer epochs;

    @Option(names = "--batch", paramLabel = "B", descriptionKey = "train.batch", description = "Batch size. Default: 64.")
    Integer batch;

    @Option(names = "--optimizer", paramLabel = "sgd|adam", descriptionKey = "train.optimizer",
            description = "Default: adam.")
    String optimizer;

    @Option(names = "--lr", paramLabel = "LR", descriptionKey = "train.lr", description = "Learning rate. Default: 0.001"
            + " for adam, 0.1 for sgd.")
    Double lr;

    @Option(names = "--momentum", paramLabel = "M", descriptionKey = "train.momentum", description = "SGD momentum."
            + " Default: 0.")
    Double momentum;

    @Option(names = "--seed", paramLabel = "S", descriptionKey = "train.seed", description = "Seed of the weights, the"
            + " validation split and the data order. Default: 42.")
    Long seed;

    @Option(names = "--val-split", paramLabel = "F", descriptionKey = "train.val-split", description = "Fraction of the"
            + " training pictures held out for validation, stratified by class (each class its share within one picture;"
            + " every class keeps a training picture), seeded by --seed; 0 for none. Default: 0.1.")
    Double valSplit;

    @Option(names = "--limit", paramLabel = "N", description = DataSpec.LIMIT_HELP + "${train.limit.more:- Quick runs.}")
    Integer limit;

    @Option(names = "--patience", paramLabel = "N", descriptionKey = "train.patience", description = "Stop when the"
            + " validation accuracy has not improved for N epochs (early stopping). Default: off.")
    Integer patience;

    /** --model as given, or null. */
    public String model() {
        return model;
    }

    /** --data as given, or null. */
    public String data() {
        return data;
    }

    /**
     * The options given (null where not given) as overrides of a run's settings; {@code parseInput} reads --input
     * (each command checks the channels it supports and words its own message).
     */
    public TrainingSettings.Overrides overrides(Function<String, Shape> parseInput) {
        TrainingSettings.Overrides given = new TrainingSettings.Overrides();
        given.input = input == null ? null : parseInput.apply(input);
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
        return given;
    }
}

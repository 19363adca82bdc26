package org.convnet4j.cli;

import java.util.List;
import org.convnet4j.transfer.FineTuneSettings;
import org.convnet4j.transfer.TransferOptions;
import picocli.CommandLine.Option;

/** The options of {@code transfer} that shape a plan's training (Cases 2-4): rates, phases, stopping, refit. */
final class FineTuneOptions {
    @Option(names = "--fine-tune-last", paramLabel = "N", description = "Case 2: unfreeze the last N layers with weights in phase 2. Default: ${DEFAULT-VALUE}.")
    int fineTuneLast = TransferOptions.DEFAULT_FINE_TUNE_LAST;

    @Option(names = "--lr", paramLabel = "LR", description = "Case 4: the from-scratch rate (Adam). Default: ${DEFAULT-VALUE}.")
    double lr = TransferOptions.DEFAULT_SCRATCH_LR;

    @Option(names = "--head-lr", paramLabel = "LR", description = "Phase 1 of cases 2 and 3: the rate of the new head alone. Default: ${DEFAULT-VALUE}.")
    double headLr = TransferOptions.DEFAULT_HEAD_LR;

    @Option(names = "--fine-tune-factor", paramLabel = "F", description = "Phase 2 of cases 2 and 3 trains at --head-lr x F. Default: ${DEFAULT-VALUE}.")
    double fineTuneFactor = TransferOptions.DEFAULT_FINE_TUNE_FACTOR;

    @Option(names = "--discriminative", paramLabel = "F", description = "Case 3: multiply the rate by F per layer towards the input (1 = off). Default: 1.")
    double discriminative = 1;

    @Option(names = {"--keep-dense", "--keep-head"}, description = "Cases 2 and 3: keep the base's own head (its pretrained dense"
            + " layers; an imported ONNX program's own classifier, resized inside it) and replace only the last layer's"
            + " classes; by default the dense classifier is dropped and one new layer put on the features (Keras' include_top=False).")
    boolean keepDense;

    @Option(names = "--head-fit", paramLabel = "HOW", description = "Phase 1: case1 (Case 1's own logistic regression,"
            + " liblinear one-vs-rest, C = 1, written into the head), logreg (multinomial logistic regression, C = 1, to"
            + " convergence) or gradient (Adam at --head-lr, at most --head-epochs). Default: ${DEFAULT-VALUE}.")
    String headFit = FineTuneSettings.DEFAULT_HEAD_FIT.optionName();

    @Option(names = "--head-epochs", paramLabel = "N", description = "Phase 1 with --head-fit gradient: at most N epochs (0 skips it). Default: ${DEFAULT-VALUE}.")
    int headEpochs = FineTuneSettings.DEFAULT_MAX_HEAD_EPOCHS;

    @Option(names = "--epochs", paramLabel = "N", description = "Phase 2 and Case 4: at most N epochs. Default: ${DEFAULT-VALUE}.")
    int epochs = FineTuneSettings.DEFAULT_MAX_TUNE_EPOCHS;

    @Option(names = "--patience", paramLabel = "N", description = "Stop a phase after N epochs without a better validation loss. Default: ${DEFAULT-VALUE}.")
    int patience = FineTuneSettings.DEFAULT_PATIENCE;

    @Option(names = "--val-split", paramLabel = "F", description = "Share of the training data that decides stopping and the kept weights, stratified by class (each class its share within one picture; every class keeps a training picture). Default: ${DEFAULT-VALUE}.")
    double valSplit = FineTuneSettings.DEFAULT_VALIDATION_FRACTION;

    @Option(names = "--keep-z", paramLabel = "Z", description = "Cases 2 and 3: keep phase 2 over the head only when, besides a"
            + " lower validation loss and no lower accuracy, McNemar's z of the paired validation answers reaches Z (0: no"
            + " test). Default: ${DEFAULT-VALUE}.")
    double keepZ = FineTuneSettings.DEFAULT_KEEP_Z;

    @Option(names = "--keep-se", paramLabel = "T", description = "Cases 2 and 3: keep phase 2 over the head only when, besides"
            + " the rules above, its validation loss gain (paired, picture by picture) is at least T standard errors (0:"
            + " no test). Default: ${DEFAULT-VALUE}.")
    double keepSe = FineTuneSettings.DEFAULT_KEEP_SE;

    @Option(names = "--no-refit", description = "Cases 2-4: keep the early-stopped weights instead of training again on all the"
            + " training data (validation pictures included) for the epochs the validation split chose.")
    boolean noRefit;

    @Option(names = "--batch", paramLabel = "B", description = "Batch size. Default: ${DEFAULT-VALUE}.")
    int batch = FineTuneSettings.DEFAULT_BATCH_SIZE;

    /** The training settings these options give (bad values: one line naming them, exit 2). */
    FineTuneSettings settings(long seed) {
        try {
            return new FineTuneSettings(headEpochs, epochs, patience, valSplit, batch, seed, !noRefit,
                    FineTuneSettings.HeadFit.of(headFit), keepZ, keepSe);
        } catch (IllegalArgumentException e) {
            throw new BadInputException(e.getMessage());
        }
    }

    /** The plan options for {@code classNames} (empty: Case 0) and {@code cut} (null: the default cut). */
    TransferOptions options(List<String> classNames, String cut, long seed) {
        return new TransferOptions(classNames, cut, fineTuneLast, lr, headLr, fineTuneFactor, discriminative, seed,
                !keepDense);
    }
}

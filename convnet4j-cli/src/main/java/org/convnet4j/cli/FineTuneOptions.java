package org.convnet4j.cli;

import java.util.List;
import org.convnet4j.transfer.FineTuneSettings;
import org.convnet4j.transfer.TransferOptions;
import picocli.CommandLine.Option;

/** The options of {@code transfer} that shape a plan's training (Cases 2-4): rates, phases, stopping, refit. */
final class FineTuneOptions {
    @Option(names = "--fine-tune-last", paramLabel = "N")
    int fineTuneLast = TransferOptions.DEFAULT_FINE_TUNE_LAST;

    @Option(names = "--lr", paramLabel = "LR")
    double lr = TransferOptions.DEFAULT_SCRATCH_LR;

    @Option(names = "--head-lr", paramLabel = "LR")
    double headLr = TransferOptions.DEFAULT_HEAD_LR;

    @Option(names = "--fine-tune-factor", paramLabel = "F")
    double fineTuneFactor = TransferOptions.DEFAULT_FINE_TUNE_FACTOR;

    @Option(names = "--discriminative", paramLabel = "F")
    double discriminative = 1;

    @Option(names = {"--keep-dense", "--keep-head"})
    boolean keepDense;

    @Option(names = "--head-fit", paramLabel = "HOW")
    String headFit = FineTuneSettings.DEFAULT_HEAD_FIT.optionName();

    @Option(names = "--head-epochs", paramLabel = "N")
    int headEpochs = FineTuneSettings.DEFAULT_MAX_HEAD_EPOCHS;

    @Option(names = "--epochs", paramLabel = "N")
    int epochs = FineTuneSettings.DEFAULT_MAX_TUNE_EPOCHS;

    @Option(names = "--patience", paramLabel = "N")
    int patience = FineTuneSettings.DEFAULT_PATIENCE;

    @Option(names = "--val-split", paramLabel = "F")
    double valSplit = FineTuneSettings.DEFAULT_VALIDATION_FRACTION;

    @Option(names = "--keep-z", paramLabel = "Z")
    double keepZ = FineTuneSettings.DEFAULT_KEEP_Z;

    @Option(names = "--keep-se", paramLabel = "T")
    double keepSe = FineTuneSettings.DEFAULT_KEEP_SE;

    @Option(names = "--no-refit")
    boolean noRefit;

    @Option(names = "--batch", paramLabel = "B")
    int batch = FineTuneSettings.DEFAULT_BATCH_SIZE;

    /** The training settings these options give (bad values: the library's one line naming them, exit 2). */
    FineTuneSettings settings(long seed) {
        return new FineTuneSettings(headEpochs, epochs, patience, valSplit, batch, seed, !noRefit,
                FineTuneSettings.HeadFit.of(headFit), keepZ, keepSe);
    }

    /** The plan options for {@code classNames} (empty: Case 0) and {@code cut} (null: the default cut). */
    TransferOptions options(List<String> classNames, String cut, long seed) {
        return new TransferOptions(classNames, cut, fineTuneLast, lr, headLr, fineTuneFactor, discriminative, seed,
                !keepDense);
    }
}

package org.convnet4j.transfer;

/**
 * How the gradient cases (2, 3, 4) are trained: epoch bounds, early-stopping patience, the validation split that
 * decides when to stop and which weights to keep, batch size and seed. The learning rates live in
 * {@link TransferOptions} (the normal rate trains the new head and Case 4, the small rate fine-tunes).
 *
 * @param maxHeadEpochs      phase 1 (new head only, base frozen, normal rate): at most this many epochs
 * @param maxTuneEpochs      phase 2 (layers unfrozen, small rate) and Case 4: at most this many epochs
 * @param patience           stop a phase when the validation loss has not improved for this many epochs
 * @param validationFraction share of the training data held out to decide stopping and the kept weights
 * @param batchSize          mini-batch size
 * @param seed               seed of the validation split and of the data order
 * @param refit              after the epoch counts are chosen on the validation split, train again from the start
 *                           on all the training data (validation pictures included) for those epoch counts
 * @param headFit            how phase 1 trains the new head on the frozen features: {@link HeadFit#LOGISTIC_REGRESSION}
 *                           (the default: Case 1's model, fitted to convergence) or {@link HeadFit#GRADIENT} (Adam at
 *                           the head rate with early stopping, at most {@code maxHeadEpochs})
 * @param keepZ              the fine-tuning phase of Cases 2 and 3 is kept over the head it started from only when,
 *                           besides a lower validation loss and no lower accuracy, McNemar's z of the paired
 *                           validation answers ((gained - lost) / sqrt(gained + lost)) reaches this; 0 = no test
 * @param keepSe             the fine-tuning phase of Cases 2 and 3 is kept over the head only when, besides the rules
 *                           above, its mean validation loss gain over the head (paired, picture by picture) is at least
 *                           this many standard errors of that gain; 0 = no such test
 */
public record FineTuneSettings(int maxHeadEpochs, int maxTuneEpochs, int patience, double validationFraction,
                               int batchSize, long seed, boolean refit, HeadFit headFit, double keepZ,
                               double keepSe) {
    /** How the head phase (phase 1 of Cases 2 and 3) trains the new head on the frozen features. */
    public enum HeadFit {
        /**
         * L2-regularised multinomial logistic regression (C = 1, standardised features) solved to convergence on the
         * frozen features ({@link SoftmaxRegression}): the same model family as Case 1's default classifier, not the
         * same model (Case 1's is one-vs-rest); no rate, no epochs, no validation split involved.
         */
        LOGISTIC_REGRESSION("logreg"),
        /**
         * Case 1's own default classifier ({@code logreg} from {@link ShallowClassifiers}: liblinear's one-vs-rest
         * logistic regression, C = 1, standardised features, in the convnet4j-ml module) fitted on the same frozen
         * features and written into the Dense head ({@link ShallowClassifier#linearScores}): the head predicts what
         * Case 1 predicts, so fine-tuning starts exactly where Case 1 ends. Without convnet4j-ml on the class path,
         * {@link #LOGISTIC_REGRESSION} is fitted instead (said so in the log).
         */
        CASE_1("case1"),
        /** Adam at the head rate with early stopping on the validation loss (the earlier default). */
        GRADIENT("gradient");

        private final String optionName;

        HeadFit(String optionName) {
            this.optionName = optionName;
        }

        /** The option's name: {@code logreg}, {@code case1} or {@code gradient}. */
        public String optionName() {
            return optionName;
        }

        /** True for the head fits solved to convergence on cached features (no rate, no epochs). */
        public boolean convex() {
            return this != GRADIENT;
        }

        /** {@code logreg}, {@code case1} or {@code gradient}; anything else is refused naming them. */
        public static HeadFit of(String name) {
            for (HeadFit h : values()) {
                if (h.optionName().equals(name)) {
                    return h;
                }
            }
            throw new IllegalArgumentException("head fit '" + name + "' is not known; known: logreg, case1, gradient");
        }
    }

    /*
     * Defaults measured (docs/TRANSFER.md, "Choosing the defaults"): the head phase trains one linear layer on
     * cached features, so many cheap epochs are affordable (with 10 pictures per class an epoch is 2-3 steps);
     * fine-tuning at 1e-4 was still improving after 30 epochs, so it gets 60; patience 10 rides out the noise of
     * a small validation split (10-20 pictures at 10 per class), patience 4 stopped heads at chance. Refitting on
     * all the data after early stopping gives back the 20% held out for validation, which matters most when the
     * data is small (docs/TRANSFER.md, "Refit on all the data").
     */
    public static final int DEFAULT_MAX_HEAD_EPOCHS = 200;
    public static final int DEFAULT_MAX_TUNE_EPOCHS = 60;
    public static final int DEFAULT_PATIENCE = 10;
    public static final double DEFAULT_VALIDATION_FRACTION = 0.2;
    public static final int DEFAULT_BATCH_SIZE = 32;
    public static final boolean DEFAULT_REFIT = true;
    public static final HeadFit DEFAULT_HEAD_FIT = HeadFit.LOGISTIC_REGRESSION;
    /** No significance test by default (the loss-and-accuracy rule alone); 1.96 is McNemar's test at the 5% level. */
    public static final double DEFAULT_KEEP_Z = 0;
    /** The paired validation loss gain fine-tuning must reach, in its standard errors ({@link #keepSe}). */
    public static final double DEFAULT_KEEP_SE = 0;

    public FineTuneSettings {
        if (maxHeadEpochs < 0 || maxTuneEpochs < 1 || patience < 1 || batchSize < 1) {
            throw new IllegalArgumentException("fine-tuning: head epochs must be >= 0, tune epochs, patience and batch"
                    + " size >= 1; got " + maxHeadEpochs + ", " + maxTuneEpochs + ", " + patience + ", " + batchSize);
        }
        if (!(keepZ >= 0) || Double.isInfinite(keepZ)) {
            throw new IllegalArgumentException("fine-tuning: the keep threshold z must be a number >= 0, got " + keepZ);
        }
        if (!(keepSe >= 0) || Double.isInfinite(keepSe)) {
            throw new IllegalArgumentException("fine-tuning: the keep threshold in standard errors must be a number >= 0,"
                    + " got " + keepSe);
        }
        if (headFit == null) {
            throw new IllegalArgumentException("fine-tuning: the head fit must be given");
        }
        if (!(validationFraction > 0 && validationFraction < 1)) {
            throw new IllegalArgumentException("fine-tuning: the validation fraction must be in (0, 1), got "
                    + validationFraction);
        }
    }

    /** The settings with the default loss-gain threshold ({@link #DEFAULT_KEEP_SE}). */
    public FineTuneSettings(int maxHeadEpochs, int maxTuneEpochs, int patience, double validationFraction,
                            int batchSize, long seed, boolean refit, HeadFit headFit, double keepZ) {
        this(maxHeadEpochs, maxTuneEpochs, patience, validationFraction, batchSize, seed, refit, headFit, keepZ,
                DEFAULT_KEEP_SE);
    }

    /** The settings with the default keep thresholds ({@link #DEFAULT_KEEP_Z}, {@link #DEFAULT_KEEP_SE}). */
    public FineTuneSettings(int maxHeadEpochs, int maxTuneEpochs, int patience, double validationFraction,
                            int batchSize, long seed, boolean refit, HeadFit headFit) {
        this(maxHeadEpochs, maxTuneEpochs, patience, validationFraction, batchSize, seed, refit, headFit, DEFAULT_KEEP_Z);
    }

    /** The settings with the default head fit ({@link #DEFAULT_HEAD_FIT}). */
    public FineTuneSettings(int maxHeadEpochs, int maxTuneEpochs, int patience, double validationFraction,
                            int batchSize, long seed, boolean refit) {
        this(maxHeadEpochs, maxTuneEpochs, patience, validationFraction, batchSize, seed, refit, DEFAULT_HEAD_FIT);
    }

    /** The settings with the default refit ({@value #DEFAULT_REFIT}) and head fit. */
    public FineTuneSettings(int maxHeadEpochs, int maxTuneEpochs, int patience, double validationFraction,
                            int batchSize, long seed) {
        this(maxHeadEpochs, maxTuneEpochs, patience, validationFraction, batchSize, seed, DEFAULT_REFIT);
    }

    public static FineTuneSettings defaults() {
        return new FineTuneSettings(DEFAULT_MAX_HEAD_EPOCHS, DEFAULT_MAX_TUNE_EPOCHS, DEFAULT_PATIENCE,
                DEFAULT_VALIDATION_FRACTION, DEFAULT_BATCH_SIZE, 42, DEFAULT_REFIT, DEFAULT_HEAD_FIT, DEFAULT_KEEP_Z,
                DEFAULT_KEEP_SE);
    }

    public FineTuneSettings withMaxHeadEpochs(int n) {
        return new FineTuneSettings(n, maxTuneEpochs, patience, validationFraction, batchSize, seed, refit, headFit, keepZ, keepSe);
    }

    public FineTuneSettings withMaxTuneEpochs(int n) {
        return new FineTuneSettings(maxHeadEpochs, n, patience, validationFraction, batchSize, seed, refit, headFit, keepZ, keepSe);
    }

    public FineTuneSettings withPatience(int n) {
        return new FineTuneSettings(maxHeadEpochs, maxTuneEpochs, n, validationFraction, batchSize, seed, refit, headFit, keepZ, keepSe);
    }

    public FineTuneSettings withBatchSize(int n) {
        return new FineTuneSettings(maxHeadEpochs, maxTuneEpochs, patience, validationFraction, n, seed, refit, headFit, keepZ, keepSe);
    }

    public FineTuneSettings withSeed(long s) {
        return new FineTuneSettings(maxHeadEpochs, maxTuneEpochs, patience, validationFraction, batchSize, s, refit, headFit, keepZ, keepSe);
    }

    /** With or without the refit on all the training data (without: the early-stopped weights are kept). */
    public FineTuneSettings withRefit(boolean r) {
        return new FineTuneSettings(maxHeadEpochs, maxTuneEpochs, patience, validationFraction, batchSize, seed, r, headFit, keepZ, keepSe);
    }

    /** With the given way of training the new head in phase 1. */
    public FineTuneSettings withHeadFit(HeadFit h) {
        return new FineTuneSettings(maxHeadEpochs, maxTuneEpochs, patience, validationFraction, batchSize, seed, refit, h, keepZ, keepSe);
    }

    /** With the McNemar z fine-tuning must reach against the head to be kept (0: the loss-and-accuracy rule alone). */
    public FineTuneSettings withKeepZ(double z) {
        return new FineTuneSettings(maxHeadEpochs, maxTuneEpochs, patience, validationFraction, batchSize, seed, refit,
                headFit, z, keepSe);
    }

    /**
     * With the paired validation loss gain, in its standard errors, fine-tuning must reach against the head to be kept
     * (0: no such test).
     */
    public FineTuneSettings withKeepSe(double se) {
        return new FineTuneSettings(maxHeadEpochs, maxTuneEpochs, patience, validationFraction, batchSize, seed, refit,
                headFit, keepZ, se);
    }
}

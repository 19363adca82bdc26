package org.convnet4j.transfer;

import java.util.List;

/**
 * Settings of a transfer plan.
 *
 * @param classNames     the target classes (their count sizes the new head); empty keeps the base's head (Case 0)
 * @param cut            Case 1: the layer whose output becomes the features; null = {@link Transfer#defaultCut}
 * @param fineTuneLast   Case 2: how many of the last layers with weights are trained (the new head counts as one)
 * @param scratchLr      the from-scratch learning rate of Case 4
 * @param headLr         the rate at which {@link FineTuning}'s first phase trains the new head alone (Cases 2, 3)
 * @param fineTuneFactor the second phase of Cases 2 and 3 fine-tunes at {@code headLr} times this (0.1: ten times
 *                       below the head's rate)
 * @param discriminative Case 3: each layer with weights gets this factor once more than the next one towards the
 *                       head (1 = the same rate everywhere; 0.5 halves the rate per layer going down)
 * @param seed           seed of new weights (new head, Case 4's re-initialisation)
 * @param newClassifier  Cases 2 and 3: drop the base's dense classifier (the layers after {@link Transfer#defaultCut})
 *                       and put one new Dense layer on its features, as Keras' {@code include_top=False} does;
 *                       false keeps the pretrained dense layers and replaces only the last one
 * @param partialClasses Case 0: the target may have classes the base does not know (its pictures can only be
 *                       answered wrong); without it such a target is refused naming the classes the base lacks
 */
public record TransferOptions(List<String> classNames, String cut, int fineTuneLast, double scratchLr,
                              double headLr, double fineTuneFactor, double discriminative, long seed,
                              boolean newClassifier, boolean partialClasses) {
    public static final int DEFAULT_FINE_TUNE_LAST = 2;
    public static final double DEFAULT_SCRATCH_LR = 1e-3;
    /**
     * Fine-tuning at a third of the head's rate, 0.001 (Adam): measured (docs/TRANSFER.md); at 1e-4 this small
     * network's fine-tuning phase was still improving after 30 epochs and fell behind Case 1.
     */
    public static final double DEFAULT_FINE_TUNE_FACTOR = 1.0 / 3;
    /**
     * The head phase trains one linear layer on frozen features: it takes a larger rate than a whole network
     * from scratch (with 10 pictures per class, two or three steps an epoch, 0.001 needs hundreds of epochs);
     * 0.003 beat 0.01 at 10 pictures per class (0.870 vs 0.816 on Fashion-MNIST 5-9).
     */
    public static final double DEFAULT_HEAD_LR = 3e-3;

    public TransferOptions {
        classNames = List.copyOf(classNames);
        if (fineTuneLast < 1) {
            throw new IllegalArgumentException("transfer: --fine-tune-last must be at least 1, got " + fineTuneLast);
        }
        if (!(scratchLr > 0) || Double.isInfinite(scratchLr)) {
            throw new IllegalArgumentException("transfer: learning rate must be a positive number, got " + scratchLr);
        }
        if (!(headLr > 0) || Double.isInfinite(headLr)) {
            throw new IllegalArgumentException("transfer: head learning rate must be a positive number, got " + headLr);
        }
        if (!(fineTuneFactor > 0 && fineTuneFactor <= 1)) {
            throw new IllegalArgumentException("transfer: fine-tune factor must be in (0, 1], got " + fineTuneFactor);
        }
        if (!(discriminative > 0 && discriminative <= 1)) {
            throw new IllegalArgumentException("transfer: discriminative factor must be in (0, 1], got " + discriminative);
        }
    }

    /** Options that refuse a Case-0 target with classes the base does not know. */
    public TransferOptions(List<String> classNames, String cut, int fineTuneLast, double scratchLr, double headLr,
                           double fineTuneFactor, double discriminative, long seed, boolean newClassifier) {
        this(classNames, cut, fineTuneLast, scratchLr, headLr, fineTuneFactor, discriminative, seed, newClassifier, false);
    }

    /** Defaults for the given target classes: cut at the default layer, last 2 layers, lr 1e-3, factor 0.1. */
    public static TransferOptions forClasses(List<String> classNames) {
        return new TransferOptions(classNames, null, DEFAULT_FINE_TUNE_LAST, DEFAULT_SCRATCH_LR, DEFAULT_HEAD_LR,
                DEFAULT_FINE_TUNE_FACTOR, 1.0, 42, true, false);
    }

    public TransferOptions withClasses(List<String> names) {
        return new TransferOptions(names, cut, fineTuneLast, scratchLr, headLr, fineTuneFactor, discriminative, seed, newClassifier, partialClasses);
    }

    public TransferOptions withCut(String layer) {
        return new TransferOptions(classNames, layer, fineTuneLast, scratchLr, headLr, fineTuneFactor, discriminative, seed, newClassifier, partialClasses);
    }

    public TransferOptions withFineTuneLast(int n) {
        return new TransferOptions(classNames, cut, n, scratchLr, headLr, fineTuneFactor, discriminative, seed, newClassifier, partialClasses);
    }

    public TransferOptions withScratchLr(double lr) {
        return new TransferOptions(classNames, cut, fineTuneLast, lr, headLr, fineTuneFactor, discriminative, seed, newClassifier, partialClasses);
    }

    public TransferOptions withHeadLr(double lr) {
        return new TransferOptions(classNames, cut, fineTuneLast, scratchLr, lr, fineTuneFactor, discriminative, seed, newClassifier, partialClasses);
    }

    public TransferOptions withFineTuneFactor(double f) {
        return new TransferOptions(classNames, cut, fineTuneLast, scratchLr, headLr, f, discriminative, seed, newClassifier, partialClasses);
    }

    public TransferOptions withDiscriminative(double factor) {
        return new TransferOptions(classNames, cut, fineTuneLast, scratchLr, headLr, fineTuneFactor, factor, seed, newClassifier, partialClasses);
    }

    public TransferOptions withNewClassifier(boolean b) {
        return new TransferOptions(classNames, cut, fineTuneLast, scratchLr, headLr, fineTuneFactor, discriminative, seed, b, partialClasses);
    }

    public TransferOptions withSeed(long s) {
        return new TransferOptions(classNames, cut, fineTuneLast, scratchLr, headLr, fineTuneFactor, discriminative, s, newClassifier, partialClasses);
    }

    /**
     * Case 0 on a target with classes the base does not know: scored anyway (their pictures count as wrong answers,
     * a warning lists them) instead of refused. Only what the user asks for explicitly.
     */
    public TransferOptions withPartialClasses(boolean allowed) {
        return new TransferOptions(classNames, cut, fineTuneLast, scratchLr, headLr, fineTuneFactor, discriminative, seed,
                newClassifier, allowed);
    }
}

package org.convnet4j.train;

/**
 * The loss became NaN or infinite. Training stops at once; checkpoints already written are left as they were
 * (they are only written at the end of an epoch whose metrics are finite).
 */
public final class TrainingDivergedException extends RuntimeException {
    private final int epoch;
    private final int batch;
    private final double loss;

    public TrainingDivergedException(int epoch, int batch, long step, double loss) {
        super("training diverged: loss is " + loss + " at epoch " + epoch + ", batch " + batch + " (optimiser step "
                + step + "); try a lower learning rate or gradient clipping. Checkpoints saved so far are unchanged");
        this.epoch = epoch;
        this.batch = batch;
        this.loss = loss;
    }

    /** The validation loss after epoch {@code epoch} is not finite (the last steps broke the parameters). */
    public TrainingDivergedException(int epoch, long step, double validationLoss) {
        super("training diverged: validation loss is " + validationLoss + " after epoch " + epoch + " (optimiser step "
                + step + "); try a lower learning rate or gradient clipping. Checkpoints saved so far are unchanged");
        this.epoch = epoch;
        this.batch = 0;
        this.loss = validationLoss;
    }

    /** After epoch {@code epoch} a parameter or buffer holds NaN or infinity (described by {@code what}). */
    public TrainingDivergedException(int epoch, long step, String what) {
        super("training diverged: after epoch " + epoch + " (optimiser step " + step + ") the weights are not finite: "
                + what + "; try a lower learning rate or gradient clipping. Checkpoints saved so far are unchanged");
        this.epoch = epoch;
        this.batch = 0;
        this.loss = Double.NaN;
    }

    /** 1-based epoch. */
    public int epoch() {
        return epoch;
    }

    /** 1-based batch number within the epoch; 0 if the validation loss diverged. */
    public int batch() {
        return batch;
    }

    public double loss() {
        return loss;
    }
}

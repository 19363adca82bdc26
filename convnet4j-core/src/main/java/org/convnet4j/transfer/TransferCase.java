package org.convnet4j.transfer;

/**
 * The lecture's five ways of reusing a pretrained network. Each is a value: {@link Transfer#plan} turns it into
 * a {@link TransferPlan} (which layers are frozen, which are trained, with which optimiser parameter groups and
 * learning rate), so the trainer itself never needs to know which case it runs.
 */
public enum TransferCase {
    /** Case 0: predict with the pretrained model as it is, with its own classes. Nothing is trained. */
    PREDICT(0, "predict with the pretrained model as it is"),
    /** Case 1: bottleneck features of the frozen network, a shallow classifier trained on them. */
    BOTTLENECK(1, "bottleneck features + shallow classifier"),
    /** Case 2: new head, early layers frozen, the last N layers fine-tuned with a small learning rate. */
    FINE_TUNE_LAST(2, "fine-tune the last layers"),
    /** Case 3: new head, every layer fine-tuned from the pretrained weights with a small learning rate. */
    FINE_TUNE_ALL(3, "fine-tune everything from the pretrained weights"),
    /** Case 4: the same architecture, re-initialised and trained from scratch. */
    FROM_SCRATCH(4, "retrain from scratch with the same architecture");

    private final int number;
    private final String title;

    TransferCase(int number, String title) {
        this.number = number;
        this.title = title;
    }

    public int number() {
        return number;
    }

    public String title() {
        return title;
    }

    /** The case with the lecture's number 0..4. */
    public static TransferCase of(int number) {
        for (TransferCase c : values()) {
            if (c.number == number) {
                return c;
            }
        }
        throw new IllegalArgumentException("transfer case " + number + " does not exist (0..4)");
    }

    @Override
    public String toString() {
        return "Case " + number + " (" + title + ")";
    }
}

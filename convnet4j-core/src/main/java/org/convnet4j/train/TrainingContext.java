package org.convnet4j.train;

import org.convnet4j.nn.Model;

/**
 * What listeners see of a running training: the model, configuration, history and clock, and a way to stop.
 */
public final class TrainingContext {
    private final Model model;
    private final TrainConfig config;
    private final History history;
    private final int batchesPerEpoch;
    private final int samplesPerEpoch;
    int epoch;      // 1-based epoch in progress (or last finished)
    long step;      // optimiser steps taken so far
    private String stopReason;
    Metrics running; // the epoch in progress, for progress displays

    TrainingContext(Model model, TrainConfig config, History history, int batchesPerEpoch, int samplesPerEpoch) {
        this.model = model;
        this.config = config;
        this.history = history;
        this.batchesPerEpoch = batchesPerEpoch;
        this.samplesPerEpoch = samplesPerEpoch;
    }

    public Model model() {
        return model;
    }

    public TrainConfig config() {
        return config;
    }

    public History history() {
        return history;
    }

    /** Current 1-based epoch. */
    public int epoch() {
        return epoch;
    }

    /** Optimiser steps taken so far (over all epochs, including those before a resume). */
    public long step() {
        return step;
    }

    /**
     * Loss, accuracy and sample count of the current epoch's batches so far, as the parameters were when each
     * batch was seen (what progress bars show); null before the first epoch.
     */
    public Metrics runningMetrics() {
        return running;
    }

    public int batchesPerEpoch() {
        return batchesPerEpoch;
    }

    /**
     * Training samples one epoch goes through, known before the epoch starts: the training set's size (the last batch
     * may be smaller than the batch size), for progress displays.
     */
    public int samplesPerEpoch() {
        return samplesPerEpoch;
    }

    /** Asks the trainer to stop after the current epoch. */
    public void requestStop(String reason) {
        if (stopReason == null) {
            stopReason = reason;
        }
    }

    public boolean stopRequested() {
        return stopReason != null;
    }

    /** Why training was stopped early, or null. */
    public String stopReason() {
        return stopReason;
    }
}

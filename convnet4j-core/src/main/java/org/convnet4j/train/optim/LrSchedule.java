package org.convnet4j.train.optim;

/**
 * The learning rate as a function of the training clock: the epoch (0-based) and the global optimiser step
 * (0-based, counting steps taken before this one). Schedules are pure functions of the clock and hold no
 * state, so a resumed run gets exactly the rates of an uninterrupted one. The trainer sets the optimiser's
 * rate from the schedule before every step.
 */
public interface LrSchedule {

    /** The learning rate for the step numbered {@code step}, taken during epoch {@code epoch}. */
    double learningRate(int epoch, long step);

    /** Whether a schedule counts in epochs or in optimiser steps. */
    enum Unit { EPOCHS, STEPS }

    static LrSchedule constant(double lr) {
        return new Constant(lr);
    }

    /** {@code lr · gamma^floor(epoch / everyEpochs)} (PyTorch's {@code StepLR}). */
    static LrSchedule step(double lr, int everyEpochs, double gamma) {
        return new StepDecay(lr, everyEpochs, gamma);
    }

    /**
     * Cosine annealing from {@code lr} to {@code minLr} over {@code period} epochs or steps, then staying at
     * {@code minLr}: {@code minLr + (lr - minLr)(1 + cos(π t / period)) / 2} (PyTorch's
     * {@code CosineAnnealingLR} closed form, without restarts).
     */
    static LrSchedule cosine(double lr, double minLr, long period, Unit unit) {
        return new Cosine(lr, minLr, period, unit);
    }

    /**
     * Linear warm-up: during the first {@code warmupSteps} steps the wrapped schedule's rate is multiplied by
     * {@code (step + 1) / warmupSteps}; afterwards it is used unchanged.
     */
    static LrSchedule warmup(long warmupSteps, LrSchedule after) {
        return new Warmup(warmupSteps, after);
    }

    private static void requireRate(String what, double lr) {
        if (!(lr >= 0) || Double.isInfinite(lr)) {
            throw new IllegalArgumentException("LrSchedule." + what + ": learning rate must be >= 0, got " + lr);
        }
    }

    record Constant(double lr) implements LrSchedule {
        public Constant {
            requireRate("constant", lr);
        }

        @Override
        public double learningRate(int epoch, long step) {
            return lr;
        }
    }

    record StepDecay(double lr, int everyEpochs, double gamma) implements LrSchedule {
        public StepDecay {
            requireRate("step", lr);
            if (everyEpochs < 1 || !(gamma > 0)) {
                throw new IllegalArgumentException("LrSchedule.step: needs everyEpochs >= 1 and gamma > 0, got "
                        + everyEpochs + ", " + gamma);
            }
        }

        @Override
        public double learningRate(int epoch, long step) {
            return lr * Math.pow(gamma, Math.floorDiv(epoch, everyEpochs));
        }
    }

    record Cosine(double lr, double minLr, long period, Unit unit) implements LrSchedule {
        public Cosine {
            requireRate("cosine", lr);
            requireRate("cosine", minLr);
            if (period < 1 || unit == null) {
                throw new IllegalArgumentException("LrSchedule.cosine: period must be >= 1 with a unit, got " + period
                        + " " + unit);
            }
        }

        @Override
        public double learningRate(int epoch, long step) {
            double t = Math.min(unit == Unit.EPOCHS ? epoch : step, period);
            return minLr + (lr - minLr) * (1 + Math.cos(Math.PI * t / period)) / 2;
        }
    }

    record Warmup(long warmupSteps, LrSchedule after) implements LrSchedule {
        public Warmup {
            if (warmupSteps < 1 || after == null) {
                throw new IllegalArgumentException("LrSchedule.warmup: needs warmupSteps >= 1 and a schedule, got "
                        + warmupSteps + ", " + after);
            }
        }

        @Override
        public double learningRate(int epoch, long step) {
            double rate = after.learningRate(epoch, step);
            return step < warmupSteps ? rate * (step + 1) / warmupSteps : rate;
        }
    }
}

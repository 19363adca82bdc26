package org.convnet4j.benchmark;

import java.util.Arrays;

/**
 * The timing discipline of the reference scripts ({@code shared/bench/benchutil.py}): warm up, pick a number
 * of calls per timed repetition so each lasts at least a minimum time, time several repetitions and report the
 * median seconds per call. Medians, not means: on a shared machine a repetition that lost its core to another
 * process is an outlier, not information.
 */
public record Timing(int warmupCalls, double warmupSeconds, double minRepetitionSeconds, int repetitions) {

    /** Seconds per call of every timed repetition, sorted ascending. */
    public record Result(double[] secondsPerCall, int callsPerRepetition) {
        /** The median seconds per call. */
        public double median() {
            return secondsPerCall[secondsPerCall.length / 2];
        }

        /** The fastest repetition's seconds per call. */
        public double fastest() {
            return secondsPerCall[0];
        }

        /** The slowest repetition's seconds per call. */
        public double slowest() {
            return secondsPerCall[secondsPerCall.length - 1];
        }
    }

    /** Warms up, sizes and times the repetitions of {@code call}. */
    public Result measure(Runnable call) {
        long start = System.nanoTime();
        int warm = 0;
        while (warm < warmupCalls || System.nanoTime() - start < warmupSeconds * 1e9) {
            call.run();
            warm++;
        }
        // one more call, timed alone, sizes the repetitions (the warm-up average includes compilation)
        long t = System.nanoTime();
        call.run();
        double perCall = (System.nanoTime() - t) / 1e9;
        int calls = Math.max(1, (int) Math.ceil(minRepetitionSeconds / Math.max(perCall, 1e-9)));
        double[] seconds = new double[repetitions];
        for (int r = 0; r < repetitions; r++) {
            long t0 = System.nanoTime();
            for (int i = 0; i < calls; i++) {
                call.run();
            }
            seconds[r] = (System.nanoTime() - t0) / 1e9 / calls;
        }
        Arrays.sort(seconds);
        return new Result(seconds, calls);
    }
}

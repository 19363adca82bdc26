package org.convnet4j.benchmark;

import java.util.Arrays;

/**
 * The timing discipline of the reference scripts ({@code shared/bench/benchutil.py}): warm up, pick a number
 * of calls per timed repetition so each lasts at least a minimum time, time several repetitions and report the
 * median seconds per call. Medians, not means: on a shared machine a repetition that lost its core to another
 * process is an outlier, not information.
 *
 * <p>With {@code settleSeconds > 0} the warm-up goes on, after its calls and seconds, until the JIT has nothing
 * left to compile: two calls in a row after which HotSpot's compile queues are empty and no compilation runs
 * ({@code jcmd Compiler.queue}), or {@code settleSeconds} more, whichever comes first. Why: PyTorch has no JIT,
 * we do; on 2 cores a compilation that is still running when the timed repetitions start takes a core from
 * them, and how many repetitions it overlaps decided whether ResNet-50's batch-1 median came out fast or slow
 * (docs/PERFORMANCE.md, "Tenth pass"). The warm-up calls actually made are in the {@link Result}.
 */
public record Timing(int warmupCalls, double warmupSeconds, double minRepetitionSeconds, int repetitions,
                     double settleSeconds) {

    /** The reference's discipline without waiting for the JIT. */
    public Timing(int warmupCalls, double warmupSeconds, double minRepetitionSeconds, int repetitions) {
        this(warmupCalls, warmupSeconds, minRepetitionSeconds, repetitions, 0);
    }

    /**
     * Seconds per call of every timed repetition, sorted ascending; the warm-up calls made, and whether the JIT
     * was idle when timing began (false: {@code settleSeconds} ran out, or settling was not asked for).
     */
    public record Result(double[] secondsPerCall, int callsPerRepetition, int warmupCalls, boolean jitSettled) {
        public Result(double[] secondsPerCall, int callsPerRepetition) {
            this(secondsPerCall, callsPerRepetition, 0, false);
        }

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
        boolean settled = false;
        if (settleSeconds > 0) {
            long settleStart = System.nanoTime();
            int idle = 0;
            while (idle < 2 && System.nanoTime() - settleStart < settleSeconds * 1e9) {
                call.run();
                warm++;
                idle = JitQueue.idle() ? idle + 1 : 0;
            }
            settled = idle >= 2;
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
        return new Result(seconds, calls, warm, settled);
    }

    /** HotSpot's compile queues, read through the diagnostic-command MBean ({@code jcmd PID Compiler.queue}). */
    static final class JitQueue {
        private JitQueue() {
        }

        /**
         * True when no compilation runs and none waits; also true where the queues cannot be read (another JVM, no
         * management), so that settling never waits for nothing.
         */
        static boolean idle() {
            String queues;
            try {
                javax.management.MBeanServer server = java.lang.management.ManagementFactory.getPlatformMBeanServer();
                queues = (String) server.invoke(new javax.management.ObjectName(
                        "com.sun.management:type=DiagnosticCommand"), "compilerQueue", new Object[] {null},
                        new String[] {String[].class.getName()});
            } catch (Exception | LinkageError e) {
                return true;
            }
            return idle(queues);
        }

        /**
         * Whether {@code Compiler.queue}'s text lists nothing: a running compilation is a line naming its compiler
         * thread, a waiting one a line starting with its compile id.
         */
        static boolean idle(String queues) {
            for (String line : queues.split("\n")) {
                String t = line.strip();
                if (t.contains("CompilerThread") || !t.isEmpty() && Character.isDigit(t.charAt(0))) {
                    return false;
                }
            }
            return true;
        }
    }
}

package org.convnet4j.benchmark;

import java.util.Arrays;

/**
 * The timing discipline of the reference scripts ({@code shared/bench/benchutil.py}): warm up, pick a number
 * of calls per timed repetition so each lasts at least a minimum time, time several repetitions and report the
 * median seconds per call. Medians, not means: on a shared machine a repetition that lost its core to another
 * process is an outlier, not information.
 *
 * <p>With {@code settleSeconds > 0} the warm-up goes on, after its calls and seconds, until the JIT has nothing
 * left to compile: calls in a row, at least two and lasting {@link #QUIET_SECONDS} together, after each of which
 * HotSpot's compile queues are empty ({@code jcmd Compiler.queue}) and no compilation has finished (the JIT's total
 * compilation time has not moved), or {@code settleSeconds} more, whichever comes first. Why: PyTorch has no JIT,
 * we do; on 2 cores a compilation that is still running when the timed repetitions start takes a core from
 * them, and how many repetitions it overlaps decided whether ResNet-50's batch-1 median came out fast or slow
 * (docs/PERFORMANCE.md, "Tenth pass"); an empty queue alone let C2 go on compiling through all of GoogLeNet's timed
 * repetitions ("Fourteenth pass"). The warm-up calls actually made are in the {@link Result}.
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

    /**
     * Seconds of calls in a row during which no compilation may finish before the JIT counts as settled
     * ({@code -Dconvnet4j.bench.quietSeconds}, default 1).
     */
    static final double QUIET_SECONDS = Double.parseDouble(System.getProperty("convnet4j.bench.quietSeconds", "1.0"));

    /** Warms up, sizes and times the repetitions of {@code call}. */
    public Result measure(Runnable call) {
        return measure(call, JitProbe.HOTSPOT, QUIET_SECONDS);
    }

    /**
     * What settling reads: whether the compile queues are empty now, and the JIT's total compilation time so far
     * (it grows with every compilation that finishes).
     */
    interface JitProbe {
        boolean queuesIdle();

        long compiledMillis();

        /** The running JVM's: {@code Compiler.queue} and {@code CompilationMXBean.getTotalCompilationTime}. */
        JitProbe HOTSPOT = new JitProbe() {
            @Override
            public boolean queuesIdle() {
                return JitQueue.idle();
            }

            @Override
            public long compiledMillis() {
                java.lang.management.CompilationMXBean jit = java.lang.management.ManagementFactory.getCompilationMXBean();
                return jit != null && jit.isCompilationTimeMonitoringSupported() ? jit.getTotalCompilationTime() : 0;
            }
        };
    }

    /**
     * {@link #measure(Runnable)} with the JIT read through {@code probe}. Settled means: at least two calls in a row,
     * lasting {@code quietSeconds} together, after each of which the queues were empty and no compilation had
     * finished since the last one that did. An empty queue alone is not enough: HotSpot queues a method for C2 only
     * when its call and loop counters cross a threshold, so between two such moments the queue is empty while methods
     * still run in C1's profiling code, and their C2 compilations (seconds of a core's time for a network's worth of
     * methods) then fell into the timed repetitions (docs/PERFORMANCE.md, "Fourteenth pass").
     */
    Result measure(Runnable call, JitProbe probe, double quietSeconds) {
        long start = System.nanoTime();
        int warm = 0;
        while (warm < warmupCalls || System.nanoTime() - start < warmupSeconds * 1e9) {
            call.run();
            warm++;
        }
        boolean settled = false;
        if (settleSeconds > 0) {
            long settleStart = System.nanoTime();
            long compiled = probe.compiledMillis();
            long quietStart = System.nanoTime();
            int quietCalls = 0;
            while (System.nanoTime() - settleStart < settleSeconds * 1e9) {
                call.run();
                warm++;
                long now = probe.compiledMillis();
                if (probe.queuesIdle() && now == compiled) {
                    quietCalls++;
                    if (quietCalls >= 2 && System.nanoTime() - quietStart >= quietSeconds * 1e9) {
                        settled = true;
                        break;
                    }
                } else {
                    compiled = now;
                    quietCalls = 0;
                    quietStart = System.nanoTime();
                }
            }
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

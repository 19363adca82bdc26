package org.convnet4j.benchmark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Timing's warm-up that waits for the JIT: reading HotSpot's compile queues, and the warm-up calls it adds. */
class TimingTest {
    @Test
    void compileQueuesAreReadAsBusyOrIdle() {
        String busy = "Current compiles: \nC2 CompilerThread0  1362       4       java.util.HashMap::put (13 bytes)\n\n"
                + "C1 compile queue:\nEmpty\n\nC2 compile queue:\nEmpty\n";
        String queued = "Current compiles: \n\nC1 compile queue:\n1413       3       jdk.internal.misc.Unsafe::x (11 bytes)\n\n"
                + "C2 compile queue:\nEmpty\n";
        String idle = "Current compiles: \n\nC1 compile queue:\nEmpty\n\nC2 compile queue:\nEmpty\n\n";
        assertFalse(Timing.JitQueue.idle(busy));
        assertFalse(Timing.JitQueue.idle(queued));
        assertTrue(Timing.JitQueue.idle(idle));
    }

    @Test
    void settlingAddsWarmUpCallsUntilTheJitIsIdleOrTheTimeIsUp() {
        int[] calls = {0};
        long start = System.nanoTime();
        Timing.Result r = new Timing(2, 0, 0, 3, 20).measure(() -> calls[0]++, Timing.JitProbe.HOTSPOT, 0.05);
        double seconds = (System.nanoTime() - start) / 1e9;
        assertTrue(r.warmupCalls() >= 4, "two warm-up calls, then at least two more seen idle: " + r.warmupCalls());
        assertTrue(r.jitSettled() || seconds >= 20, "settled, or the time ran out");
        assertEquals(r.warmupCalls() + 1 + 3 * r.callsPerRepetition(), calls[0], "warm-up, sizing call, repetitions");
        Timing.Result plain = new Timing(2, 0, 0, 3).measure(() -> { });
        assertEquals(2, plain.warmupCalls());
        assertFalse(plain.jitSettled());
    }

    /** A JIT whose queues are always empty and whose compilation time grows after each call up to call {@code last}. */
    private static Timing.JitProbe compilingUntil(int[] calls, int last, boolean[] queuesIdle) {
        return new Timing.JitProbe() {
            @Override
            public boolean queuesIdle() {
                return queuesIdle[0];
            }

            @Override
            public long compiledMillis() {
                return Math.min(calls[0], last);
            }
        };
    }

    @Test
    void anEmptyQueueIsNotSettledWhileCompilationsStillFinish() {
        int[] calls = {0};
        boolean[] idle = {true};
        Timing.Result r = new Timing(2, 0, 0, 3, 20).measure(() -> calls[0]++, compilingUntil(calls, 8, idle), 0);
        // calls 3..8 each finish a compilation; 9 and 10 are the two quiet calls (the old rule stopped at call 4)
        assertEquals(10, r.warmupCalls());
        assertTrue(r.jitSettled());
        assertEquals(r.warmupCalls() + 1 + 3 * r.callsPerRepetition(), calls[0], "warm-up, sizing call, repetitions");
    }

    @Test
    void theQuietStretchMustLastItsSecondsAndABusyQueueRestartsIt() {
        int[] calls = {0};
        boolean[] idle = {false};
        long[] quietFrom = {0};
        Runnable call = () -> {
            calls[0]++;
            idle[0] = calls[0] >= 6; // the queue shows work until call 6; no compilation time is added
            if (calls[0] == 5) {
                quietFrom[0] = System.nanoTime();
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        Timing.Result r = new Timing(1, 0, 0, 1, 20).measure(call, compilingUntil(calls, 0, idle), 0.3);
        long quiet = System.nanoTime() - quietFrom[0];
        assertTrue(r.jitSettled());
        assertTrue(r.warmupCalls() >= 5 + 2, "two quiet calls after the busy ones: " + r.warmupCalls());
        assertTrue(quiet >= 0.3e9, "quiet for at least 0.3 s before timing: " + quiet / 1e9);
        Timing.Result cut = new Timing(1, 0, 0, 1, 0.2).measure(() -> calls[0]++, new Timing.JitProbe() {
            @Override
            public boolean queuesIdle() {
                return false;
            }

            @Override
            public long compiledMillis() {
                return 0;
            }
        }, 0);
        assertFalse(cut.jitSettled(), "a JIT that never goes quiet: the settle time runs out");
    }
}

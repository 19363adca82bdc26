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
        Timing.Result r = new Timing(2, 0, 0, 3, 20).measure(() -> calls[0]++);
        double seconds = (System.nanoTime() - start) / 1e9;
        assertTrue(r.warmupCalls() >= 4, "two warm-up calls, then at least two more seen idle: " + r.warmupCalls());
        assertTrue(r.jitSettled() || seconds >= 20, "settled, or the time ran out");
        assertEquals(r.warmupCalls() + 1 + 3 * r.callsPerRepetition(), calls[0], "warm-up, sizing call, repetitions");
        Timing.Result plain = new Timing(2, 0, 0, 3).measure(() -> { });
        assertEquals(2, plain.warmupCalls());
        assertFalse(plain.jitSettled());
    }
}

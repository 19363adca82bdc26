package org.convnet4j.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/**
 * Requests answered in time cost the deadline thread no wake-up; a passed deadline fails its future with
 * {@link TimeoutException}, the earliest first, also when it was added after a later one. Counts and states only:
 * the deadlines in the future are minutes away, so a slow machine cannot make them pass during the test.
 */
class DeadlinesTest {
    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

    @Test
    void requestsAnsweredInTimeDoNotWakeTheThread() {
        try (Deadlines d = new Deadlines("test-deadlines", 60 * SECOND)) {
            // as a server under load: requests arrive, some overlap, each is answered well before its deadline
            List<CompletableFuture<String>> open = new ArrayList<>();
            List<Deadlines.Entry> entries = new ArrayList<>();
            for (int i = 0; i < 5_000; i++) {
                CompletableFuture<String> f = new CompletableFuture<>();
                open.add(f);
                entries.add(d.add(f, System.nanoTime() + 60 * SECOND));
                if (open.size() == 8 || i % 7 == 0) { // the list empties now and then, as between batches
                    for (int k = 0; k < open.size(); k++) {
                        open.get(k).complete("answer");
                        d.done(entries.get(k));
                    }
                    open.clear();
                    entries.clear();
                }
            }
            for (int k = 0; k < open.size(); k++) {
                open.get(k).complete("answer");
                d.done(entries.get(k));
            }
            assertEquals(0, d.pending());
            long[] c = d.counts();
            assertEquals(0, c[1], "wake-ups by add");
            assertEquals(0, c[2], "timed out");
            // the thread's own deadline is a minute away: at most a spurious return from park
            assertTrue(c[0] <= 1, "the thread woke " + c[0] + " times for 5,000 requests answered in time");
            // done twice, or for a future that was already done (null), changes nothing
            d.done(null);
            CompletableFuture<String> f = new CompletableFuture<>();
            Deadlines.Entry e = d.add(f, System.nanoTime() + 60 * SECOND);
            d.done(e);
            d.done(e);
            assertEquals(0, d.pending());
            assertNull(d.add(CompletableFuture.completedFuture("x"), System.nanoTime() + 60 * SECOND));
        }
    }

    @Test
    void aPassedDeadlineFailsItsFutureEarliestFirst() throws Exception {
        try (Deadlines d = new Deadlines("test-deadlines", 60 * SECOND)) {
            CompletableFuture<String> late = new CompletableFuture<>();
            CompletableFuture<String> soon = new CompletableFuture<>();
            CompletableFuture<String> past = new CompletableFuture<>();
            long now = System.nanoTime();
            d.add(late, now + 600 * SECOND);
            // due before the thread's next wake-up (a minute away): this one must wake it, and go before 'late'
            Deadlines.Entry s = d.add(soon, now + 50_000_000L);
            Deadlines.Entry p = d.add(past, now - 1); // a budget of 0: already due
            ExecutionException e = assertThrows(ExecutionException.class, () -> soon.get(120, TimeUnit.SECONDS));
            assertTrue(e.getCause() instanceof TimeoutException, e.toString());
            e = assertThrows(ExecutionException.class, () -> past.get(120, TimeUnit.SECONDS));
            assertTrue(e.getCause() instanceof TimeoutException, e.toString());
            d.done(s); // as the request's completion does: already out of the list
            d.done(p);
            assertFalse(late.isDone());
            assertEquals(1, d.pending());
            long[] c = d.counts();
            assertEquals(2, c[2], "timed out");
            assertTrue(c[1] >= 1, "the earlier deadline woke the thread");
        }
    }

    @Test
    void entriesAreKeptInDeadlineOrder() {
        try (Deadlines d = new Deadlines("test-deadlines", 60 * SECOND)) {
            long base = System.nanoTime() + 600 * SECOND;
            // arrival skew between threads: a request parsed later may have arrived earlier
            long[] at = {5, 3, 4, 1, 2, 6, 6, 0};
            List<Deadlines.Entry> entries = new ArrayList<>();
            for (long a : at) {
                entries.add(d.add(new CompletableFuture<String>(), base + a * SECOND));
            }
            assertEquals(List.of(0L, 1L, 2L, 3L, 4L, 5L, 6L, 6L), offsets(d, base));
            d.done(entries.get(3)); // 1: from the middle
            d.done(entries.get(7)); // 0: the first
            d.done(entries.get(6)); // 6: the last
            assertEquals(List.of(2L, 3L, 4L, 5L, 6L), offsets(d, base));
            assertEquals(5, d.pending());
        }
    }

    private static List<Long> offsets(Deadlines d, long base) {
        List<Long> o = new ArrayList<>();
        for (long t : d.deadlines()) {
            o.add((t - base) / SECOND);
        }
        return o;
    }
}

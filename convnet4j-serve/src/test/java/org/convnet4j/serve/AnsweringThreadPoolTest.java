package org.convnet4j.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.eclipse.jetty.io.Connection;
import org.junit.jupiter.api.Test;

/**
 * Connections resumed while a batch's answers are written run on the answering thread once all of them are out, in
 * the order they were resumed; outside a batch, at once, as before; other jobs always go to the pool. Reads put off
 * while they run (second reads) run once after all of them, and only then. What runs before resuming (the worker's
 * pause) runs once, after the answers, when connections were resumed.
 */
class AnsweringThreadPoolTest {

    /** A connection (as Jetty resumes it: a Runnable that is a Connection) that logs when it runs. */
    private static Runnable connection(String name, List<String> log) {
        return connection(name, log, () -> { });
    }

    /** As above, doing {@code then} when it runs. */
    private static Runnable connection(String name, List<String> log, Runnable then) {
        return (Runnable) java.lang.reflect.Proxy.newProxyInstance(AnsweringThreadPoolTest.class.getClassLoader(),
                new Class<?>[] {Connection.class, Runnable.class}, (proxy, method, args) -> {
                    if (method.getName().equals("run")) {
                        log.add("run " + name + " on " + Thread.currentThread().getName());
                        then.run();
                        return null;
                    }
                    if (method.getName().equals("toString")) {
                        return name;
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
    }

    @Test
    void connectionsResumedDuringABatchsAnswersRunWhenAllAreOut() {
        AnsweringThreadPool pool = new AnsweringThreadPool();
        List<String> log = new ArrayList<>();
        String me = Thread.currentThread().getName();
        AnsweringThreadPool.batch(() -> {
            for (String c : List.of("a", "b", "c")) {
                log.add("write " + c);
                AnsweringThreadPool.answering(() -> pool.execute(connection(c, log)));
            }
        });
        assertEquals(List.of("write a", "write b", "write c", "run a on " + me, "run b on " + me, "run c on " + me), log);
        assertEquals(3, pool.resumedHere());
        assertEquals(0, pool.resumedByPool());
        // outside a batch: at once, as each answer is written
        log.clear();
        for (String c : List.of("d", "e")) {
            log.add("write " + c);
            AnsweringThreadPool.answering(() -> pool.execute(connection(c, log)));
        }
        assertEquals(List.of("write d", "run d on " + me, "write e", "run e on " + me), log);
        // a connection resumed by a held-back connection's own work (its next request answered at once) runs too
        log.clear();
        Runnable outer = connection("outer", log,
                () -> AnsweringThreadPool.answering(() -> pool.execute(connection("inner", log))));
        AnsweringThreadPool.batch(() -> AnsweringThreadPool.answering(() -> pool.execute(outer)));
        assertEquals(List.of("run outer on " + me, "run inner on " + me), log);
        assertEquals(7, pool.resumedHere());
        assertEquals(0, pool.resumedByPool());
    }

    @Test
    void whatRunsBeforeResumingRunsOnceAfterTheAnswersAndOnlyWhenConnectionsWereResumed() {
        AnsweringThreadPool pool = new AnsweringThreadPool();
        List<String> log = new ArrayList<>();
        String me = Thread.currentThread().getName();
        AnsweringThreadPool.batch(() -> {
            for (String c : List.of("a", "b")) {
                log.add("write " + c);
                AnsweringThreadPool.answering(() -> pool.execute(connection(c, log)));
            }
        }, () -> log.add("pause"));
        assertEquals(List.of("write a", "write b", "pause", "run a on " + me, "run b on " + me), log);
        assertEquals(2, pool.resumedAfterBatches());
        // answers that resumed no connection (closed ones, say): nothing to pause for
        log.clear();
        AnsweringThreadPool.batch(() -> log.add("write c"), () -> log.add("pause"));
        assertEquals(List.of("write c"), log);
        // the pause itself: at least as long as asked, whatever wakes the thread meanwhile
        Thread.currentThread().interrupt(); // a set interrupt makes every park return at once
        long t0 = System.nanoTime();
        AnsweringThreadPool.sleep(2_000_000);
        assertTrue(System.nanoTime() - t0 >= 2_000_000);
        assertTrue(Thread.interrupted());
    }

    @Test
    void readsPutOffWhileABatchsConnectionsResumeRunOnceAfterAllOfThem() {
        AnsweringThreadPool pool = new AnsweringThreadPool();
        List<String> log = new ArrayList<>();
        String me = Thread.currentThread().getName();
        assertFalse(AnsweringThreadPool.putOff(() -> log.add("never")), "outside a batch nothing is put off");
        AnsweringThreadPool.batch(() -> {
            assertFalse(AnsweringThreadPool.putOff(() -> log.add("never")), "nor while the answers are written");
            for (String c : List.of("a", "b", "c")) {
                // a and c find nothing on their first read (their sockets put the read off), b finds its request
                AnsweringThreadPool.answering(() -> pool.execute(connection(c, log, () -> {
                    if (!c.equals("b")) {
                        assertTrue(AnsweringThreadPool.putOff(() -> {
                            log.add("again " + c + " on " + Thread.currentThread().getName());
                            // nothing again: now it waits on the selector, not for a third read
                            assertFalse(AnsweringThreadPool.putOff(() -> log.add("never")));
                        }));
                    }
                })));
            }
        });
        assertEquals(List.of("run a on " + me, "run b on " + me, "run c on " + me, "again a on " + me,
                "again c on " + me), log);
        assertFalse(AnsweringThreadPool.putOff(() -> log.add("never")), "after the batch nothing is put off");
    }
}

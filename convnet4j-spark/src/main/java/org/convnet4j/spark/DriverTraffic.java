package org.convnet4j.spark;

import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.spark.SparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;

/**
 * For measurements (ScaleBench, tests): the bytes the tasks sent back to the driver as their results, by Spark's own
 * task metric ({@code resultSize}), counted from when this listener is added until it is removed.
 */
final class DriverTraffic extends SparkListener implements AutoCloseable {
    private final SparkContext sc;
    private final AtomicLong resultBytes = new AtomicLong();
    private final AtomicLong tasks = new AtomicLong();

    DriverTraffic(SparkContext sc) {
        this.sc = sc;
        sc.addSparkListener(this);
    }

    @Override
    public void onTaskEnd(SparkListenerTaskEnd e) {
        if (e.taskMetrics() != null) {
            resultBytes.addAndGet(e.taskMetrics().resultSize());
            tasks.incrementAndGet();
        }
    }

    /** The result bytes of every task that has ended so far (waits for Spark's listener events to be delivered). */
    long resultBytes() {
        try {
            sc.listenerBus().waitUntilEmpty(60_000); // Scala-private API, public in the bytecode: measurements only
        } catch (TimeoutException e) {
            throw new IllegalStateException("Spark's listener events were not delivered within 60 s", e);
        }
        return resultBytes.get();
    }

    long tasks() {
        resultBytes();
        return tasks.get();
    }

    @Override
    public void close() {
        sc.removeSparkListener(this);
    }
}

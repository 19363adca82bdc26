package org.convnet4j.spark;

import org.apache.spark.TaskContext;

/**
 * Sizes convnet4j's compute threads to what Spark gives a task. The engine's kernels share one pool per JVM, sized
 * once from the system property {@code convnet4j.threads} (default: all processors). An executor runs one task per
 * core at the same time, so letting every task spread over all cores would oversubscribe them; instead each task's
 * kernels use {@code spark.task.cpus} threads (1 by default). Set {@code -Dconvnet4j.threads} in
 * {@code spark.executor.extraJavaOptions} to override.
 */
public final class EngineThreads {
    public static final String PROPERTY = "convnet4j.threads";

    private EngineThreads() {
    }

    /** Called in a task before the first network is built in this JVM; later calls change nothing. */
    static synchronized void configure() {
        if (System.getProperty(PROPERTY) == null) {
            TaskContext t = TaskContext.get();
            int cpus = t == null ? Runtime.getRuntime().availableProcessors() : Math.max(1, t.cpus());
            System.setProperty(PROPERTY, Integer.toString(cpus));
        }
    }
}

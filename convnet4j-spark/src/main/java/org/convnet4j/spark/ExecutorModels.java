package org.convnet4j.spark;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Function;
import org.apache.spark.TaskContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.util.TaskCompletionListener;
import org.convnet4j.model.SavedModel;

/**
 * The models an executor JVM has built from broadcast model files. The broadcast itself reaches each executor once
 * (Spark caches it per JVM); building the network from it is done once per concurrently running task, because a
 * network keeps per-call buffers and is not shared between threads. A task borrows an instance and gives it back
 * when it completes, so an executor with 4 task slots holds at most 4 copies.
 */
final class ExecutorModels {
    private static final Map<String, ConcurrentLinkedQueue<Object>> IDLE = new ConcurrentHashMap<>();
    private static volatile String currentApp;

    private ExecutorModels() {
    }

    /**
     * An instance of {@code build(model)} for the running task, keyed by the broadcast and {@code variant} (e.g. the
     * cut layer): reused if an earlier task on this executor left one, built otherwise.
     */
    @SuppressWarnings("unchecked")
    static <T> T borrow(Broadcast<ModelBytes> model, String variant, Function<SavedModel, T> build) {
        EngineThreads.configure();
        // broadcast ids count from 0 in every SparkContext: a JVM that runs one application after another (local
        // mode, a test JVM, a driver that stops and starts sessions) would otherwise serve the previous
        // application's model for the same id. The application's id is part of the key, and the instances of
        // earlier applications are dropped (one application at a time per executor JVM).
        String app = org.apache.spark.SparkEnv.get().conf().getAppId();
        String prefix = app + "/";
        if (!prefix.equals(currentApp)) {
            IDLE.keySet().removeIf(k -> !k.startsWith(prefix));
            currentApp = prefix;
        }
        String key = prefix + model.id() + "/" + variant;
        ConcurrentLinkedQueue<Object> idle = IDLE.computeIfAbsent(key, k -> new ConcurrentLinkedQueue<>());
        Object instance = idle.poll();
        if (instance == null) {
            try {
                instance = build.apply(model.value().parse());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        Object borrowed = instance;
        TaskContext task = TaskContext.get();
        if (task != null) {
            task.addTaskCompletionListener((TaskCompletionListener) ctx -> idle.offer(borrowed));
        }
        return (T) instance;
    }
}

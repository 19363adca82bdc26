package org.convnet4j.serve;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.convnet4j.nn.Model;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;

/**
 * Dynamic batching for one model: requests are queued (bounded: a full queue refuses at once, so a slow model
 * sheds load instead of piling up memory) and a single worker thread, the only one that ever touches the model,
 * runs them. The worker takes the oldest request, then waits at most {@code maxWait} for more until the batch
 * holds {@code maxBatch} samples, and answers every request from the one forward pass. One thread per model also
 * bounds the work in flight: however many clients there are, one forward pass at a time holds activations, and
 * the model is shared without copies (inference is thread-safe anyway; training the model while serving is not).
 */
public final class Batcher implements AutoCloseable {
    /** Samples [n, ...input] of one request and where its outputs [n, ...output] go. */
    private record Job(Tensor input, CompletableFuture<Tensor> result) {
    }

    private final String name;
    private final Model model;
    private final Shape sampleShape;
    private final int maxBatch;
    private final long maxWaitNanos;
    private final BlockingQueue<Job> queue;
    private final ServeMetrics metrics;
    private final Thread worker;
    private volatile boolean accepting = true;

    public Batcher(String name, Model model, int maxBatch, long maxWaitMicros, int queueCapacity, ServeMetrics metrics) {
        if (maxBatch < 1 || maxWaitMicros < 0 || queueCapacity < 1) {
            throw new IllegalArgumentException("Batcher: max batch " + maxBatch + ", max wait " + maxWaitMicros
                    + " us and queue " + queueCapacity + " must be positive");
        }
        this.name = name;
        this.model = model;
        this.sampleShape = model.inputShapes().get(0);
        this.maxBatch = maxBatch;
        this.maxWaitNanos = maxWaitMicros * 1000L;
        this.queue = new ArrayBlockingQueue<>(queueCapacity);
        this.metrics = metrics;
        this.worker = new Thread(this::run, "convnet4j-batcher-" + name);
        this.worker.setDaemon(true);
        this.worker.start();
    }

    /**
     * Queues samples [n, ...input] (n >= 1); the future completes with the outputs [n, ...output], or
     * exceptionally. Throws {@link ApiException} 429 when the queue is full and 503 once closing.
     */
    public CompletableFuture<Tensor> submit(Tensor input) {
        if (!accepting) {
            throw new ApiException(503, "model " + name + " is shutting down");
        }
        Job job = new Job(input, new CompletableFuture<>());
        if (!queue.offer(job)) {
            throw new ApiException(429, "model " + name + ": the request queue is full (" + queue.size()
                    + " waiting); try again later");
        }
        metrics.queueDepth(name, queue.size());
        return job.result;
    }

    public int queueDepth() {
        return queue.size();
    }

    private void run() {
        List<Job> batch = new ArrayList<>();
        Job carry = null; // a request too large to join the previous batch starts the next one
        while (accepting || carry != null || !queue.isEmpty()) {
            Job first = carry;
            carry = null;
            if (first == null) {
                try {
                    first = queue.poll(100, TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    break;
                }
                if (first == null) {
                    continue;
                }
            }
            batch.clear();
            batch.add(first);
            int samples = first.input.dim(0);
            long deadline = System.nanoTime() + maxWaitNanos;
            while (samples < maxBatch) {
                Job next = queue.poll();
                if (next == null) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        break;
                    }
                    try {
                        next = queue.poll(left, TimeUnit.NANOSECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        break;
                    }
                    if (next == null) {
                        break;
                    }
                }
                if (samples + next.input.dim(0) > maxBatch) {
                    carry = next; // never split a request: it waits for the next forward pass
                    break;
                }
                batch.add(next);
                samples += next.input.dim(0);
            }
            metrics.queueDepth(name, queue.size());
            runBatch(batch);
            if (Thread.currentThread().isInterrupted()) {
                break;
            }
        }
        // only an interrupted worker leaves requests behind: fail them rather than let clients hang
        if (carry != null) {
            carry.result.completeExceptionally(new ApiException(503, "model " + name + " is shutting down"));
        }
        Job left;
        while ((left = queue.poll()) != null) {
            left.result.completeExceptionally(new ApiException(503, "model " + name + " is shutting down"));
        }
    }

    private void runBatch(List<Job> jobs) {
        // requests whose client already timed out are dropped before spending compute on them
        List<Job> live = new ArrayList<>();
        for (Job j : jobs) {
            if (!j.result.isDone()) {
                live.add(j);
            }
        }
        if (live.isEmpty()) {
            return;
        }
        int n = 0;
        for (Job j : live) {
            n += j.input.dim(0);
        }
        try {
            Tensor x;
            if (live.size() == 1) {
                x = live.get(0).input;
            } else {
                x = Tensor.zeros(sampleShape.prepend(n));
                int off = 0;
                for (Job j : live) {
                    System.arraycopy(j.input.data(), 0, x.data(), off, j.input.size());
                    off += j.input.size();
                }
            }
            long t0 = System.nanoTime();
            Tensor y = model.predict(x);
            metrics.batch(name, n, (System.nanoTime() - t0) / 1e9);
            int outPer = y.size() / n;
            Shape outSample = y.shape().dropFirst();
            int off = 0;
            for (Job j : live) {
                int k = j.input.dim(0);
                float[] d = new float[k * outPer];
                System.arraycopy(y.data(), off * outPer, d, 0, d.length);
                off += k;
                j.result.complete(Tensor.wrap(d, outSample.prepend(k)));
            }
        } catch (Throwable e) {
            // whatever one batch throws is its requests' answer (500); the worker lives on for the next batch
            for (Job j : live) {
                j.result.completeExceptionally(e);
            }
        }
    }

    /** Refuses new requests, lets the worker finish the queued ones, and waits for it (at most {@code millis}). */
    @Override
    public void close() {
        close(30_000);
    }

    public void close(long millis) {
        accepting = false;
        try {
            worker.join(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (worker.isAlive()) {
            worker.interrupt();
        }
    }
}

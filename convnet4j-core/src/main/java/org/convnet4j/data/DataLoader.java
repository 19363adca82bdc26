package org.convnet4j.data;

import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;

import java.lang.ref.Cleaner;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Random;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Cuts a dataset into mini-batches, prepared ahead on one background thread.
 *
 * <p><b>Reproducible:</b> the sample order of epoch e is a permutation drawn from {@code new Random(seed + e)}
 * (or the dataset order without shuffling), and the augmentation random source of each sample is derived from
 * (seed, epoch, sample index). So the same seed and epoch give the same batches on every run, whatever the
 * timing, and a resumed run can continue at epoch e with {@link #iterator(int)}.
 *
 * <p><b>Threads:</b> each iterator starts one daemon thread that fills a queue of at most 2 batches. It ends when
 * the epoch is done, when the iterator is {@link BatchIterator#close() closed} (use try-with-resources when you
 * may stop early), or, for an abandoned iterator (e.g. a {@code break} out of a for-each loop), once the garbage
 * collector finds the iterator unreachable. An exception while preparing a batch is rethrown to the consumer by
 * {@code hasNext()/next()} as a {@link DataLoadingException} with the original as cause.
 */
public final class DataLoader implements Iterable<Batch> {
    private static final Cleaner CLEANER = Cleaner.create();
    private static final AtomicInteger THREAD_COUNTER = new AtomicInteger();
    static final String THREAD_NAME_PREFIX = "convnet4j-data-loader-";

    private final Dataset dataset;
    private final int batchSize;
    private final boolean shuffle;
    private final long seed;
    private final boolean dropLast;
    private final boolean augment;
    private volatile int epoch;

    private DataLoader(Builder b) {
        this.dataset = b.dataset;
        this.batchSize = b.batchSize;
        this.shuffle = b.shuffle;
        this.seed = b.seed;
        this.dropLast = b.dropLast;
        this.augment = b.augment;
    }

    public static Builder builder(Dataset dataset) {
        return new Builder(dataset);
    }

    /** Options; defaults: batch size 32, no shuffle, seed 0, keep the last partial batch, augment. */
    public static final class Builder {
        private final Dataset dataset;
        private int batchSize = 32;
        private boolean shuffle;
        private long seed;
        private boolean dropLast;
        private boolean augment = true;

        private Builder(Dataset dataset) {
            this.dataset = dataset;
        }

        public Builder batchSize(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("DataLoader: batch size " + n + " must be at least 1");
            }
            this.batchSize = n;
            return this;
        }

        public Builder shuffle(boolean on) {
            this.shuffle = on;
            return this;
        }

        public Builder seed(long s) {
            this.seed = s;
            return this;
        }

        /** Leave out the last batch if it would be smaller than the batch size. */
        public Builder dropLast(boolean on) {
            this.dropLast = on;
            return this;
        }

        /**
         * Whether samples get a random source for augmentation (true, default: training) or none, so random
         * transforms act deterministically (false: validation and test).
         */
        public Builder augment(boolean on) {
            this.augment = on;
            return this;
        }

        public DataLoader build() {
            return new DataLoader(this);
        }
    }

    public Dataset dataset() {
        return dataset;
    }

    public int batchSize() {
        return batchSize;
    }

    /** Number of batches per epoch. */
    public int numBatches() {
        int n = dataset.size();
        return dropLast ? n / batchSize : (n + batchSize - 1) / batchSize;
    }

    /** Number of samples one epoch yields: the whole dataset, or without the last short batch with {@code dropLast}. */
    public int samplesPerEpoch() {
        int n = dataset.size();
        return dropLast ? n / batchSize * batchSize : n;
    }

    /** The epoch that {@link #iterator()} will produce. */
    public void setEpoch(int epoch) {
        this.epoch = epoch;
    }

    public int epoch() {
        return epoch;
    }

    /** The batches of the epoch set by {@link #setEpoch}. */
    @Override
    public BatchIterator iterator() {
        return iterator(epoch);
    }

    /** The batches of epoch {@code epoch}. */
    public BatchIterator iterator(int epoch) {
        return new BatchIterator(new Producer(this, epoch));
    }

    /** Order in which epoch {@code epoch} visits the dataset's samples. */
    public int[] order(int epoch) {
        int n = dataset.size();
        if (shuffle) {
            return Datasets.permutation(n, new Random(seed + epoch));
        }
        int[] o = new int[n];
        for (int i = 0; i < n; i++) {
            o[i] = i;
        }
        return o;
    }

    /** Batch {@code b} of an epoch, built on the calling thread (the background thread does exactly this). */
    Batch buildBatch(int[] order, int epoch, int b) {
        int from = b * batchSize;
        int count = Math.min(batchSize, order.length - from);
        List<Shape> shapes = dataset.inputShapes();
        List<Tensor> xs = new ArrayList<>(shapes.size());
        for (Shape s : shapes) {
            xs.add(Tensor.zeros(s.prepend(count)));
        }
        int[] labels = new int[count];
        for (int i = 0; i < count; i++) {
            int idx = order[from + i];
            long sampleSeed = sampleSeed(seed, epoch, idx);
            for (int k = 0; k < shapes.size(); k++) {
                // every input of a sample draws from the same stream start, so a single input sees the
                // stream it always saw and multi-input augmentation can stay consistent across inputs
                Random r = augment ? new Random(sampleSeed) : null;
                int per = shapes.get(k).size();
                dataset.copyInput(k, idx, xs.get(k).data(), i * per, r);
            }
            labels[i] = dataset.label(idx);
        }
        return new Batch(xs, labels);
    }

    /** A well-mixed seed per (seed, epoch, sample), so neighbouring samples get unrelated random streams. */
    static long sampleSeed(long seed, int epoch, int index) {
        long z = seed * 0x9E3779B97F4A7C15L + ((long) epoch << 32) + index;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Thrown by the iterator when preparing a batch failed; the cause is the original exception. */
    public static final class DataLoadingException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        DataLoadingException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private static final Object END = new Object();

    private record Failure(Throwable error) {
    }

    /**
     * The background work. It must not refer to its {@link BatchIterator}, or the iterator could never become
     * unreachable and the cleaner would never stop an abandoned thread.
     */
    private static final class Producer implements Runnable {
        final DataLoader loader;
        final int epoch;
        final BlockingQueue<Object> queue = new ArrayBlockingQueue<>(2);
        final Thread thread;
        volatile boolean stopped;

        Producer(DataLoader loader, int epoch) {
            this.loader = loader;
            this.epoch = epoch;
            this.thread = new Thread(this, THREAD_NAME_PREFIX + THREAD_COUNTER.incrementAndGet());
            thread.setDaemon(true);
        }

        @Override
        public void run() {
            try {
                int[] order = loader.order(epoch);
                int n = loader.numBatches();
                for (int b = 0; b < n && !stopped; b++) {
                    queue.put(loader.buildBatch(order, epoch, b));
                }
                queue.put(END);
            } catch (InterruptedException e) {
                // stopped by close() or the cleaner: nobody is waiting for more batches
            } catch (Throwable t) {
                try {
                    queue.put(new Failure(t));
                } catch (InterruptedException e) {
                    // stopped meanwhile
                }
            }
        }
    }

    /** Stops a producer; held by the cleaner, so it must not refer to the iterator either. */
    private static final class Stopper implements Runnable {
        private final Producer producer;

        Stopper(Producer producer) {
            this.producer = producer;
        }

        @Override
        public void run() {
            producer.stopped = true;
            producer.thread.interrupt();
            producer.queue.clear(); // let go of prepared batches
        }
    }

    /** The batches of one epoch; close it to stop the background thread early. */
    public static final class BatchIterator implements Iterator<Batch>, AutoCloseable {
        private final Producer producer;
        private final Cleaner.Cleanable cleanable;
        private Object pending;
        private boolean finished;

        private BatchIterator(Producer producer) {
            this.producer = producer;
            this.cleanable = CLEANER.register(this, new Stopper(producer));
            producer.thread.start();
        }

        @Override
        public boolean hasNext() {
            if (finished) {
                return false;
            }
            if (pending == null) {
                try {
                    pending = producer.queue.take();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    close();
                    throw new DataLoadingException("interrupted while waiting for the next batch", e);
                }
            }
            if (pending == END) {
                finished = true;
                pending = null;
                cleanable.clean();
                return false;
            }
            if (pending instanceof Failure) {
                Throwable t = ((Failure) pending).error();
                pending = null;
                close();
                throw new DataLoadingException("preparing a batch failed: " + t, t);
            }
            return true;
        }

        @Override
        public Batch next() {
            if (!hasNext()) {
                throw new NoSuchElementException("no more batches in this epoch");
            }
            Batch b = (Batch) pending;
            pending = null;
            return b;
        }

        /** Stops the background thread and waits (up to 10 s) for it to end. Idempotent. */
        @Override
        public void close() {
            finished = true;
            pending = null;
            cleanable.clean();
            try {
                producer.thread.join(TimeUnit.SECONDS.toMillis(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        /** The background thread (for tests). */
        Thread thread() {
            return producer.thread;
        }
    }
}

package org.convnet4j.data;

import org.convnet4j.tensor.Shape;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DataLoaderTest {
    /** Sample ids (first value of each sample) batch by batch. */
    private static List<int[]> ids(Iterable<Batch> batches) {
        List<int[]> out = new ArrayList<>();
        for (Batch b : batches) {
            int per = b.x().shape().sizeFrom(1);
            int[] ids = new int[b.size()];
            for (int i = 0; i < b.size(); i++) {
                ids[i] = (int) b.x().data()[i * per];
                assertEquals(ids[i] % 3, b.labels()[i], "label belongs to its sample");
                assertEquals(-ids[i], b.x().data()[i * per + 1], "whole sample copied");
            }
            out.add(ids);
        }
        return out;
    }

    @Test
    void everySampleOnceAndBatchShapes() {
        DataLoader loader = DataLoader.builder(DatasetsTest.numbered(103)).batchSize(10).shuffle(true).seed(1).build();
        assertEquals(11, loader.numBatches());
        List<int[]> batches = ids(loader);
        assertEquals(11, batches.size());
        assertEquals(3, batches.get(10).length);
        int[] all = batches.stream().flatMapToInt(Arrays::stream).sorted().toArray();
        for (int i = 0; i < 103; i++) {
            assertEquals(i, all[i]);
        }
        Batch first = loader.iterator().next();
        assertEquals(Shape.of(10, 1, 1, 2), first.x().shape());
    }

    @Test
    void dropLastAndNoShuffle() {
        DataLoader loader = DataLoader.builder(DatasetsTest.numbered(25)).batchSize(10).dropLast(true).build();
        assertEquals(2, loader.numBatches());
        List<int[]> b = ids(loader);
        assertEquals(2, b.size());
        assertArrayEquals(new int[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, b.get(0));
        assertArrayEquals(new int[] {10, 11, 12, 13, 14, 15, 16, 17, 18, 19}, b.get(1));
    }

    /** A dataset that yields at random moments, so producer and consumer interleave differently each run. */
    private static Dataset jittery(Dataset base) {
        return new Dataset() {
            public int size() {
                return base.size();
            }

            public Shape sampleShape() {
                return base.sampleShape();
            }

            public int numClasses() {
                return base.numClasses();
            }

            public List<String> classNames() {
                return base.classNames();
            }

            public void copySample(int index, float[] dest, int off) {
                if (Math.random() < 0.3) {
                    Thread.yield();
                }
                base.copySample(index, dest, off);
            }

            public int label(int index) {
                return base.label(index);
            }
        };
    }

    @Test
    void sameSeedSameBatchesWhateverTheTimingAndEpochsDiffer() {
        Dataset ds = DatasetsTest.numbered(60);
        DataLoader a = DataLoader.builder(ds).batchSize(7).shuffle(true).seed(123).build();
        DataLoader b = DataLoader.builder(jittery(ds)).batchSize(7).shuffle(true).seed(123).build();
        for (int epoch = 0; epoch < 3; epoch++) {
            a.setEpoch(epoch);
            List<int[]> x = ids(a);
            int ep = epoch;
            List<int[]> y = ids(() -> b.iterator(ep));
            assertEquals(x.size(), y.size());
            for (int i = 0; i < x.size(); i++) {
                assertArrayEquals(x.get(i), y.get(i), "epoch " + epoch + " batch " + i);
            }
        }
        a.setEpoch(0);
        List<int[]> e0 = ids(a);
        a.setEpoch(1);
        List<int[]> e1 = ids(a);
        assertFalse(Arrays.equals(e0.get(0), e1.get(0)), "epochs are shuffled differently");
        // the order is seed + epoch: epoch 1 with seed 123 is epoch 0 with seed 124
        DataLoader c = DataLoader.builder(ds).batchSize(7).shuffle(true).seed(124).build();
        assertArrayEquals(e1.get(0), ids(() -> c.iterator(0)).get(0));
    }

    @Test
    void augmentationRandomDependsOnSeedEpochAndSampleOnly() {
        // a dataset whose sample value is the first draw of the random source it is given
        Dataset draws = new Dataset() {
            public int size() {
                return 20;
            }

            public Shape sampleShape() {
                return Shape.of(1);
            }

            public int numClasses() {
                return 1;
            }

            public List<String> classNames() {
                return List.of("only");
            }

            public void copySample(int index, float[] dest, int off) {
                dest[off] = -1;
            }

            @Override
            public void copySample(int index, float[] dest, int off, Random random) {
                dest[off] = random == null ? -1 : random.nextInt(1_000_000);
            }

            public int label(int index) {
                return 0;
            }
        };
        float[] small = collect(DataLoader.builder(draws).batchSize(3).shuffle(true).seed(5).build(), 2);
        float[] large = collect(DataLoader.builder(draws).batchSize(8).shuffle(true).seed(5).build(), 2);
        assertArrayEquals(small, large, "the batch size must not change a sample's augmentation");
        assertFalse(Arrays.equals(small, collect(DataLoader.builder(draws).batchSize(3).shuffle(true).seed(5).build(), 3)));
        float[] off = collect(DataLoader.builder(draws).batchSize(3).augment(false).build(), 2);
        for (float v : off) {
            assertEquals(-1f, v);
        }
    }

    /** Sample values of an epoch, indexed by dataset position (the loader's order is undone). */
    private static float[] collect(DataLoader loader, int epoch) {
        int[] order = loader.order(epoch);
        float[] out = new float[order.length];
        int k = 0;
        try (DataLoader.BatchIterator it = loader.iterator(epoch)) {
            while (it.hasNext()) {
                Batch b = it.next();
                for (int i = 0; i < b.size(); i++) {
                    out[order[k++]] = b.x().data()[i];
                }
            }
        }
        return out;
    }

    @Test
    void exceptionsReachTheConsumer() {
        Dataset base = DatasetsTest.numbered(30);
        Dataset failing = new Dataset() {
            public int size() {
                return base.size();
            }

            public Shape sampleShape() {
                return base.sampleShape();
            }

            public int numClasses() {
                return base.numClasses();
            }

            public List<String> classNames() {
                return base.classNames();
            }

            public void copySample(int index, float[] dest, int off) {
                if (index == 17) {
                    throw new IllegalStateException("sample 17 is broken");
                }
                base.copySample(index, dest, off);
            }

            public int label(int index) {
                return base.label(index);
            }
        };
        DataLoader loader = DataLoader.builder(failing).batchSize(5).build();
        DataLoader.BatchIterator it = loader.iterator();
        for (int i = 0; i < 3; i++) {
            assertTrue(it.hasNext());
            it.next();
        }
        DataLoader.DataLoadingException e = assertThrows(DataLoader.DataLoadingException.class, it::hasNext);
        assertInstanceOf(IllegalStateException.class, e.getCause());
        assertTrue(e.getMessage().contains("sample 17 is broken"));
        assertFalse(it.hasNext());
        assertFalse(it.thread().isAlive());
    }

    @Test
    void closingEarlyStopsTheThread() throws InterruptedException {
        DataLoader loader = DataLoader.builder(DatasetsTest.numbered(1000)).batchSize(2).build();
        DataLoader.BatchIterator it = loader.iterator();
        it.next();
        Thread t = it.thread();
        assertTrue(t.isDaemon());
        it.close();
        assertFalse(t.isAlive(), "close() waits for the thread to end");
        assertFalse(it.hasNext());
        it.close(); // idempotent
        // and a finished epoch leaves no thread either
        DataLoader.BatchIterator full = loader.iterator();
        full.forEachRemaining(b -> { });
        full.thread().join();
        assertFalse(full.thread().isAlive());
    }

    @Test
    void abandonedIteratorIsStoppedOnceCollected() throws InterruptedException {
        DataLoader loader = DataLoader.builder(DatasetsTest.numbered(1000)).batchSize(2).build();
        Thread t = breakOutEarly(loader);
        // The producer is parked on a full queue; only the cleaner can release it.
        for (int i = 0; i < 200 && t.isAlive(); i++) {
            System.gc();
            t.join(50);
        }
        assertFalse(t.isAlive(), "thread of an abandoned iterator must end after garbage collection");
    }

    /** Iterates a little in a for-each loop, breaks out, and returns the thread (not the iterator). */
    private static Thread breakOutEarly(DataLoader loader) {
        Thread[] seen = new Thread[1];
        for (Batch b : loader) {
            assertSame(Batch.class, b.getClass());
            seen[0] = Thread.getAllStackTraces().keySet().stream()
                    .filter(th -> th.getName().startsWith(DataLoader.THREAD_NAME_PREFIX) && th.isAlive())
                    .reduce((x, y) -> x.getId() > y.getId() ? x : y).orElseThrow();
            break;
        }
        return seen[0];
    }
}

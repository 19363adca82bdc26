package org.convnet4j.serve;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.convnet4j.nn.Model;
import org.convnet4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** The worker's waits: woken as soon as a batch is full, otherwise at the end of the maximum wait. */
class BatcherTest {
    private final Model model = TestModels.lenet(7).model();

    @Test
    void aBatchThatFillsIsRunAtOnceNotAtTheEndOfTheWait() throws Exception {
        ServeMetrics metrics = new ServeMetrics();
        // a wait far longer than the test's bound: only the "batch is full" wake-up can answer in time
        try (Batcher b = new Batcher("m", model, 4, TimeUnit.SECONDS.toMicros(20), 16, metrics)) {
            Random r = new Random(1);
            List<Tensor> inputs = new ArrayList<>();
            List<CompletableFuture<Tensor>> answers = new ArrayList<>();
            long t0 = System.nanoTime();
            Tensor first = TestModels.randomInput(r, 1);
            inputs.add(first);
            answers.add(b.submit(first));
            Thread.sleep(200); // the worker has taken the first request and waits for more
            for (int n : new int[] {2, 1}) { // 1 + 2 + 1 = 4 samples: full
                Tensor x = TestModels.randomInput(r, n);
                inputs.add(x);
                answers.add(b.submit(x));
            }
            for (int i = 0; i < answers.size(); i++) {
                Tensor y = answers.get(i).get(15, TimeUnit.SECONDS);
                assertArrayEquals(model.predict(inputs.get(i)).data(), y.data(), 1e-5f);
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            assertTrue(seconds < 15, "a full batch waited " + seconds + " s for its 20-s deadline");
            assertEquals(1, metrics.render().lines()
                    .filter(l -> l.equals("convnet4j_batch_size_count{model=\"m\"} 1")).count(), metrics.render());
        }
    }

    @Test
    void aBatchThatDoesNotFillWaitsForItsDeadlineAndARequestTooLargeStartsTheNext() throws Exception {
        ServeMetrics metrics = new ServeMetrics();
        try (Batcher b = new Batcher("m", model, 4, 300_000, 16, metrics)) {
            Random r = new Random(2);
            long t0 = System.nanoTime();
            CompletableFuture<Tensor> one = b.submit(TestModels.randomInput(r, 1));
            one.get(15, TimeUnit.SECONDS);
            double seconds = (System.nanoTime() - t0) / 1e9;
            assertTrue(seconds >= 0.25, "a lone request was answered after " + seconds + " s, before the 0.3-s wait");
            // 3 + 3 > 4: the second is never split and goes into the next forward pass
            CompletableFuture<Tensor> a = b.submit(TestModels.randomInput(r, 3));
            CompletableFuture<Tensor> c = b.submit(TestModels.randomInput(r, 3));
            assertEquals(3, a.get(15, TimeUnit.SECONDS).dim(0));
            assertEquals(3, c.get(15, TimeUnit.SECONDS).dim(0));
            assertTrue(metrics.render().contains("convnet4j_batch_size_count{model=\"m\"} 3"), metrics.render());
        }
    }

    @Test
    void anIdleSmallModelRunsOnTheCallersThreadAndAnswersAlike() throws Exception {
        ServeMetrics metrics = new ServeMetrics();
        try (Batcher b = new Batcher("m", model, 8, 2_000, 16, metrics).callerRuns(10_000_000)) {
            Random r = new Random(3);
            Tensor x0 = TestModels.randomInput(r, 1);
            // the model's speed is unknown until the worker has run it once
            assertArrayEquals(model.predict(x0).data(), b.submit(x0).get(15, TimeUnit.SECONDS).data(), 1e-5f);
            for (int i = 0; i < 5; i++) {
                Tensor x = TestModels.randomInput(r, 1 + i % 2);
                awaitIdle(b); // a fixed sleep is not enough on a loaded machine: the worker may not have run yet
                CompletableFuture<Tensor> f = b.submit(x);
                assertTrue(f.isDone(), "an idle small model answers on the calling thread, before submit returns");
                assertArrayEquals(model.predict(x).data(), f.get().data(), 1e-5f);
            }
        }
    }

    private static void awaitIdle(Batcher b) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (!b.idle()) {
            assertTrue(System.nanoTime() < deadline, "the batcher's worker did not become idle within 15 s");
            Thread.sleep(1);
        }
    }
}

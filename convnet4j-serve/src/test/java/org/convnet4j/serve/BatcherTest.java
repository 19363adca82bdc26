package org.convnet4j.serve;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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

    /**
     * A request that fills a batch runs on the thread that submits it when that thread may: answered before submit
     * returns, as predict answers it. One that does not fill a batch, or whose thread may not run it, goes to the
     * worker, as every request does without the switch. It does not wait for the worker: with the only worker's pass
     * held at a gate, a full request still runs on its own thread (it reaches the gate too); a second one while
     * that runs is queued (at most as many passes on callers as workers) and the worker answers it once the gate
     * opens. With the old rule (run only while nothing is queued and a worker's pass is free) the gate is never
     * reached the second time.
     */
    @Test
    void aRequestThatFillsABatchRunsOnItsThreadBesideTheWorkers() throws Exception {
        TestModels.Gate gate = TestModels.gated(8);
        Model g = gate.saved.model();
        Random r = new Random(8);
        Tensor full = TestModels.randomInput(r, 4);
        Tensor three = TestModels.randomInput(r, 3);
        float[] fullOut = g.predict(full).data();
        float[] threeOut = g.predict(three).data();
        try (Batcher off = new Batcher("m", g, 4, 2_000, 16, new ServeMetrics(), 1, 1, 1).callerRuns(10_000_000)) {
            for (int i = 0; i < 2; i++) { // the first pass measures the model's speed
                assertArrayEquals(fullOut, off.submit(full, false, true, Long.MAX_VALUE).get(15, TimeUnit.SECONDS).data());
                awaitIdle(off);
            }
            assertEquals(0, off.fullBatchesRunOnCaller(), "without the switch every request goes to the worker");
        }
        java.util.concurrent.ExecutorService caller = java.util.concurrent.Executors.newSingleThreadExecutor();
        try (Batcher b = new Batcher("m", g, 4, 2_000, 16, new ServeMetrics(), 1, 1, 1).callerRuns(10_000_000)
                .fullBatchesOnCaller(true)) {
            b.warmedUp().get(15, TimeUnit.SECONDS); // the warm-up measured the model's speed
            awaitIdle(b);
            CompletableFuture<Tensor> f = b.submit(full, false, true, Long.MAX_VALUE);
            assertTrue(f.isDone(), "a full batch runs on the submitting thread, before submit returns");
            assertArrayEquals(fullOut, f.get().data());
            assertEquals(1, b.fullBatchesRunOnCaller());
            awaitIdle(b);
            assertArrayEquals(threeOut, b.submit(three, false, true, Long.MAX_VALUE).get(15, TimeUnit.SECONDS).data());
            awaitIdle(b);
            assertArrayEquals(fullOut, b.submit(full, false, false, Long.MAX_VALUE).get(15, TimeUnit.SECONDS).data());
            assertEquals(1, b.fullBatchesRunOnCaller(), "not full, or not allowed on this thread: the worker's");
            awaitIdle(b);
            gate.hold();
            int entered = gate.entered.get();
            CompletableFuture<Tensor> held = b.submit(three, false, true, Long.MAX_VALUE);
            gate.awaitEntered(entered + 1); // the worker's pass waits at the gate
            java.util.concurrent.Future<CompletableFuture<Tensor>> beside =
                    caller.submit(() -> b.submit(full, false, true, Long.MAX_VALUE));
            gate.awaitEntered(entered + 2); // the caller's pass, beside the worker's
            CompletableFuture<Tensor> queued = b.submit(full, false, true, Long.MAX_VALUE);
            assertFalse(queued.isDone(), "a second pass ran on a caller while one caller's pass was running");
            gate.open();
            assertArrayEquals(threeOut, held.get(15, TimeUnit.SECONDS).data());
            assertArrayEquals(fullOut, beside.get(15, TimeUnit.SECONDS).get(15, TimeUnit.SECONDS).data());
            assertArrayEquals(fullOut, queued.get(15, TimeUnit.SECONDS).data());
            assertEquals(2, b.fullBatchesRunOnCaller());
            assertEquals(2, b.mostRunningAtOnce());
        } finally {
            caller.shutdownNow();
        }
    }

    /**
     * Two workers run two forward passes at the same moment: each pass waits (at a gate after the model's last
     * layer) until the other is inside too. With one worker the second pass could only start after the first left,
     * so the gate would time out and the test fail.
     */
    @Test
    void twoWorkersRunTwoForwardPassesAtOnceAndAnswerAlike() throws Exception {
        java.util.concurrent.CountDownLatch bothInside = new java.util.concurrent.CountDownLatch(2);
        java.util.concurrent.atomic.AtomicBoolean gateTimedOut = new java.util.concurrent.atomic.AtomicBoolean();
        Model gated = gated(bothInside, gateTimedOut);
        Random r = new Random(4);
        Tensor x1 = TestModels.randomInput(r, 1);
        Tensor x2 = TestModels.randomInput(r, 1);
        Tensor y1 = model.predict(x1);
        Tensor y2 = model.predict(x2);
        // max batch 1: each request is a forward pass of its own
        try (Batcher b = new Batcher("m", gated, 1, 0, 16, new ServeMetrics(), 0, 2, 1)) {
            assertEquals(2, b.workers());
            CompletableFuture<Tensor> a1 = b.submit(x1);
            CompletableFuture<Tensor> a2 = b.submit(x2);
            assertArrayEquals(y1.data(), a1.get(60, TimeUnit.SECONDS).data());
            assertArrayEquals(y2.data(), a2.get(60, TimeUnit.SECONDS).data());
            assertFalse(gateTimedOut.get(), "one forward pass waited 30 s for the other to start");
            assertEquals(2, b.mostRunningAtOnce());
        }
    }

    /**
     * A request submitted while a worker answers its batch, on that worker (on the server: the next request of a
     * connection resumed on the worker when its answer is written) or on another thread (the selector's), wakes no
     * other worker: the answering worker takes it once its answers are out, and it is answered as {@code predict}
     * answers it (rounds alternate between the two). The answer callback is registered right
     * after the submit; when the answer was already there (the callback then runs on this thread) the round is
     * repeated, so that the rounds counted are those whose callback ran on the worker. Without the rule, the idle
     * second worker is woken in each of them (a wake-up counted) and mostly finds the queue already taken.
     */
    @Test
    void aRequestSubmittedWhileAWorkerAnswersWakesNoOtherWorker() throws Exception {
        Random r = new Random(6);
        try (Batcher b = new Batcher("m", model, 1, 0, 16, new ServeMetrics(), 0, 2, 1)) {
            int onWorker = 0;
            for (int round = 0; round < 200 && onWorker < 6; round++) {
                Tensor x1 = TestModels.randomInput(r, 1);
                Tensor x2 = TestModels.randomInput(r, 1);
                awaitIdle(b);
                CompletableFuture<Tensor> first = b.submit(x1, false);
                CompletableFuture<CompletableFuture<Tensor>> second = new CompletableFuture<>();
                long[] wakeupsAround = new long[2];
                String[] answeredOn = new String[1];
                boolean fromOtherThread = round % 2 == 1;
                first.whenComplete((y, e) -> {
                    answeredOn[0] = Thread.currentThread().getName();
                    wakeupsAround[0] = b.wakeups();
                    if (fromOtherThread) {
                        // as the selector thread does with a request that arrives while the worker answers
                        Thread t = new Thread(() -> second.complete(b.submit(x2, false)));
                        t.start();
                        try {
                            t.join();
                        } catch (InterruptedException ie) {
                            Thread.currentThread().interrupt();
                        }
                    } else {
                        second.complete(b.submit(x2, false));
                    }
                    wakeupsAround[1] = b.wakeups();
                });
                assertArrayEquals(model.predict(x1).data(), first.get(60, TimeUnit.SECONDS).data());
                Tensor y2 = second.get(60, TimeUnit.SECONDS).get(60, TimeUnit.SECONDS);
                assertArrayEquals(model.predict(x2).data(), y2.data());
                if (answeredOn[0].startsWith("convnet4j-batcher-m")) {
                    onWorker++;
                    assertEquals(wakeupsAround[0], wakeupsAround[1], "a submit " + (fromOtherThread
                            ? "from another thread" : "on the worker") + " while the worker answered woke another worker");
                }
            }
            assertEquals(6, onWorker, "in 200 rounds the answer callback ran on the worker fewer than 6 times");
            // control: with both workers idle, a submit wakes one
            awaitIdle(b);
            long w0 = b.wakeups();
            Tensor x = TestModels.randomInput(r, 1);
            assertArrayEquals(model.predict(x).data(), b.submit(x, false).get(60, TimeUnit.SECONDS).data());
            assertEquals(w0 + 1, b.wakeups(), "control: a submit to idle workers woke none");
        }
    }

    /**
     * One kernel thread per worker: a batch of 32 LeNet-5 samples, whose convolutions the kernels split over the
     * shared threads when asked for more, runs with no hand-off to them and gives the same bits as the uncapped
     * model on this thread. The control (threads per worker 0) shows the same batch does hand work off.
     */
    @Test
    void aSingleThreadedWorkerHandsNoWorkToTheKernelThreadsAndAnswersTheSameBits() throws Exception {
        Tensor x = TestModels.randomInput(new Random(5), 32);
        Tensor expected = model.predict(x);
        try (Batcher b = new Batcher("m", model, 32, 0, 16, new ServeMetrics(), 0, 1, 0)) {
            long h0 = org.convnet4j.tensor.kernels.KernelProvider.handOffs();
            b.submit(x).get(60, TimeUnit.SECONDS);
            assertTrue(org.convnet4j.tensor.kernels.KernelProvider.handOffs() > h0,
                    "control: the uncapped worker handed no work off, so the test below proves nothing");
        }
        for (int workers : new int[] {1, 2}) {
            try (Batcher b = new Batcher("m", model, 32, 0, 16, new ServeMetrics(), 1, workers, 1)) {
                b.warmedUp().get(60, TimeUnit.SECONDS);
                long h0 = org.convnet4j.tensor.kernels.KernelProvider.handOffs();
                for (int i = 0; i < 3; i++) {
                    assertArrayEquals(expected.data(), b.submit(x).get(60, TimeUnit.SECONDS).data());
                }
                assertEquals(h0, org.convnet4j.tensor.kernels.KernelProvider.handOffs(),
                        workers + " single-threaded worker(s) handed kernel work off (warm-up included)");
            }
        }
    }

    /**
     * Workers 0 (auto) chooses from the model's multiply-accumulates per full batch, exactly at the threshold: one
     * single-threaded worker per kernel thread up to it, past it as many workers whose kernel threads follow the
     * load (one worker with every kernel thread on a one-thread machine).
     */
    @Test
    void autoWorkersAreChosenFromTheFullBatchsMultiplyAccumulates() {
        long macs = org.convnet4j.nn.ModelSummary.of(model).totalMacs();
        assertTrue(macs > 100_000 && macs < 10_000_000, "LeNet-5's multiply-accumulates per sample: " + macs);
        int largestSmall = (int) (Batcher.AUTO_SMALL_PASS_MACS / macs);
        int threads = org.convnet4j.tensor.kernels.KernelProvider.get().threads();
        try (Batcher small = new Batcher("m", model, largestSmall, 0, 16, new ServeMetrics(), 0, Batcher.AUTO, 0);
             Batcher large = new Batcher("m", model, largestSmall + 1, 0, 16, new ServeMetrics(), 0, Batcher.AUTO, 0);
             Batcher given = new Batcher("m", model, largestSmall, 0, 16, new ServeMetrics(), 0, 3, 2)) {
            assertEquals(threads, small.workers());
            assertEquals(threads > 1 ? 1 : 0, small.threadsPerWorker());
            assertEquals(threads > 1 ? threads : 1, large.workers());
            assertEquals(threads > 1 ? Batcher.FOLLOW_LOAD : 0, large.threadsPerWorker());
            assertEquals(3, given.workers());
            assertEquals(2, given.threadsPerWorker());
        }
    }

    /**
     * A load-following layout drives both regimes: a lone client's requests run one pass at a time on every
     * kernel thread (wide); a burst that leaves a full batch queued when a batch closes turns every worker on,
     * each on one kernel thread (narrow); closes with nothing queued turn it wide again. Every request is
     * answered with its own outputs through the switches; the counters (and the metrics' exposition) say which
     * layout ran each batch, and each pass's own thread cap, read inside the model, agrees with them.
     */
    @Test
    void aLayoutFollowingTheLoadServesALoneClientWideAndAQueueNarrow() throws Exception {
        ServeMetrics metrics = new ServeMetrics();
        java.util.Queue<Integer> caps = new java.util.concurrent.ConcurrentLinkedQueue<>();
        Model probed = capProbed(caps);
        try (Batcher b = new Batcher("m", probed, 4, 1_000, 64, metrics, 0, 2, Batcher.FOLLOW_LOAD)) {
            assertEquals(2, b.workers());
            Random r = new Random(11);
            for (int i = 0; i < 6; i++) { // a lone client: one request at a time
                Tensor x = TestModels.randomInput(r, 1);
                assertArrayEquals(model.predict(x).data(), b.submit(x).get(60, TimeUnit.SECONDS).data());
            }
            assertArrayEquals(new long[] {6, 0, 0}, b.layoutCounts(), "{wide, narrow, switches} for a lone client");
            assertEquals(List.of(0, 0, 0, 0, 0, 0), List.copyOf(caps), "thread caps of the lone client's passes");
            assertEquals(1, b.mostRunningAtOnce(), "two passes at once while wide");
            // a burst of 40 one-sample requests: a batch closes with a full batch (and more) still queued
            List<Tensor> inputs = new ArrayList<>();
            List<CompletableFuture<Tensor>> answers = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                inputs.add(TestModels.randomInput(r, 1));
            }
            for (Tensor x : inputs) {
                answers.add(b.submit(x, false));
            }
            for (int i = 0; i < answers.size(); i++) {
                assertArrayEquals(model.predict(inputs.get(i)).data(), answers.get(i).get(60, TimeUnit.SECONDS).data(),
                        1e-5f, "request " + i + " of the burst");
            }
            long[] burst = b.layoutCounts();
            // (one switch as a rule; a submitting thread descheduled mid-burst on a loaded machine can let the
            // queue run dry and the layout switch back and forth)
            assertTrue(burst[2] >= 1, "no switch in the burst");
            assertTrue(burst[1] >= 5, "narrow batches in the burst: " + burst[1]);
            // lone again: after CALM_CLOSES closes with nothing queued (the burst's last ones count), wide
            awaitIdle(b);
            for (int i = 0; i < 6; i++) {
                Tensor x = TestModels.randomInput(r, 1);
                assertArrayEquals(model.predict(x).data(), b.submit(x).get(60, TimeUnit.SECONDS).data(), 1e-5f);
            }
            long[] after = b.layoutCounts();
            assertFalse(b.narrow(), "still narrow after 6 lone requests");
            assertEquals(6, after[0] - burst[0] + after[1] - burst[1], "batches of the 6 lone requests");
            assertTrue(after[1] - burst[1] < Batcher.CALM_CLOSES, "narrow batches before the switch back: "
                    + (after[1] - burst[1]));
            // each pass ran with the cap its layout says: every kernel thread (0) wide, one thread narrow
            assertEquals(after[0], caps.stream().filter(c -> c == 0).count(), "passes on every kernel thread " + caps);
            assertEquals(after[1], caps.stream().filter(c -> c == 1).count(), "passes on one thread " + caps);
            String exposition = metrics.render();
            assertTrue(exposition.contains("convnet4j_worker_layout_batches_total{model=\"m\",layout=\"wide\"} "
                    + after[0] + "\n"), exposition);
            assertTrue(exposition.contains("convnet4j_worker_layout_batches_total{model=\"m\",layout=\"narrow\"} "
                    + after[1] + "\n"), exposition);
        }
    }

    /**
     * A lone client (one request at a time, sent once the workers are idle again) with two workers: every request
     * is taken by the worker that answered the one before, for both layouts two workers can have (following the
     * load, and one kernel thread each); the other worker is never handed a batch. Counted twice: by the batcher's
     * per-worker counters (and the metrics' exposition) and by the name of the thread each forward pass ran on.
     * With the workers woken oldest waiter first, the requests alternate between the two workers (a handover per
     * request).
     */
    @Test
    void aLoneClientsRequestsStayOnTheWorkerThatAnsweredTheLastOne() throws Exception {
        Random r = new Random(12);
        for (int layout : new int[] {Batcher.FOLLOW_LOAD, 1}) {
            ServeMetrics metrics = new ServeMetrics();
            java.util.Queue<String> ranOn = new java.util.concurrent.ConcurrentLinkedQueue<>();
            Model probed = probed(() -> ranOn.add(Thread.currentThread().getName()));
            try (Batcher b = new Batcher("m", probed, 4, 1_000, 64, metrics, 0, 2, layout)) {
                int n = 12;
                for (int i = 0; i < n; i++) {
                    awaitIdle(b); // the worker that answered waits again, as when the client's next request is on its way
                    Tensor x = TestModels.randomInput(r, 1);
                    assertArrayEquals(model.predict(x).data(), b.submit(x, false).get(60, TimeUnit.SECONDS).data(),
                            1e-5f, "request " + i);
                }
                long[] counts = b.workerCounts();
                String what = "layout " + layout + ": {worker 1, worker 2, handovers} " + java.util.Arrays.toString(counts)
                        + ", passes ran on " + ranOn;
                assertEquals(0, counts[2], what);
                assertEquals(n, Math.max(counts[0], counts[1]), what);
                assertEquals(n, ranOn.size(), what);
                assertEquals(1, new java.util.HashSet<>(ranOn).size(), what);
                String exposition = metrics.render();
                assertTrue(exposition.contains("convnet4j_worker_handovers_total{model=\"m\"} 0\n"), exposition);
                assertTrue(exposition.contains("convnet4j_worker_batches_total{model=\"m\",worker=\"1\"} " + counts[0]
                        + "\n"), exposition);
                assertTrue(exposition.contains("convnet4j_worker_batches_total{model=\"m\",worker=\"2\"} " + counts[1]
                        + "\n"), exposition);
            }
        }
    }

    /** LeNet-5 (the test's model) followed by a layer that records the thread cap each forward pass runs with. */
    private Model capProbed(java.util.Queue<Integer> caps) {
        return probed(() -> {
            int cap = org.convnet4j.tensor.kernels.KernelProvider.limitThreadsOnThisThread(0);
            org.convnet4j.tensor.kernels.KernelProvider.limitThreadsOnThisThread(cap);
            caps.add(cap);
        });
    }

    /** LeNet-5 (the test's model) followed by a layer that runs {@code onPass} in each forward pass. */
    private Model probed(Runnable onPass) {
        org.convnet4j.nn.Sequential m = (org.convnet4j.nn.Sequential) model;
        org.convnet4j.nn.Sequential g = new org.convnet4j.nn.Sequential("probed", m.inputShapes().get(0));
        for (org.convnet4j.nn.Layer l : m.layers()) {
            g.add(l);
        }
        g.add(new org.convnet4j.nn.UnaryLayer() {
            @Override
            protected org.convnet4j.tensor.Shape outputShapeOf(org.convnet4j.tensor.Shape input) {
                return input;
            }

            @Override
            public Tensor forward(Tensor t, boolean training) {
                onPass.run();
                return t;
            }

            @Override
            public Tensor backward(Tensor dy) {
                return dy;
            }
        }.named("probe"));
        return g;
    }

    /**
     * Deadlines without the watcher thread, its sweep called with a chosen clock: nothing expires before the
     * deadline; at it, the request in the (held) forward pass and the one queued behind it fail with a timeout and
     * the queued one leaves the queue, while one with a later deadline stays and is answered as {@code predict}
     * answers it once the model is let go; the held pass's own answer does not replace the timeout. A request
     * whose deadline has passed when a worker takes it is dropped by the worker, never run.
     */
    @Test
    void requestsPastTheirDeadlineFailQueuedOrRunningAndLaterOnesAreAnswered() throws Exception {
        TestModels.Gate gate = TestModels.gated(7);
        Random r = new Random(9);
        Tensor x = TestModels.randomInput(r, 1);
        Tensor y = gate.saved.model().predict(x);
        int before = gate.entered.get();
        try (Batcher b = new Batcher("m", gate.saved.model(), 1, 0, 8, new ServeMetrics(), 0, 1, 1)) {
            long d = System.nanoTime() + TimeUnit.HOURS.toNanos(1);
            gate.hold();
            CompletableFuture<Tensor> running = b.submit(x, false, d);
            gate.awaitEntered(before + 1);
            CompletableFuture<Tensor> queued = b.submit(x, false, d);
            CompletableFuture<Tensor> later = b.submit(x, false, d + 1);
            CompletableFuture<Tensor> none = b.submit(x, false);
            assertEquals(0, b.expire(d - 1));
            assertEquals(3, b.queueDepth());
            assertEquals(2, b.expire(d));
            assertEquals(2, b.queueDepth(), "the expired request left the queue");
            assertEquals(0, b.expire(d), "each request fails once");
            for (CompletableFuture<Tensor> f : List.of(running, queued)) {
                java.util.concurrent.ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(
                        java.util.concurrent.ExecutionException.class, () -> f.get(1, TimeUnit.SECONDS));
                assertTrue(e.getCause() instanceof java.util.concurrent.TimeoutException, e.toString());
            }
            gate.open();
            assertArrayEquals(y.data(), later.get(60, TimeUnit.SECONDS).data());
            assertArrayEquals(y.data(), none.get(60, TimeUnit.SECONDS).data());
            assertTrue(running.isCompletedExceptionally(), "the held pass's late answer replaced the timeout");
            assertEquals(before + 3, gate.entered.get(), "the expired queued request was run");
            awaitIdle(b);
            assertEquals(0, b.watchedRunning());
            // a worker drops what is past its deadline when it takes it
            CompletableFuture<Tensor> past = b.submit(x, false, System.nanoTime() - 1);
            java.util.concurrent.ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(
                    java.util.concurrent.ExecutionException.class, () -> past.get(60, TimeUnit.SECONDS));
            assertTrue(e.getCause() instanceof java.util.concurrent.TimeoutException, e.toString());
            assertEquals(before + 3, gate.entered.get());
            // the worker counts the drop after failing the request (the test may see the failure first)
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (b.expiredCounts()[1] < 1 && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            assertArrayEquals(new long[] {2, 1}, b.expiredCounts());
        } finally {
            gate.open();
        }
    }

    /** LeNet-5 (the test's model) followed by a gate where each forward pass waits until two are inside. */
    private Model gated(java.util.concurrent.CountDownLatch bothInside,
                        java.util.concurrent.atomic.AtomicBoolean timedOut) {
        org.convnet4j.nn.Sequential m = (org.convnet4j.nn.Sequential) model;
        org.convnet4j.nn.Sequential g = new org.convnet4j.nn.Sequential("gated", m.inputShapes().get(0));
        for (org.convnet4j.nn.Layer l : m.layers()) {
            g.add(l);
        }
        g.add(new org.convnet4j.nn.UnaryLayer() {
            @Override
            protected org.convnet4j.tensor.Shape outputShapeOf(org.convnet4j.tensor.Shape input) {
                return input;
            }

            @Override
            public Tensor forward(Tensor t, boolean training) {
                bothInside.countDown();
                try {
                    if (!bothInside.await(30, TimeUnit.SECONDS)) {
                        timedOut.set(true);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return t;
            }

            @Override
            public Tensor backward(Tensor dy) {
                return dy;
            }
        }.named("gate"));
        return g;
    }

    private static void awaitIdle(Batcher b) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (!b.idle()) {
            assertTrue(System.nanoTime() < deadline, "the batcher's worker did not become idle within 15 s");
            Thread.sleep(1);
        }
    }
}

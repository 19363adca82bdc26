package org.convnet4j.serve;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.convnet4j.model.SavedModel;
import org.convnet4j.tensor.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * With {@code fullBatchesOnSelectors}, a connection that keeps its selector busy with full batches does not keep the
 * selector's other connections waiting: one selector (one worker), client A sends {@value #BURST} 8-sample requests
 * back to back without waiting for answers, and client B's one request, sent once A's answers have started coming,
 * is answered within a few of A's. Before the selector went back to select after each answer (ServeEndPoint's "turns
 * on the selector"), Jetty's connection read A's next request as soon as an answer was out, and B was answered only
 * after all of A's.
 */
class SelectorTurnsTest {
    private static final int SAMPLES = 8;
    private static final int BURST = 32;
    /** A's answers B may wait for: the one being computed, one per turn before B's is read, and slack for timing. */
    private static final int BOUND = 6;
    private static SavedModel saved;
    private static int limit;

    @BeforeAll
    static void model() {
        // a model that costs next to nothing (the test is about turns, not passes): Flatten and Dense 784 -> 10
        org.convnet4j.nn.Sequential m = new org.convnet4j.nn.Sequential(org.convnet4j.tensor.Shape.of(1, 28, 28),
                new org.convnet4j.nn.layers.Flatten(), new org.convnet4j.nn.layers.Dense(10));
        m.initialize(13);
        saved = new SavedModel(m, org.convnet4j.model.Preprocessing.forInput(org.convnet4j.tensor.Shape.of(1, 28, 28)),
                "{}");
        limit = FullBatchesOnSelectorsTest.binary(TestModels.randomInput(new Random(0), SAMPLES)).length;
    }

    /** One selector (one worker) for both connections; {@code lean}: on lean connections, else Jetty's. */
    private static ModelServer start(boolean lean) throws java.io.IOException {
        ModelServer.Options o = new ModelServer.Options();
        o.port = 0;
        o.maxBatch = SAMPLES;
        o.timeoutMillis = 60_000;
        o.workers = 1; // so one selector thread reads both connections
        o.threadsPerWorker = 1;
        o.warmupRuns = 1;
        o.callerRunsMicros = 10_000_000; // "small" however cold the JIT is
        o.fullBatchesOnSelectors = true;
        o.leanConnections = lean;
        return ModelServer.start(Map.of("lenet", saved), o);
    }

    private static void send(OutputStream out, Tensor x) throws java.io.IOException {
        FullBatchesOnSelectorsTest.write(out, FullBatchesOnSelectorsTest.binary(x), FullBatchesOnSelectorsTest.fullJson(),
                limit);
    }

    @Test
    void aClientSendingBackToBackDoesNotHoldUpTheOtherConnectionOfItsSelector() throws Exception {
        try (ModelServer server = start(false)) {
            backToBack(server);
        }
    }

    /** Lean connections go back to the selector after each answer by themselves; the same holds there. */
    @Test
    void onLeanConnectionsToo() throws Exception {
        try (ModelServer server = start(true)) {
            backToBack(server);
            assertTrue(server.connector().getConnectionFactory(LeanConnection.Factory.class).answered.sum() > BURST,
                    "not answered on lean connections");
        }
    }

    private static void backToBack(ModelServer server) throws Exception {
        assertEquals(1, server.connector().getSelectorManager().getSelectorCount());
        long fullBefore = server.batcher("lenet").fullBatchesRunOnCaller();
        Tensor x = TestModels.randomInput(new Random(5), SAMPLES);
        float[] expected = saved.model().predict(x).data();
        try (Socket a = new Socket("127.0.0.1", server.port()); Socket b = new Socket("127.0.0.1", server.port())) {
            a.setSoTimeout(60_000);
            b.setSoTimeout(60_000);
            a.setTcpNoDelay(true);
            b.setTcpNoDelay(true);
            InputStream ain = a.getInputStream();
            InputStream bin = b.getInputStream();
            // both connections open and read once by the selector before the burst
            send(a.getOutputStream(), x);
            assertArrayEquals(expected, FullBatchesOnSelectorsTest.outputs(SelectorPathTest.readResponseBytes(ain),
                    expected.length));
            send(b.getOutputStream(), x);
            assertArrayEquals(expected, FullBatchesOnSelectorsTest.outputs(SelectorPathTest.readResponseBytes(bin),
                    expected.length));
            AtomicInteger answeredA = new AtomicInteger();
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                try {
                    for (int i = 0; i < BURST; i++) {
                        send(a.getOutputStream(), x);
                    }
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            CompletableFuture<Void> reader = CompletableFuture.runAsync(() -> {
                try {
                    for (int i = 0; i < BURST; i++) {
                        assertArrayEquals(expected, FullBatchesOnSelectorsTest.outputs(
                                SelectorPathTest.readResponseBytes(ain), expected.length), "A's answer " + i);
                        answeredA.incrementAndGet();
                    }
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (answeredA.get() < 2 && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            int atSend = answeredA.get();
            assertTrue(atSend >= 2 && atSend <= BURST - 2 * BOUND, "A's answers when B sent: " + atSend + " of " + BURST
                    + " (the burst must be under way, with enough of it left to hold B up)");
            send(b.getOutputStream(), x);
            assertArrayEquals(expected, FullBatchesOnSelectorsTest.outputs(SelectorPathTest.readResponseBytes(bin),
                    expected.length));
            int atAnswer = answeredA.get();
            writer.get(60, TimeUnit.SECONDS);
            reader.get(60, TimeUnit.SECONDS);
            assertTrue(atAnswer - atSend <= BOUND, "B waited for " + (atAnswer - atSend) + " of A's answers ("
                    + atSend + " -> " + atAnswer + " of " + BURST + "); at most " + BOUND + " expected");
        }
        assertTrue(server.batcher("lenet").fullBatchesRunOnCaller() - fullBefore >= BURST,
                "A's burst was not computed on the selector");
    }
}

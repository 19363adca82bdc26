package org.convnet4j.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.convnet4j.model.SavedModel;
import org.convnet4j.nn.Sequential;
import org.convnet4j.nn.UnaryLayer;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * The warm-up before readiness (Triton's model_warmup): the model's forward passes are counted by a layer that lets
 * them through one at a time, so readiness can be asked after each one.
 */
class WarmupReadinessTest {

    /** Passes its input on; records each forward pass's batch size and waits for a permit before it. */
    static final class Gate extends UnaryLayer {
        final Semaphore permits = new Semaphore(0);
        final List<Integer> batches = Collections.synchronizedList(new ArrayList<>());

        @Override
        protected Shape outputShapeOf(Shape input) {
            return input;
        }

        @Override
        public Tensor forward(Tensor x, boolean training) {
            permits.acquireUninterruptibly();
            batches.add(x.dim(0));
            return Tensor.wrap(x.data().clone(), x.shape());
        }

        @Override
        public Tensor backward(Tensor dy) {
            throw new UnsupportedOperationException("inference only");
        }
    }

    private static ModelServer.Options options(int maxBatch, int warmupRuns) {
        ModelServer.Options o = new ModelServer.Options();
        o.port = 0;
        o.maxBatch = maxBatch;
        o.maxWaitMicros = 0;
        o.warmupRuns = warmupRuns;
        o.callerRunsMicros = 0;
        return o;
    }

    private static boolean passes(Gate g, int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (g.batches.size() < n) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(2);
        }
        return true;
    }

    /**
     * With 3 runs at batches up to 4, readiness (server and model) answers 503 after each of the first 11 warm-up
     * passes and 200 only after the 12th; the passes come at batch sizes 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4; liveness
     * answers throughout; an inference request sent during the warm-up waits and is answered after it, from its own
     * forward pass.
     */
    @Test
    void readyOnlyAfterEveryWarmupPassRan() throws Exception {
        Gate gate = new Gate();
        SavedModel saved = new SavedModel(new Sequential(Shape.of(1, 4, 4), gate), null, "{}");
        try (ModelServer server = ModelServer.start(Map.of("g", saved), options(4, 3))) {
            assertEquals(200, ModelServerTest.get(server, "/v2/health/live").statusCode());
            Tensor mine = Tensor.uniform(new Random(2), 0, 1, 1, 1, 4, 4);
            CompletableFuture<HttpResponse<String>> early = CompletableFuture.supplyAsync(() -> {
                try {
                    return ModelServerTest.post(server, "/v2/models/g/infer", ModelServerTest.inferBody(mine).getBytes());
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            assertEquals(new ModelServer.WarmUp(0, 12), server.warmUp("g"));
            for (int pass = 1; pass <= 12; pass++) {
                HttpResponse<String> ready = ModelServerTest.get(server, "/v2/health/ready");
                assertEquals(503, ready.statusCode(), "before warm-up pass " + pass + ": " + ready.body());
                assertEquals(503, ModelServerTest.get(server, "/v2/models/g/ready").statusCode());
                assertFalse(server.ready());
                assertTrue(ModelServerTest.get(server, "/metrics").body()
                        .contains("convnet4j_model_warmed_up{model=\"g\"} 0\n"));
                gate.permits.release();
                assertTrue(passes(gate, pass), "warm-up pass " + pass + " ran");
            }
            server.warmedUp().get(30, TimeUnit.SECONDS);
            assertEquals(List.of(1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4), gate.batches.subList(0, 12));
            assertEquals(new ModelServer.WarmUp(12, 12), server.warmUp("g"));
            assertEquals(200, ModelServerTest.get(server, "/v2/health/ready").statusCode());
            assertEquals(200, ModelServerTest.get(server, "/v2/models/g/ready").statusCode());
            String metrics = ModelServerTest.get(server, "/metrics").body();
            assertEquals(12, ModelServerTest.metricValue(metrics, "convnet4j_warmup_passes_total{model=\"g\"}"));
            assertEquals(1, ModelServerTest.metricValue(metrics, "convnet4j_model_warmed_up{model=\"g\"}"));
            // the warm-up is not traffic: no batch counted yet
            assertEquals(0, ModelServerTest.metricOrZero(metrics, "convnet4j_batch_size_count{model=\"g\"}"));
            assertFalse(early.isDone(), "the early request waits for its own forward pass");
            gate.permits.release();
            HttpResponse<String> answer = early.get(30, TimeUnit.SECONDS);
            assertEquals(200, answer.statusCode(), answer.body());
            assertEquals(13, gate.batches.size());
            assertTrue(answer.body().contains("\"shape\":[1,1,4,4]"), answer.body());
        } finally {
            gate.permits.release(1000);
        }
    }

    /** --warmup 0: ready at once, no pass before the first request's. */
    @Test
    void noWarmupIsReadyAtOnce() throws Exception {
        Gate gate = new Gate();
        gate.permits.release(1000);
        SavedModel saved = new SavedModel(new Sequential(Shape.of(1, 4, 4), gate), null, "{}");
        try (ModelServer server = ModelServer.start(Map.of("g", saved), options(8, 0))) {
            assertTrue(server.warmedUp().isDone());
            assertEquals(200, ModelServerTest.get(server, "/v2/health/ready").statusCode());
            assertEquals(0, gate.batches.size());
            assertEquals(new ModelServer.WarmUp(0, 0), server.warmUp("g"));
        }
    }

    /** A LeNet-5 with the default warm-up: 5 passes at each batch size 1..8, then ready; the answers are the model's. */
    @Test
    void defaultWarmupOfLeNet5() throws Exception {
        SavedModel saved = TestModels.lenet(11);
        ModelServer.Options o = new ModelServer.Options();
        o.port = 0;
        try (ModelServer server = ModelServer.start(Map.of("lenet", saved), o)) {
            server.warmedUp().get(120, TimeUnit.SECONDS);
            assertEquals(new ModelServer.WarmUp(40, 40), server.warmUp("lenet"));
            assertEquals(200, ModelServerTest.get(server, "/v2/health/ready").statusCode());
            Tensor x = TestModels.randomInput(new Random(3), 2);
            HttpResponse<String> r = ModelServerTest.post(server, "/v2/models/lenet/infer",
                    ModelServerTest.inferBody(x).getBytes());
            assertEquals(200, r.statusCode(), r.body());
            float[] expected = saved.model().predict(x).data();
            com.google.gson.JsonArray data = com.google.gson.JsonParser.parseString(r.body()).getAsJsonObject()
                    .getAsJsonArray("outputs").get(0).getAsJsonObject().getAsJsonArray("data");
            assertEquals(expected.length, data.size());
            for (int i = 0; i < expected.length; i++) {
                assertEquals(expected[i], data.get(i).getAsFloat(), 1e-4f * (1 + Math.abs(expected[i])), "output " + i);
            }
        }
    }
}

package org.convnet4j.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@code Options.stageCpu} (a measuring aid, off by default): served v2 requests count the thread CPU of their
 * parse, forward pass, encoding and write on /metrics, so that a served forward pass can be compared with an
 * in-process one (bench/serve-load.sh STAGE_CPU=1); off, no such series and no clock read.
 */
class StageCpuTest {

    private static ModelServer start(boolean stageCpu) throws Exception {
        ModelServer.Options o = new ModelServer.Options();
        o.port = 0;
        o.stageCpu = stageCpu;
        ModelServer s = ModelServer.start(Map.of("lenet", TestModels.lenet(5)), o);
        s.warmedUp().join();
        return s;
    }

    private static void infer(ModelServer s, int requests) throws Exception {
        for (int i = 0; i < requests; i++) {
            byte[] body = ModelServerTest.inferBody(TestModels.randomInput(new Random(i), 2))
                    .getBytes(StandardCharsets.UTF_8);
            assertEquals(200, ModelServerTest.post(s, "/v2/models/lenet/infer", body).statusCode());
        }
    }

    @Test
    void eachStageOfServedRequestsIsCountedWhenOn() throws Exception {
        try (ModelServer s = start(true)) {
            infer(s, 5);
            String metrics = ModelServerTest.get(s, "/metrics").body();
            for (String stage : new String[] {"parse", "forward", "encode", "write"}) {
                double seconds = ModelServerTest.metricValue(metrics,
                        "convnet4j_stage_cpu_seconds_total{stage=\"" + stage + "\"}");
                assertTrue(seconds > 0, stage + ": " + seconds + " s");
            }
            // the clock counts thread CPU in nanoseconds, not wall seconds or a sum of clock readings
            double forward = ModelServerTest.metricValue(metrics, "convnet4j_stage_cpu_seconds_total{stage=\"forward\"}");
            assertTrue(forward < 60, "5 forward passes counted as " + forward + " s of CPU");
        }
    }

    @Test
    void nothingIsCountedWhenOff() throws Exception {
        try (ModelServer s = start(false)) {
            infer(s, 2);
            String metrics = ModelServerTest.get(s, "/metrics").body();
            assertFalse(metrics.contains("convnet4j_stage_cpu_seconds_total"), metrics);
        }
    }
}

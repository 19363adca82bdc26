package org.convnet4j.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.awt.image.BufferedImage;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The decode budget: one running total for all pictures being decoded, alone and behind the picture endpoint. */
class DecodeBudgetTest {

    @Test
    void aReservationLargerThanTheBudgetIsRefusedAtOnceWith400() {
        DecodeBudget b = new DecodeBudget(1000);
        ApiException e = assertThrows(ApiException.class, () -> b.reserve(1001, 10_000, "the picture", r -> { }));
        assertEquals(400, e.status());
        assertTrue(e.getMessage().contains("decode budget"), e.getMessage());
        assertEquals(400, assertThrows(ApiException.class, () -> b.reserve(-1, 0, "x", r -> { })).status());
        assertEquals(0, b.reserved());
    }

    @Test
    void whatDoesNotFitWaitsThenIsRefusedWith503AndRetryAfter() throws Exception {
        DecodeBudget b = new DecodeBudget(1000);
        List<Boolean> waits = new ArrayList<>();
        DecodeBudget.Reservation held = b.reserve(700, 0, "first", waits::add);
        long t0 = System.nanoTime();
        ApiException e = assertThrows(ApiException.class, () -> b.reserve(400, 200, "second", waits::add));
        assertTrue(System.nanoTime() - t0 >= TimeUnit.MILLISECONDS.toNanos(190), "it waited before refusing");
        assertEquals(503, e.status());
        assertEquals(DecodeBudget.RETRY_AFTER_SECONDS, e.retryAfterSeconds());
        assertEquals(List.of(true), waits);
        // released during the wait: the waiting reservation goes through
        Thread releaser = new Thread(() -> {
            sleep(100);
            held.close();
        });
        releaser.start();
        try (DecodeBudget.Reservation r = b.reserve(400, 30_000, "third", waits::add)) {
            assertTrue(r.waited());
            assertEquals(400, b.reserved());
        }
        releaser.join();
        held.close(); // a second close gives nothing back twice
        assertEquals(0, b.reserved());
        assertEquals(List.of(true, false), waits);
    }

    /** 8 threads reserve random amounts and hold them briefly: what they hold together never exceeds the budget. */
    @Test
    void concurrentReservationsNeverAddUpToMoreThanTheBudget() throws Exception {
        DecodeBudget b = new DecodeBudget(10_000);
        AtomicLong held = new AtomicLong();
        AtomicLong most = new AtomicLong();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> all = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                long seed = t;
                all.add(pool.submit(() -> {
                    Random r = new Random(seed);
                    for (int i = 0; i < 200; i++) {
                        long bytes = 1 + r.nextInt(6_000);
                        try (DecodeBudget.Reservation res = b.reserve(bytes, 60_000, "p", w -> { })) {
                            most.accumulateAndGet(held.addAndGet(bytes), Math::max);
                            if (r.nextInt(4) == 0) {
                                Thread.yield();
                            }
                            held.addAndGet(-bytes);
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : all) {
                f.get(120, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertTrue(most.get() <= 10_000, "held together at most " + most.get());
        assertTrue(b.highWater() <= 10_000, "high water " + b.highWater());
        assertEquals(0, b.reserved());
    }

    private static ModelServer.Options options(long budget, long waitMillis) {
        ModelServer.Options o = new ModelServer.Options();
        o.port = 0;
        o.maxPixels = 4_000_000;
        o.maxBodyBytes = 64 << 20;
        o.decodeBudgetBytes = budget;
        o.decodeWaitMillis = waitMillis;
        o.warmupRuns = 0;
        return o;
    }

    /** See {@link #largePicture()}. */
    private static byte[] large;

    /**
     * A 1,500 x 1,500 RGB picture of noise: its PNG does not compress, and decoding it takes a while. Made once for
     * the tests that need one (0.4-0.5 s of CPU each time, most of it in the PNG encoder), its pixels written to the
     * raster directly (the same picture as setRGB row by row, in a fraction of the time).
     */
    private static synchronized byte[] largePicture() throws Exception {
        if (large == null) {
            BufferedImage img = new BufferedImage(1500, 1500, BufferedImage.TYPE_INT_RGB);
            int[] rgb = ((java.awt.image.DataBufferInt) img.getRaster().getDataBuffer()).getData();
            Random r = new Random(1);
            for (int i = 0; i < rgb.length; i++) {
                rgb[i] = r.nextInt(1 << 24);
            }
            large = ModelServerTest.png(img);
        }
        return large;
    }

    /**
     * 8 large pictures at once against a budget that holds two of them: all are answered with the same top 5 as
     * one alone, and the pictures being decoded never held more than the budget together.
     */
    @Test
    void concurrentLargePicturesStayWithinTheSharedBudget() throws Exception {
        byte[] picture = largePicture();
        long need = new PictureDecoder(4_000_000).bytesToPrepare(picture, 1);
        assertTrue(need > 27_000_000L, "a 1500x1500 RGB picture and its float copy: " + need);
        long budget = need * 5 / 2;
        try (ModelServer server = ModelServer.start(Map.of("lenet", TestModels.lenet(5)), options(budget, 60_000))) {
            String alone = ModelServerTest.post(server, "/predictions/lenet", picture).body();
            ExecutorService pool = Executors.newFixedThreadPool(8);
            try {
                List<Future<HttpResponse<String>>> answers = new ArrayList<>();
                for (int i = 0; i < 8; i++) {
                    answers.add(pool.submit(() -> ModelServerTest.post(server, "/predictions/lenet", picture)));
                }
                for (Future<HttpResponse<String>> a : answers) {
                    HttpResponse<String> r = a.get(300, TimeUnit.SECONDS);
                    assertEquals(200, r.statusCode(), r.body());
                    assertEquals(alone, r.body());
                }
            } finally {
                pool.shutdownNow();
            }
            DecodeBudget b = server.decodeBudget();
            assertTrue(b.highWater() >= need && b.highWater() <= budget,
                    "at most " + budget + " reserved at once, was " + b.highWater());
            assertEquals(0, b.reserved());
            assertEquals(0, ModelServerTest.metricValue(ModelServerTest.get(server, "/metrics").body(),
                    "convnet4j_decode_reserved_bytes"));
        }
    }

    /**
     * With the budget held by decodes in progress, a picture waits (here 300 ms) and is refused with 503, a
     * Retry-After and one JSON line; once they give it back the same picture is answered; a picture needing more
     * than the whole budget gets 400 at once.
     */
    @Test
    void aFullBudgetAnswers503WithRetryAfterAndAPictureLargerThanTheBudget400() throws Exception {
        byte[] picture = largePicture();
        long need = new PictureDecoder(4_000_000).bytesToPrepare(picture, 1);
        long budget = need * 3 / 2;
        try (ModelServer server = ModelServer.start(Map.of("lenet", TestModels.lenet(5)), options(budget, 300))) {
            DecodeBudget.Reservation others = server.decodeBudget().reserve(need, 0, "others", w -> { });
            HttpResponse<String> busy = ModelServerTest.post(server, "/predictions/lenet", picture);
            assertEquals(503, busy.statusCode(), busy.body());
            assertEquals("1", busy.headers().firstValue("Retry-After").orElse(null));
            JsonObject error = JsonParser.parseString(busy.body()).getAsJsonObject();
            assertTrue(error.get("error").getAsString().contains("decode budget"), busy.body());
            assertEquals(1, busy.body().strip().lines().count());
            String metrics = ModelServerTest.get(server, "/metrics").body();
            assertEquals(1, ModelServerTest.metricValue(metrics, "convnet4j_decode_refused_total"));
            assertEquals(need, (long) ModelServerTest.metricValue(metrics, "convnet4j_decode_reserved_bytes"));
            others.close();
            HttpResponse<String> ok = ModelServerTest.post(server, "/predictions/lenet", picture);
            assertEquals(200, ok.statusCode(), ok.body());
            assertFalse(ok.headers().firstValue("Retry-After").isPresent());
        }
        try (ModelServer server = ModelServer.start(Map.of("lenet", TestModels.lenet(5)), options(need - 1, 300))) {
            HttpResponse<String> r = ModelServerTest.post(server, "/predictions/lenet", picture);
            assertEquals(400, r.statusCode(), r.body());
            assertTrue(r.body().contains("more than the server's whole decode budget"), r.body());
            assertEquals(0, server.decodeBudget().highWater());
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

package org.convnet4j.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** The ring all-reduce among three parties (threads, over TCP on 127.0.0.1): the sum, and what each link carries. */
class RingAllReduceTest {
    @Test
    void threePartiesSumAndEachLinkCarriesTwoThirdsOfTwiceTheVector() throws Exception {
        int p = 3;
        int n = 10; // chunks of 3, 3 and 4 values
        ExecutorService pool = Executors.newFixedThreadPool(p);
        try (RingAllReduce.Coordinator c = new RingAllReduce.Coordinator("127.0.0.1")) {
            RingAllReduce.Meeting meeting = c.meeting("test/" + p, p);
            List<float[]> vectors = new ArrayList<>();
            List<Future<Long>> sent = new ArrayList<>();
            for (int rank = 0; rank < p; rank++) {
                float[] v = new float[n];
                for (int i = 0; i < n; i++) {
                    v[i] = (rank + 1) * 100 + i; // small integers: every order of summation gives the same floats
                }
                vectors.add(v);
                int r = rank;
                sent.add(pool.submit(() -> RingAllReduce.allReduce(v, r, 0, meeting, "127.0.0.1")));
            }
            long total = 0;
            for (int rank = 0; rank < p; rank++) {
                long bytes = sent.get(rank).get();
                // 2(P-1) chunks of n/P values (rounded down or up) go to the right neighbour
                assertTrue(bytes >= 4L * 2 * (p - 1) * (n / p) && bytes <= 4L * 2 * (p - 1) * (n / p + 1),
                        "rank " + rank + " sent " + bytes + " bytes");
                total += bytes;
            }
            assertEquals(4L * 2 * (p - 1) * n, total, "every chunk goes P-1 links in each of the two phases");
            float[] want = new float[n];
            for (int i = 0; i < n; i++) {
                want[i] = 600 + 3 * i;
            }
            for (float[] v : vectors) {
                assertArrayEquals(want, v);
            }
        } finally {
            pool.shutdownNow();
        }
    }
}

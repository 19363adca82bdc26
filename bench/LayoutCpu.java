// What the served worker layouts cost per request in CPU, in one JVM, through the model's Batcher (its queue, its
// batching and its workers) but without HTTP: closed-loop clients, each submitting one sample and waiting for the
// answer before the next, so that the queue is as short or as long as the number of clients makes it. Layouts,
// alternating round by round after a warm-up of each: "follow" (2 workers whose kernel threads follow the load,
// Batcher.FOLLOW_LOAD: the server's default for a large model on 2 cores), "1x all" (one worker, kernels on every
// core), "2x1" (two workers, one kernel thread each). Per round, layout and client count: requests/s (wall), process
// CPU per request (all threads, the kernels' pool spinning included: OperatingSystemMXBean), p50 latency, and for
// "follow" the batches it ran wide and narrow in that window.
//
//   java --add-modules jdk.incubator.vector -cp JAR bench/LayoutCpu.java MODEL_FILE MAX_BATCH SECONDS ROUNDS CLIENTS...
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.convnet4j.model.ModelFiles;
import org.convnet4j.nn.Model;
import org.convnet4j.serve.Batcher;
import org.convnet4j.serve.ServeMetrics;
import org.convnet4j.tensor.Tensor;

public class LayoutCpu {
    record Layout(String name, int workers, int threadsPerWorker) {
    }

    public static void main(String[] args) throws Exception {
        Model model = ModelFiles.read(Path.of(args[0])).model();
        int maxBatch = Integer.parseInt(args[1]);
        double seconds = Double.parseDouble(args[2]);
        int rounds = Integer.parseInt(args[3]);
        List<Integer> clients = new ArrayList<>();
        for (int i = 4; i < args.length; i++) {
            clients.add(Integer.parseInt(args[i]));
        }
        List<Layout> layouts = List.of(new Layout("follow", 2, Batcher.FOLLOW_LOAD), new Layout("1x all", 1, 0),
                new Layout("2x1", 2, 1));
        com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        for (Layout l : layouts) {
            run(model, maxBatch, l, clients.get(clients.size() - 1), Math.max(seconds / 2, 5), os); // warm-up
        }
        System.out.printf("%s, max batch %d, %d rounds of %.0f s, load %s%n", args[0], maxBatch, rounds, seconds,
                java.nio.file.Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
        for (int r = 1; r <= rounds; r++) {
            for (int c : clients) {
                for (Layout l : layouts) {
                    System.out.println("round " + r + ", " + c + " clients, " + l.name + ": "
                            + run(model, maxBatch, l, c, seconds, os));
                }
            }
        }
    }

    static String run(Model model, int maxBatch, Layout l, int clients, double seconds,
                      com.sun.management.OperatingSystemMXBean os) throws Exception {
        try (Batcher b = new Batcher("m", model, maxBatch, 2_000, 256, new ServeMetrics(), 0, l.workers,
                l.threadsPerWorker)) {
            AtomicBoolean stop = new AtomicBoolean();
            List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
            List<Thread> threads = new ArrayList<>();
            long[] counts0 = b.layoutCounts();
            long cpu0 = os.getProcessCpuTime();
            long t0 = System.nanoTime();
            for (int i = 0; i < clients; i++) {
                Tensor x = Tensor.uniform(new Random(i), 0, 1, model.inputShapes().get(0).prepend(1).dims());
                Thread t = new Thread(() -> {
                    while (!stop.get()) {
                        long s = System.nanoTime();
                        try {
                            b.submit(x, false).get(300, TimeUnit.SECONDS);
                        } catch (Exception e) {
                            throw new IllegalStateException(e);
                        }
                        if (!stop.get()) {
                            latencies.add(System.nanoTime() - s);
                        }
                    }
                });
                t.start();
                threads.add(t);
            }
            Thread.sleep((long) (seconds * 1000));
            stop.set(true);
            long wall = System.nanoTime() - t0;
            long cpu = os.getProcessCpuTime() - cpu0; // the window: requests still in flight are not counted
            int n = latencies.size();
            long[] counts = b.layoutCounts();
            for (Thread t : threads) {
                t.join();
            }
            List<Long> sorted = new ArrayList<>(latencies.subList(0, n));
            Collections.sort(sorted);
            double p50 = n == 0 ? Double.NaN : sorted.get(n / 2) / 1e6;
            return String.format("%d requests, %.2f req/s, CPU %.2f ms per request, p50 %.1f ms%s, load %s", n,
                    n / (wall / 1e9), n == 0 ? Double.NaN : cpu / 1e6 / n, p50,
                    l.threadsPerWorker == Batcher.FOLLOW_LOAD ? String.format(", batches wide %d narrow %d, switches %d",
                            counts[0] - counts0[0], counts[1] - counts0[1], counts[2] - counts0[2]) : "",
                    java.nio.file.Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
        }
    }
}

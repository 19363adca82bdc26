// What a model worker's forward passes cost in CPU, by worker layout, in one JVM: the part of a served request that
// the server's worker layout decides (--workers, --threads-per-worker), without HTTP, so that a loaded machine (where
// a served run's JIT is still compiling after a minute) can still compare layouts.
//
//   java --add-modules jdk.incubator.vector -cp JAR bench/WorkerCpu.java MODEL_FILE BATCH SECONDS ROUNDS
//
// Layouts, alternating round by round after a warm-up of every one: "1x all" (one thread, kernels on every core, as the
// server ran before), "1x1" (one thread, kernels capped to it), "2x1" (two threads, each capped to itself, each
// running forward passes of BATCH samples). Per round and layout: images/s (wall), process CPU per image (all threads,
// the kernels' pool spinning included: OperatingSystemMXBean), kernel hand-offs per forward pass.
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.convnet4j.model.ModelFiles;
import org.convnet4j.nn.Model;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.tensor.kernels.KernelProvider;

public class WorkerCpu {
    record Layout(String name, int threads, int cap) {
    }

    public static void main(String[] args) throws Exception {
        Model model = ModelFiles.read(Path.of(args[0])).model();
        int batch = Integer.parseInt(args[1]);
        double seconds = Double.parseDouble(args[2]);
        int rounds = Integer.parseInt(args[3]);
        Tensor x = Tensor.uniform(new Random(18), 0, 1, model.inputShapes().get(0).prepend(batch).dims());
        List<Layout> layouts = List.of(new Layout("1x all", 1, 0), new Layout("1x1", 1, 1), new Layout("2x1", 2, 1));
        com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        for (Layout l : layouts) {
            run(model, x, l, Math.max(seconds, 10)); // warm-up
        }
        System.out.printf("%s, batch %d, %d rounds of %.0f s, load %s%n", args[0], batch, rounds, seconds,
                java.nio.file.Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
        for (int r = 1; r <= rounds; r++) {
            for (Layout l : layouts) {
                long cpu0 = os.getProcessCpuTime();
                long h0 = KernelProvider.handOffs();
                long t0 = System.nanoTime();
                long passes = run(model, x, l, seconds);
                double wall = (System.nanoTime() - t0) / 1e9;
                double cpuMs = (os.getProcessCpuTime() - cpu0) / 1e6;
                long images = passes * batch;
                System.out.printf("round %d %-7s images/s %8.0f  CPU per image %.4f ms  hand-offs per pass %.2f%n", r,
                        l.name, images / wall, cpuMs / images, (double) (KernelProvider.handOffs() - h0) / passes);
            }
        }
    }

    /** Forward passes on {@code l.threads} threads for {@code seconds}; returns how many ran in all. */
    static long run(Model model, Tensor x, Layout l, double seconds) throws InterruptedException {
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong passes = new AtomicLong();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < l.threads; i++) {
            Thread t = new Thread(() -> {
                KernelProvider.limitThreadsOnThisThread(l.cap);
                while (!stop.get()) {
                    model.predict(x);
                    passes.incrementAndGet();
                }
            });
            threads.add(t);
            t.start();
        }
        Thread.sleep((long) (seconds * 1000));
        stop.set(true);
        for (Thread t : threads) {
            t.join();
        }
        return passes.get();
    }
}

// Whether a two-thread workload's speed follows where the host put the two vCPUs, round by round, in one JVM. Each
// round: the round trip of one cache line between two threads (PairProbe's ping-pong: ~65 ns when the two vCPUs share
// a last-level cache, ~220-310 ns when they do not, on the AMD guest); reading 256 KiB that the other thread has just
// written against reading 256 KiB this thread wrote (what a small streaming kernel after a parallel pass does); a
// one-thread stream add over three 32 MiB arrays (memory bandwidth) and one thread's FMA rate (compute); then the
// workload twice: W1's two-thread SGEMM at n = N (20 calls: best and median GFLOPS), or a W6 step ("w6"), or ten W4 b1
// calls ("w4"), with the pool's shared task counter and with its fixed split, alternated (-Dab=false: the shared
// counter in both; -Dswitch=Class.field alternates another static boolean, labelled switch-off / switch-on;
// -Dswitch=Class.a,Class.b,... runs all off, then each alone, labelled switch-off / on-a / on-b ...; Class.a+Class.b
// turns both on together, labelled on-a+b). For W1
// also "private-halves": the same product with nothing shared between the two threads (each multiplies A by its own
// half of B's columns with the one-thread kernels). With -Dconvnet4j.pool.span=true a workload line also gives the
// thread CPU of the kernels' tasks, which counts neither spinning nor waiting. On a loaded machine the two threads of
// a pair often share one vCPU, which hides the placement: bench/pin-two-threads.sh keeps them on two.
//   java --add-modules jdk.incubator.vector -XX:+UseParallelGC -Dconvnet4j.jit.directives=true \
//       -cp convnet4j-bench/target/benchmarks.jar bench/PlacementProbe.java ROUNDS [N | w6 | w4]
import java.lang.reflect.Field;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import org.convnet4j.tensor.kernels.KernelProvider;
import org.convnet4j.tensor.kernels.Kernels;

public class PlacementProbe {
    static double sink;
    /** -Dab=false: the pool as it is (shared counter) in both halves of a round. */
    static final boolean AB = !"false".equals(System.getProperty("ab"));

    public static void main(String[] args) throws Exception {
        int rounds = Integer.parseInt(args.length > 0 ? args[0] : "10");
        String what = args.length > 1 ? args[1] : "512";
        int n = what.startsWith("w") ? 0 : Integer.parseInt(what);
        KernelProvider.installJitDirectives();
        // "w6": W6 (ResNet-50 training at batch 8), one step per half round, instead of the SGEMM; "w4": W4 b1
        // (ResNet-50 predict at batch 1), ten calls per half round
        Runnable workload = null;
        if (what.equals("w6")) {
            workload = new org.convnet4j.benchmark.Workloads.ResNet50Training()::step;
        } else if (what.equals("w4")) {
            org.convnet4j.nn.Model net = org.convnet4j.zoo.ModelZoo.build("resnet50", null, 1000);
            net.initialize(0);
            org.convnet4j.tensor.Tensor x = org.convnet4j.tensor.Tensor.randn(new java.util.Random(0), 1f, 1, 3, 224, 224);
            workload = () -> {
                for (int i = 0; i < 10; i++) {
                    net.predict(x);
                }
            };
        }
        var os = (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        Kernels k = KernelProvider.get();
        // the static booleans the parts of a round alternate (-Dswitch=Class.field[,Class.field...]; the pool's fixed
        // split by default): all off, then each one on alone, in an order that turns by one every round
        // (an entry Class.a+Class.b turns several on together, labelled on-a+b)
        String[] switchNames = System.getProperty("switch", "org.convnet4j.tensor.kernels.GemmPool.fixedSplit").split(",");
        Field[][] switches = new Field[switchNames.length][];
        String[] onLabels = new String[switchNames.length];
        for (int i = 0; i < switches.length; i++) {
            String[] together = switchNames[i].trim().split("\\+");
            switches[i] = new Field[together.length];
            StringBuilder label = new StringBuilder("on-");
            for (int j = 0; j < together.length; j++) {
                String name = together[j].trim();
                switches[i][j] = Class.forName(name.substring(0, name.lastIndexOf('.')))
                        .getDeclaredField(name.substring(name.lastIndexOf('.') + 1));
                switches[i][j].setAccessible(true);
                label.append(j > 0 ? "+" : "").append(switches[i][j].getName());
            }
            onLabels[i] = switches.length > 1 ? label.toString() : "switch-on";
        }
        boolean pool = switchNames.length == 1 && switchNames[0].endsWith("GemmPool.fixedSplit");
        String offLabel = pool ? "shared-counter" : "switch-off";
        if (pool) {
            onLabels[0] = "fixed-split";
        }
        int parts = AB ? switches.length + 1 : 2;
        float[] a = gauss(n * n, 1), b = gauss(n * n, 2), c = new float[n * n]; // empty for W6
        double flop = 2.0 * n * n * n;
        for (int i = 0; workload == null && i < 50; i++) {
            k.sgemm(false, false, n, n, n, 1f, a, 0, n, b, 0, n, 0f, c, 0, n);
        }
        // three arrays of 32 MiB, three times the L3: a one-thread stream from and to memory
        int streamN = 8 << 20;
        float[] sa = gauss(streamN, 7), sb = gauss(streamN, 8), so = new float[streamN];
        Filler filler = new Filler(64 * 1024);
        filler.start();
        Kernels one = KernelProvider.vector(1);
        Half helper = new Half();
        helper.start();
        for (int r = 0; r < rounds; r++) {
            double[] trips = org.convnet4j.bench.PairProbe.pingPongTrips(60, 1000);
            double[] cross = new double[60], local = new double[60];
            for (int i = 0; i < cross.length; i++) {
                filler.fillOnOtherThread(i);
                long t0 = System.nanoTime();
                sink += k.sumWide(filler.data.length, filler.data, 0);
                cross[i] = (System.nanoTime() - t0) / (filler.data.length * 4 / 1024.0);
                Arrays.fill(filler.data, i);
                t0 = System.nanoTime();
                sink += k.sumWide(filler.data.length, filler.data, 0);
                local[i] = (System.nanoTime() - t0) / (filler.data.length * 4 / 1024.0);
            }
            Arrays.sort(cross);
            Arrays.sort(local);
            double fma = org.convnet4j.tensor.kernels.internal.FmaPeakProbe.gflops(1, 0.1);
            double[] stream = new double[5];
            for (int i = 0; i < stream.length; i++) {
                long t0 = System.nanoTime();
                k.add(streamN, sa, 0, sb, 0, so, 0);
                stream[i] = 3.0 * 4 * streamN / (System.nanoTime() - t0);
            }
            Arrays.sort(stream);
            // the same stream on the second thread (pinned to the other vCPU): whether the far placement also moves
            // one vCPU's memory away
            double[] stream2 = new double[5];
            for (int i = 0; i < stream2.length; i++) {
                int at = i;
                long t0 = System.nanoTime();
                helper.run(() -> one.add(streamN, sa, 0, sb, 0, so, 0));
                helper.await();
                stream2[at] = 3.0 * 4 * streamN / (System.nanoTime() - t0);
            }
            Arrays.sort(stream2);
            StringBuilder gemm = new StringBuilder();
            for (int part = 0; part < parts; part++) {
                // 0: every switch off; i > 0: switch i - 1 on alone
                int variant = AB ? (r + part) % parts : 0;
                for (int i = 0; i < switches.length; i++) {
                    for (Field f : switches[i]) {
                        f.setBoolean(null, false);
                    }
                }
                if (variant > 0) {
                    for (Field f : switches[variant - 1]) {
                        f.setBoolean(null, true);
                    }
                }
                String label = variant == 0 ? offLabel : onLabels[variant - 1];
                if (workload != null) {
                    long c0 = os.getProcessCpuTime(), t0 = System.nanoTime();
                    long[] span0 = KernelProvider.poolSpan();
                    long parks0 = parks();
                    workload.run();
                    long[] span1 = KernelProvider.poolSpan();
                    long parks = parks() - parks0;
                    // with -Dconvnet4j.pool.span=true: the thread CPU of the parallel calls' tasks and of the calls run on
                    // the caller alone (no spinning, no waiting)
                    double tasks = (span1[1] - span0[1] + span1[6] - span0[6]) / 1e6;
                    gemm.append(String.format(Locale.ROOT, " %s %s wall %.0f ms CPU %.0f ms task CPU %.0f ms%s;", what,
                            label, (System.nanoTime() - t0) / 1e6,
                            (os.getProcessCpuTime() - c0) / 1e6, tasks,
                            Boolean.getBoolean("convnet4j.pool.stats") ? " parks " + parks : ""));
                    continue;
                }
                double[] s = new double[20];
                long[] span0 = KernelProvider.poolSpan();
                for (int i = 0; i < s.length; i++) {
                    long t0 = System.nanoTime();
                    k.sgemm(false, false, n, n, n, 1f, a, 0, n, b, 0, n, 0f, c, 0, n);
                    s[i] = (System.nanoTime() - t0) / 1e9;
                }
                long[] span1 = KernelProvider.poolSpan();
                Arrays.sort(s);
                // with -Dconvnet4j.pool.span=true: GFLOPS per second of the tasks' thread CPU, times two (the rate of
                // two threads that neither wait nor lose their vCPU to another process: what a loaded machine hides)
                double taskCpu = (span1[1] - span0[1] + span1[6] - span0[6]) / 1e9;
                gemm.append(String.format(Locale.ROOT, " W1 n=%d %s GFLOPS best %.0f median %.0f%s;", n, label,
                        flop / s[0] / 1e9, flop / s[s.length / 2] / 1e9, taskCpu > 0
                                ? String.format(Locale.ROOT, " per-CPU %.0f", 2 * flop * s.length / taskCpu / 1e9) : ""));
            }
            for (Field[] fs : switches) {
                for (Field f : fs) {
                    f.setBoolean(null, false);
                }
            }
            if (workload == null) {
                // the same product with nothing shared: each thread multiplies A by its own half of B's columns with
                // the one-thread kernels, so it packs its own B panels (and all of A) and writes its own C columns
                double[] s = new double[20];
                for (int i = 0; i < s.length; i++) {
                    long t0 = System.nanoTime();
                    helper.run(() -> one.sgemmSingleThread(false, false, n, n - n / 2, n, 1f, a, 0, n, b, n / 2, n, 0f,
                            c, n / 2, n));
                    one.sgemmSingleThread(false, false, n, n / 2, n, 1f, a, 0, n, b, 0, n, 0f, c, 0, n);
                    helper.await();
                    s[i] = (System.nanoTime() - t0) / 1e9;
                }
                Arrays.sort(s);
                gemm.append(String.format(Locale.ROOT, " W1 n=%d private-halves GFLOPS best %.0f median %.0f;", n,
                        flop / s[0] / 1e9, flop / s[s.length / 2] / 1e9));
            }
            System.out.printf(Locale.ROOT, "round %d %s: line round trip ns min %.0f p10 %.0f p50 %.0f;"
                            + " read 256 KiB ns/KiB written by the other thread min %.1f p25 %.1f, by this one min %.1f p25 %.1f; one-thread stream add GB/s best %.1f median %.1f, on the other thread best %.1f median %.1f; one-thread FMA GFLOPS %.0f;%s load %.1f%n",
                    r, java.time.LocalTime.now().withNano(0), trips[0], trips[6], trips[30], cross[0], cross[15],
                    local[0], local[15], stream[4], stream[2], stream2[4], stream2[2], fma, gemm, java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                            .getSystemLoadAverage());
        }
        System.exit(0);
    }

    /** Parks of the kernels' threads so far (with -Dconvnet4j.pool.stats=true; else 0): each costs a wake-up. */
    static long parks() {
        return KernelProvider.poolStatistics().values().stream().mapToLong(s -> s[4]).sum();
    }

    /** A second thread for one job at a time: spins a while after each job, then parks (as the pool's workers do). */
    static final class Half extends Thread {
        volatile Runnable job;
        volatile boolean finished = true;

        Half() {
            super("placement-probe-half");
            setDaemon(true);
        }

        void run(Runnable r) {
            finished = false;
            job = r;
            java.util.concurrent.locks.LockSupport.unpark(this);
        }

        void await() {
            while (!finished) {
                Thread.onSpinWait();
            }
        }

        @Override
        public void run() {
            long idleSince = System.nanoTime();
            while (true) {
                Runnable r = job;
                if (r == null) {
                    if (System.nanoTime() - idleSince < 200_000L) {
                        Thread.onSpinWait();
                    } else {
                        java.util.concurrent.locks.LockSupport.parkNanos(1_000_000L);
                    }
                    continue;
                }
                job = null;
                r.run();
                finished = true;
                idleSince = System.nanoTime();
            }
        }
    }

    /** A thread that overwrites {@link #data} when asked, so the caller then reads lines another core wrote last. */
    static final class Filler extends Thread {
        final float[] data;
        final AtomicInteger request = new AtomicInteger(-1);
        final AtomicInteger done = new AtomicInteger(-1);

        Filler(int floats) {
            super("placement-probe-filler");
            data = new float[floats];
            setDaemon(true);
        }

        void fillOnOtherThread(int value) {
            request.set(value);
            java.util.concurrent.locks.LockSupport.unpark(this);
            while (done.get() != value) {
                Thread.onSpinWait();
            }
        }

        @Override
        public void run() {
            int last = -1;
            while (true) {
                int v = request.get();
                if (v == last) {
                    // parked between rounds, so that it never takes a core from the SGEMM
                    java.util.concurrent.locks.LockSupport.parkNanos(1_000_000L);
                    continue;
                }
                Arrays.fill(data, v);
                last = v;
                done.set(v);
            }
        }
    }

    static float[] gauss(int n, long seed) {
        java.util.Random r = new java.util.Random(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) r.nextGaussian();
        }
        return v;
    }
}

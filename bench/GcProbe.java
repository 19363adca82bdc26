// What a JVM's collector and flags do to a model's steady calls, one configuration per JVM (run it under each set of
// flags and with a switch on/off): per call the process CPU, the allocation of every thread (caller and the kernels'
// workers), the collections and their time, the JIT's compiled code; medians over the measured calls.
//   java -Xmx3g --add-modules jdk.incubator.vector -Dconvnet4j.jit.directives=true [-XX:+UseParallelGC ...] \
//       [-Dconvnet4j.conv.directTiles=false] -cp convnet4j-bench/target/benchmarks.jar bench/GcProbe.java \
//       resnet50 8 6 10            # MODEL BATCH WARM_CALLS CALLS; BATCH "train8": W6's training step
// -Dflip=Class.field alternates blocks of -Dblock=2 calls with the switch as it is (A) and flipped (B) in this JVM
// (as FlagAB does) and prints both sides' medians. -Dperf.ctl=FIFO -Dperf.ack=FIFO: writes "enable"/"disable" to
// perf's control fifo (perf stat --control fifo:CTL,ACK -D -1) around the measured calls only.
import java.lang.management.*;
import java.lang.reflect.Field;
import java.nio.file.*;
import java.util.*;
import org.convnet4j.nn.Model;
import org.convnet4j.nn.StepBuffers;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.train.loss.SoftmaxCrossEntropy;
import org.convnet4j.train.optim.Sgd;
import org.convnet4j.zoo.ModelZoo;

public class GcProbe {
    public static void main(String[] a) throws Exception {
        org.convnet4j.tensor.kernels.KernelProvider.installJitDirectives();
        boolean train = a[1].startsWith("train");
        int batch = Integer.parseInt(train ? a[1].substring(5) : a[1]);
        int warm = Integer.parseInt(a[2]);
        int calls = Integer.parseInt(a[3]);
        Model net = ModelZoo.build(a[0], null, 1000);
        net.initialize(0);
        Random random = new Random(0);
        Tensor x = Tensor.randn(random, 1f, net.inputShapes().get(0).prepend(batch).dims());
        Runnable call;
        if (train) {
            Sgd opt = new Sgd(net, 0.01).momentum(0.9);
            SoftmaxCrossEntropy loss = new SoftmaxCrossEntropy();
            int[] labels = new int[batch];
            for (int i = 0; i < batch; i++) {
                labels[i] = random.nextInt(1000);
            }
            call = () -> StepBuffers.step(() -> {
                opt.zeroGrad();
                Tensor out = net.forward(x, true);
                net.backwardParameters(loss.compute(out, labels).gradient());
                opt.step();
            });
        } else {
            call = () -> net.predict(x);
        }
        String flip = System.getProperty("flip");
        Field f = null;
        boolean def = false;
        if (flip != null) {
            int dot = flip.lastIndexOf('.');
            f = Class.forName(flip.substring(0, dot)).getDeclaredField(flip.substring(dot + 1));
            f.setAccessible(true);
            def = f.getBoolean(null);
        }
        int block = Integer.getInteger("block", 2);
        for (int i = 0; i < warm; i++) {
            if (f != null) {
                f.setBoolean(null, def ^ (i / block % 2 == 1));
            }
            call.run();
        }
        List<double[]> rowsA = new ArrayList<>();
        List<double[]> rowsB = new ArrayList<>();
        perf("enable");
        for (int i = 0; i < calls; i++) {
            boolean flipped = f != null && i / block % 2 == 1;
            if (f != null) {
                f.setBoolean(null, def ^ flipped);
            }
            double[] s0 = sample();
            call.run();
            double[] s1 = sample();
            double[] d = new double[s0.length];
            for (int j = 0; j < d.length; j++) {
                d[j] = s1[j] - s0[j];
            }
            (flipped ? rowsB : rowsA).add(d);
        }
        perf("disable");
        if (f != null) {
            f.setBoolean(null, def);
        }
        String[] names = {"wall ms", "process CPU ms", "alloc MB (all threads)", "GCs", "GC ms", "compiled code KB",
                "minor faults"};
        System.out.printf(Locale.ROOT, "# %s batch %d%s, %d warm + %d calls; flags %s; load %s%n", a[0], batch,
                train ? " training" : "", warm, calls, ManagementFactory.getRuntimeMXBean().getInputArguments(),
                Files.readString(Path.of("/proc/loadavg")).trim());
        for (String n : gcNames()) {
            System.out.println("# collector: " + n);
        }
        for (int j = 0; j < names.length; j++) {
            System.out.printf(Locale.ROOT, "%-24s A %10.2f%s%n", names[j], median(rowsA, j),
                    rowsB.isEmpty() ? "" : String.format(Locale.ROOT, "   B %10.2f   B/A %.3f", median(rowsB, j),
                            median(rowsB, j) / median(rowsA, j)));
        }
    }

    static void perf(String what) throws Exception {
        String ctl = System.getProperty("perf.ctl");
        if (ctl == null) {
            return;
        }
        Files.writeString(Path.of(ctl), what + "\n");
        String ack = System.getProperty("perf.ack");
        if (ack != null) {
            try (var in = Files.newInputStream(Path.of(ack))) {
                in.read(new byte[5]);
            }
        }
    }

    static double median(List<double[]> rows, int j) {
        double[] v = rows.stream().mapToDouble(r -> r[j]).sorted().toArray();
        return v.length == 0 ? Double.NaN : v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    static List<String> gcNames() {
        List<String> out = new ArrayList<>();
        for (GarbageCollectorMXBean g : ManagementFactory.getGarbageCollectorMXBeans()) {
            out.add(g.getName());
        }
        return out;
    }

    /** wall ms, process CPU ms, MB allocated by all threads, collections, collection ms, code cache KB, minor faults. */
    static double[] sample() throws Exception {
        var tm = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long[] ids = tm.getAllThreadIds();
        long alloc = 0;
        for (long b : tm.getThreadAllocatedBytes(ids)) {
            alloc += Math.max(0, b);
        }
        long gcs = 0;
        long gcMs = 0;
        for (GarbageCollectorMXBean g : ManagementFactory.getGarbageCollectorMXBeans()) {
            gcs += g.getCollectionCount();
            gcMs += g.getCollectionTime();
        }
        long code = 0;
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            if (p.getName().contains("nmethods") || p.getName().equals("CodeCache")) {
                code += p.getUsage().getUsed();
            }
        }
        long cpu = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
        String[] stat = Files.readString(Path.of("/proc/self/stat")).split("\\) ")[1].split(" ");
        long minflt = Long.parseLong(stat[7]); // field 10 of /proc/pid/stat (after "pid (comm) ")
        return new double[] {System.nanoTime() / 1e6, cpu / 1e6, alloc / 1e6, gcs, gcMs, code / 1e3, minflt};
    }
}

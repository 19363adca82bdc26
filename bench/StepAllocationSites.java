// A real training step's allocation by call site (the step of StepHandOffs / FlagAB: zoo model seed 0, SGD lr 0.01
// momentum 0.9, cross-entropy, inside StepBuffers.step): WARM steps (bytes per step by ThreadMXBean, all threads), then
// STEPS steps whose JFR allocation events (new TLABs, weighted by their size, and allocations outside TLABs, with stack
// traces) are summed by class and the first DEPTH frames from the first org.convnet4j frame. The recording starts before
// the model is built: a recording started after the kernels were compiled deoptimized them and the recompiled kernels
// boxed vectors (574 MB per W6 step instead of 174). JFR's own overhead still inflates the total (324 MB per step with
// the recording on, 174 without, session 26): read the table for where, the ThreadMXBean lines for how much.
// -Xbatch brings the steady state in the first step after the first (the JIT compiles before it runs on).
//   java -Xmx3g --add-modules jdk.incubator.vector -Dconvnet4j.jit.directives=true -Xbatch \
//       -cp convnet4j-bench/target/benchmarks.jar bench/StepAllocationSites.java resnet50 8 2 4 4
import java.nio.file.*;
import java.util.*;
import jdk.jfr.*;
import jdk.jfr.consumer.*;
import org.convnet4j.nn.Model;
import org.convnet4j.nn.StepBuffers;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.tensor.kernels.KernelProvider;
import org.convnet4j.train.loss.Loss;
import org.convnet4j.train.loss.SoftmaxCrossEntropy;
import org.convnet4j.train.optim.Sgd;
import org.convnet4j.zoo.ModelZoo;

public class StepAllocationSites {
    static final com.sun.management.ThreadMXBean TM = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
    static long bytes() { long b = 0; for (long id : TM.getAllThreadIds()) { long x = TM.getThreadAllocatedBytes(id); if (x > 0) b += x; } return b; }
    public static void main(String[] a) throws Exception {
        String name = a[0]; int batch = Integer.parseInt(a[1]); int steps = Integer.parseInt(a[2]);
        int depth = Integer.parseInt(a[3]); int warm = Integer.parseInt(a[4]);
        Path file = Files.createTempFile("step-allocation", ".jfr");
        Recording rec = new Recording();
        rec.enable("jdk.ObjectAllocationInNewTLAB").withStackTrace();
        rec.enable("jdk.ObjectAllocationOutsideTLAB").withStackTrace();
        rec.start(); // before any kernel is compiled: starting it later deoptimizes and the recompiled kernels box vectors
        KernelProvider.installJitDirectives();
        Model net = ModelZoo.build(name, null, name.startsWith("lenet") ? 10 : 1000);
        net.initialize(0);
        Sgd opt = new Sgd(net, 0.01).momentum(0.9);
        Loss loss = new SoftmaxCrossEntropy();
        Random random = new Random(0);
        Tensor x = Tensor.randn(random, 1f, net.inputShapes().get(0).prepend(batch).dims());
        int[] labels = new int[batch];
        for (int i = 0; i < batch; i++) labels[i] = random.nextInt(net.outputShape().dim(0));
        Runnable step = () -> StepBuffers.step(() -> {
            opt.zeroGrad();
            Tensor out = net.forward(x, true);
            Loss.LossValue v = loss.compute(out, labels);
            net.backwardParameters(v.gradient());
            opt.step();
        });
        for (int i = 0; i < warm; i++) { long b = bytes(); long t = System.nanoTime(); step.run();
            System.out.printf("# warm step %d: %.1f MB %.1f s load %.1f%n", i, (bytes() - b) / 1e6, (System.nanoTime() - t) / 1e9, java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage()); }
        java.time.Instant mark = java.time.Instant.now();
        try (Recording r = rec) {
            long rb = bytes();
            for (int i = 0; i < steps; i++) step.run();
            r.stop(); System.out.printf("# recorded steps: %.1f MB per step by ThreadMXBean%n", (bytes() - rb) / 1e6 / steps);
            r.dump(file);
        }
        file.toFile().deleteOnExit();
        Map<String, long[]> by = new HashMap<>();
        long total = 0;
        for (RecordedEvent e : RecordingFile.readAllEvents(file)) {
            String t = e.getEventType().getName();
            long size;
            if (t.equals("jdk.ObjectAllocationInNewTLAB")) size = e.getLong("tlabSize");
            else if (t.equals("jdk.ObjectAllocationOutsideTLAB")) size = e.getLong("allocationSize");
            else continue;
            if (e.getStartTime().isBefore(mark)) continue;
            total += size;
            RecordedStackTrace st = e.getStackTrace();
            StringBuilder k = new StringBuilder();
            RecordedClass cls = e.getClass("objectClass");
            k.append(cls == null ? "?" : cls.getName()).append(" <- ");
            int n = 0;
            if (st != null) for (RecordedFrame f : st.getFrames()) {
                String m = f.getMethod().getType().getName();
                if (!m.startsWith("org.convnet4j") && n == 0) continue;
                k.append(m.replace("org.convnet4j.", "")).append('.').append(f.getMethod().getName()).append(':').append(f.getLineNumber()).append(" < ");
                if (++n >= depth) break;
            }
            by.computeIfAbsent(k.toString(), q -> new long[2]);
            by.get(k.toString())[0] += size; by.get(k.toString())[1]++;
        }
        System.out.printf("# %s b%d, %d steps recorded; total %.1f MB per step (TLAB sizes + outside-TLAB sizes)%n", name, batch, steps, total / 1e6 / steps);
        by.entrySet().stream().sorted((p, q) -> Long.compare(q.getValue()[0], p.getValue()[0])).limit(60)
          .forEach(en -> System.out.printf("%9.2f MB/step %6d ev  %s%n", en.getValue()[0] / 1e6 / steps, en.getValue()[1], en.getKey()));
    }
}

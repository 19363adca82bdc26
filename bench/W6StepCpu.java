// W6's training step (Workloads.ResNet50Training, the bench's own step) step by step: wall, process CPU (all threads,
// the pool's spinning included), GC count and time, bytes allocated by all threads; shows whether a step collects.
//   java -Xmx3g --add-modules jdk.incubator.vector -XX:+UseParallelGC -XX:MaxNewSize=256m -Xss4m -Dconvnet4j.jit.directives=true \
//       -cp convnet4j-bench/target/benchmarks.jar bench/W6StepCpu.java 10
import java.lang.management.*;
import org.convnet4j.benchmark.Workloads;

public class W6StepCpu {
    public static void main(String[] a) {
        int steps = Integer.parseInt(a.length > 0 ? a[0] : "8");
        org.convnet4j.tensor.kernels.KernelProvider.installJitDirectives();
        Workloads.ResNet50Training w = new Workloads.ResNet50Training();
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        com.sun.management.OperatingSystemMXBean sos = (com.sun.management.OperatingSystemMXBean) os;
        com.sun.management.ThreadMXBean tm = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        for (int i = 0; i < steps; i++) {
            long gcMs = 0, gcN = 0;
            for (GarbageCollectorMXBean g : ManagementFactory.getGarbageCollectorMXBeans()) { gcMs += g.getCollectionTime(); gcN += g.getCollectionCount(); }
            long cpu0 = sos.getProcessCpuTime(), t0 = System.nanoTime();
            long al0 = 0; for (long id : tm.getAllThreadIds()) { long b = tm.getThreadAllocatedBytes(id); if (b > 0) al0 += b; }
            w.step();
            long cpu1 = sos.getProcessCpuTime(), t1 = System.nanoTime();
            long al1 = 0; for (long id : tm.getAllThreadIds()) { long b = tm.getThreadAllocatedBytes(id); if (b > 0) al1 += b; }
            long gcMs2 = 0, gcN2 = 0;
            for (GarbageCollectorMXBean g : ManagementFactory.getGarbageCollectorMXBeans()) { gcMs2 += g.getCollectionTime(); gcN2 += g.getCollectionCount(); }
            System.out.printf("step %d: wall %.0f ms, process CPU %.0f ms, GCs %d (%d ms), allocated %.0f MB, load %s%n", i,
                (t1 - t0) / 1e6, (cpu1 - cpu0) / 1e6, gcN2 - gcN, gcMs2 - gcMs, (al1 - al0) / 1e6, os.getSystemLoadAverage());
        }
    }
}

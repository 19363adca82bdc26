// W6's training step (Workloads.ResNet50Training) with the pool's critical-path accounting
// (-Dconvnet4j.pool.span=true, KernelProvider.poolSpan): per step, in thread CPU time, the work (the caller's CPU
// outside parallel calls plus every parallel call's tasks), the span two idle threads would need (the caller's CPU
// outside parallel calls plus each call's greedy-schedule span) and its serial part, the parallel calls, and
// use = work / (threads x span). Thread clocks only: a loaded machine changes these little.
//   java -Xmx3g --add-modules jdk.incubator.vector -Dconvnet4j.jit.directives=true -Dconvnet4j.pool.span=true \
//       -cp convnet4j-bench/target/benchmarks.jar bench/SpanW6.java 8
import java.lang.management.*;
import org.convnet4j.benchmark.Workloads;
import org.convnet4j.tensor.kernels.KernelProvider;

public class SpanW6 {
    public static void main(String[] a) {
        int steps = Integer.parseInt(a.length > 0 ? a[0] : "8");
        KernelProvider.installJitDirectives();
        Workloads.ResNet50Training w = new Workloads.ResNet50Training();
        ThreadMXBean tm = ManagementFactory.getThreadMXBean();
        int threads = KernelProvider.get().threads();
        for (int i = 0; i < steps; i++) {
            long[] s0 = KernelProvider.poolSpan();
            long c0 = tm.getCurrentThreadCpuTime();
            long t0 = System.nanoTime();
            w.step();
            long wall = System.nanoTime() - t0;
            long cpu = tm.getCurrentThreadCpuTime() - c0;
            long[] s1 = KernelProvider.poolSpan();
            double serial = cpu - (s1[3] - s0[3]);
            double work = serial + s1[1] - s0[1];
            double span = serial + s1[2] - s0[2];
            System.out.printf("step %d: work %.1f ms, span %.1f ms, serial %.1f ms (of it %d one-thread pool calls, %.1f"
                    + " ms), parallel calls %d, use %.3f; wall %.0f ms, load %.1f%n", i, work / 1e6, span / 1e6,
                    serial / 1e6, s1[5] - s0[5], (s1[6] - s0[6]) / 1e6, s1[0] - s0[0], work / (threads * span),
                    wall / 1e6, ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        }
    }
}

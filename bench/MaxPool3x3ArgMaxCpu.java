// Training's 3x3 max pooling with its arg-max (Pooling.forward with an index buffer), one thread, CPU time of the
// calling thread per call, Pooling.unrolled3x3 on (A) and off (B) alternated in rounds of one JVM: ResNet's pool after
// the stem at batch 8 (64 x 112 x 112, stride 2, pad 1) and GoogLeNet's 3x3 pools (stride 2 ceil mode, stride 1 pad 1).
// Prints per shape the medians and the median of the paired ratios B/A (> 1: the unrolled windows use less CPU).
//   java --add-modules jdk.incubator.vector -Dconvnet4j.threads=1 -Dconvnet4j.jit.directives=true \
//       -cp convnet4j-bench/target/benchmarks.jar bench/MaxPool3x3ArgMaxCpu.java 9
import java.lang.management.*;
import java.lang.reflect.Field;
import java.util.*;
import org.convnet4j.ops.*;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.tensor.kernels.KernelProvider;

public class MaxPool3x3ArgMaxCpu {
    public static void main(String[] a) throws Exception {
        KernelProvider.installJitDirectives();
        int rounds = Integer.parseInt(a.length > 0 ? a[0] : "9");
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        Field f = Pooling.class.getDeclaredField("unrolled3x3");
        f.setAccessible(true);
        Object[][] cases = {
            {"resnet50 b8 64x112x112 3x3/2 pad 1", new int[] {8, 64, 112, 112},
                new PoolParams(PoolType.MAX, 3, 3, 2, 2, Padding.of(1), 0, false)},
            {"googlenet b8 192x56x56 3x3/2 ceil", new int[] {8, 192, 56, 56},
                new PoolParams(PoolType.MAX, 3, 3, 2, 2, new Padding(0, 1, 0, 1), 0, false)},
            {"googlenet b8 480x28x28 3x3/1 pad 1", new int[] {8, 480, 28, 28},
                new PoolParams(PoolType.MAX, 3, 3, 1, 1, Padding.of(1), 0, false)},
            {"resnet50's pool, 8 planes (in cache)", new int[] {1, 8, 112, 112},
                new PoolParams(PoolType.MAX, 3, 3, 2, 2, Padding.of(1), 0, false)}};
        for (Object[] c : cases) {
            Tensor x = Tensor.randn(new Random(1), 1f, (int[]) c[1]);
            PoolParams p = (PoolParams) c[2];
            Tensor y = Pooling.forward(x, p);
            int[] argMax = new int[y.size()];
            double[][] ms = new double[2][rounds];
            double[] ratio = new double[rounds];
            for (int warm = 0; warm < 20; warm++) {
                f.setBoolean(null, warm % 2 == 0);
                Pooling.forward(x, p, argMax, y);
            }
            for (int r = 0; r < rounds; r++) {
                for (int h = 0; h < 2; h++) {
                    int on = (r + h) % 2 == 0 ? 1 : 0; // which goes first alternates
                    f.setBoolean(null, on == 1);
                    long t0 = mx.getCurrentThreadCpuTime();
                    int calls = Math.max(5, (int) (30_000_000L / x.size()));
                    for (int i = 0; i < calls; i++) Pooling.forward(x, p, argMax, y);
                    ms[on == 1 ? 0 : 1][r] = (mx.getCurrentThreadCpuTime() - t0) / 1e6 / calls;
                }
                ratio[r] = ms[1][r] / ms[0][r];
            }
            f.setBoolean(null, true);
            for (double[] m : ms) Arrays.sort(m);
            Arrays.sort(ratio);
            System.out.printf(Locale.ROOT, "%-36s A (unrolled) %7.2f ms  B (loops) %7.2f ms  B/A %.3f (%.3f..%.3f); load %.1f%n",
                    c[0], ms[0][rounds / 2], ms[1][rounds / 2], ratio[rounds / 2], ratio[0], ratio[rounds - 1],
                    ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        }
    }
}

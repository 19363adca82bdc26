// A paired A/B of static boolean switches on a zoo model's predict at batch N, in one JVM, by the pool's critical-path
// accounting (-Dconvnet4j.pool.span=true, KernelProvider.poolSpan) as well as the clock: blocks of calls alternate A (the
// switches as they are) and B (flipped), the first of a round alternating; per block and call, in thread CPU time, the
// work (the caller's CPU outside parallel calls plus every parallel call's tasks), the span two idle threads would need
// (the caller's CPU outside parallel calls plus each call's greedy-schedule span) and its serial part, and the wall
// time. Thread clocks barely move with the machine's load, so span B/A says what a change to how threads share work is
// worth on two idle cores before any hand-off latency, where a wall-clock A/B on a loaded machine says nothing.
//   java -Xmx3g --add-modules jdk.incubator.vector -Dconvnet4j.jit.directives=true -Dconvnet4j.pool.span=true \
//       -cp convnet4j-bench/target/benchmarks.jar bench/SpanAB.java resnet50 1 12 6 Class.field [Class.field ...]
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.convnet4j.nn.Model;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.tensor.kernels.KernelProvider;
import org.convnet4j.zoo.ModelZoo;

public class SpanAB {
    public static void main(String[] a) throws Exception {
        String name = a[0];
        int batch = Integer.parseInt(a[1]);
        int rounds = Integer.parseInt(a[2]);
        int calls = Integer.parseInt(a[3]);
        KernelProvider.installJitDirectives();
        List<Field> fields = new ArrayList<>();
        List<Boolean> defaults = new ArrayList<>();
        for (String spec : Arrays.asList(a).subList(4, a.length)) {
            Field f = Class.forName(spec.substring(0, spec.lastIndexOf('.'))).getDeclaredField(
                    spec.substring(spec.lastIndexOf('.') + 1));
            f.setAccessible(true);
            fields.add(f);
            defaults.add(f.getBoolean(null));
        }
        Model net = ModelZoo.build(name, null, 1000);
        net.initialize(0);
        Tensor x = Tensor.randn(new java.util.Random(0), 1f, net.inputShapes().get(0).prepend(batch).dims());
        ThreadMXBean tm = ManagementFactory.getThreadMXBean();
        for (int warm = 0; warm < 8; warm++) { // both variants compiled
            set(fields, defaults, warm % 2 == 1);
            for (int i = 0; i < 3; i++) {
                net.predict(x);
            }
        }
        // per variant (0 = A, 1 = B) and round: work, span, serial, wall (ms per call)
        double[][][] fig = new double[2][4][rounds];
        System.out.printf(Locale.ROOT, "# %s batch %d, %d threads; B flips %s; load %.2f%n", name, batch,
                KernelProvider.get().threads(), String.join(" ", Arrays.asList(a).subList(4, a.length)),
                ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        for (int r = 0; r < rounds; r++) {
            for (int h = 0; h < 2; h++) {
                int v = (r + h) % 2;
                set(fields, defaults, v == 1);
                long[] s0 = KernelProvider.poolSpan();
                long c0 = tm.getCurrentThreadCpuTime();
                long t0 = System.nanoTime();
                for (int i = 0; i < calls; i++) {
                    net.predict(x);
                }
                double wall = (System.nanoTime() - t0) / 1e6 / calls;
                long cpu = tm.getCurrentThreadCpuTime() - c0;
                long[] s1 = KernelProvider.poolSpan();
                double serial = (cpu - (s1[3] - s0[3])) / 1e6;
                fig[v][0][r] = serial / calls + (s1[1] - s0[1]) / 1e6 / calls;
                fig[v][1][r] = serial / calls + (s1[2] - s0[2]) / 1e6 / calls;
                fig[v][2][r] = serial / calls;
                fig[v][3][r] = wall;
            }
            System.out.printf(Locale.ROOT, "round %2d  A work %7.2f span %6.2f serial %5.2f wall %7.2f | B work %7.2f span %6.2f"
                    + " serial %5.2f wall %7.2f | span B/A %.3f%n", r, fig[0][0][r], fig[0][1][r], fig[0][2][r],
                    fig[0][3][r], fig[1][0][r], fig[1][1][r], fig[1][2][r], fig[1][3][r], fig[1][1][r] / fig[0][1][r]);
        }
        set(fields, defaults, false);
        String[] what = {"work", "span", "serial", "wall"};
        for (int q = 0; q < 4; q++) {
            double[] ratio = new double[rounds];
            for (int r = 0; r < rounds; r++) {
                ratio[r] = fig[1][q][r] / fig[0][q][r];
            }
            System.out.printf(Locale.ROOT, "median %-6s A %7.2f ms  B %7.2f ms  paired B/A %.3f (rounds %.3f..%.3f)%n",
                    what[q], median(fig[0][q]), median(fig[1][q]), median(ratio), Arrays.stream(ratio).min().orElse(0),
                    Arrays.stream(ratio).max().orElse(0));
        }
        System.out.printf(Locale.ROOT, "# load %.2f%n", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    }

    static void set(List<Field> fields, List<Boolean> defaults, boolean flipped) throws IllegalAccessException {
        for (int i = 0; i < fields.size(); i++) {
            fields.get(i).setBoolean(null, defaults.get(i) ^ flipped);
        }
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}

// One SGEMM shape at a time on ONE thread, a static boolean switch as it is (A) and flipped (B) in alternating blocks
// of one JVM (which goes first alternates too), timed by the thread's CPU clock: whether a change inside the GEMM pays
// for a given shape, steadier than wall time on a loaded machine. Outputs are compared bit for bit every round.
// Prints, per shape, both medians (GFLOPS per CPU second) and the median of the paired ratios B/A (> 1: B is faster).
//   java -Xmx3g --add-modules jdk.incubator.vector -Dconvnet4j.jit.directives=true -Dconvnet4j.threads=1 \
//       -cp convnet4j-bench/target/benchmarks.jar bench/GemmFlagCpu.java ROUNDS SWITCH SHAPE...
// SWITCH: a full field name, e.g. org.convnet4j.tensor.kernels.VectorGemm.gatherPacking
// SHAPE: m,n,k[,NN|NT|TN|TT] (op(A) m x k, op(B) k x n; T = stored transposed), e.g. 1024,1024,1024 64,256,3136,NT
// -Dthreads=N (default 1): the products on N threads, timed by the process CPU clock instead (the pool's spinning and
// waiting included, so hand-offs and the threads' wait for the last task count: W1 at two threads).
import java.lang.management.*;
import java.lang.reflect.Field;
import java.util.*;
import org.convnet4j.tensor.kernels.*;

public class GemmFlagCpu {
    public static void main(String[] a) throws Exception {
        KernelProvider.installJitDirectives();
        int rounds = Integer.parseInt(a[0]);
        int dot = a[1].lastIndexOf('.');
        Field flag = Class.forName(a[1].substring(0, dot)).getDeclaredField(a[1].substring(dot + 1));
        flag.setAccessible(true);
        boolean initial = flag.getBoolean(null);
        int threads = Integer.getInteger("threads", 1);
        Kernels k = KernelProvider.vector(threads);
        ThreadMXBean tm = ManagementFactory.getThreadMXBean();
        com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        java.util.function.LongSupplier cpu = threads == 1 ? tm::getCurrentThreadCpuTime : os::getProcessCpuTime;
        System.out.println("# B flips " + a[1] + " (A = " + initial + "); " + threads + " thread(s), "
                + (threads == 1 ? "thread" : "process") + " CPU; load " + load());
        for (int s = 2; s < a.length; s++) {
            String[] f = a[s].split(",");
            int m = Integer.parseInt(f[0]), n = Integer.parseInt(f[1]), kk = Integer.parseInt(f[2]);
            boolean tA = f.length > 3 && f[3].charAt(0) == 'T', tB = f.length > 3 && f[3].charAt(1) == 'T';
            Random r = new Random(1);
            float[] x = new float[m * kk], y = new float[kk * n];
            for (int i = 0; i < x.length; i++) x[i] = r.nextFloat() - 0.5f;
            for (int i = 0; i < y.length; i++) y[i] = r.nextFloat() - 0.5f;
            float[][] c = {new float[m * n], new float[m * n]};
            double flops = 2.0 * m * n * kk;
            // calls per block: about 0.2 s of CPU at 50 GFLOPS
            int calls = (int) Math.max(1, Math.min(1000, 0.2 * 50e9 / flops));
            double[][] g = new double[2][rounds];
            double[] ratio = new double[rounds];
            for (int round = -2; round < rounds; round++) { // two rounds of warm-up
                for (int v0 = 0; v0 < 2; v0++) {
                    int v = Math.floorMod(round + v0, 2);
                    flag.setBoolean(null, v == 0 ? initial : !initial);
                    long t0 = cpu.getAsLong();
                    for (int i = 0; i < calls; i++) {
                        k.sgemm(tA, tB, m, n, kk, 1f, x, 0, tA ? m : kk, y, 0, tB ? kk : n, 0f, c[v], 0, n);
                    }
                    long t1 = cpu.getAsLong();
                    if (round >= 0) g[v][round] = flops * calls / (t1 - t0);
                }
                flag.setBoolean(null, initial);
                if (!Arrays.equals(c[0], c[1])) throw new AssertionError("A and B differ: " + a[s]);
                if (round >= 0) ratio[round] = g[1][round] / g[0][round];
            }
            System.out.printf(Locale.ROOT, "%-22s A %6.1f B %6.1f GFLOPS/CPU-s, B/A %.3f (rounds %.2f..%.2f), %d calls a block; load %s%n",
                    a[s], median(g[0]), median(g[1]), median(ratio), Arrays.stream(ratio).min().getAsDouble(),
                    Arrays.stream(ratio).max().getAsDouble(), calls, load());
        }
    }

    /** The middle value (rounds are odd in number: the upper middle otherwise). */
    static double median(double[] v) {
        return Arrays.stream(v).sorted().skip(v.length / 2).findFirst().orElse(Double.NaN);
    }

    /** The one-minute load average, as the OS reports it to the JVM. */
    static String load() {
        return String.format(Locale.ROOT, "%.1f", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    }
}

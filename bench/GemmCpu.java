// W1's SGEMM (n x n, C = A B) on ONE thread, timed by the thread's CPU time (not wall), so blocking variants can be
// compared on a loaded machine: run it once per -Dconvnet4j.gemm.{kc,mc,nc} setting, alternating, and compare the
// GFLOPS per CPU second. Prints the median of ROUNDS rounds per size (each round >= 0.3 s of CPU).
//   java -Xmx2g --add-modules jdk.incubator.vector -Dconvnet4j.jit.directives=true -Dconvnet4j.gemm.nc=1024 \
//       -cp convnet4j-bench/target/benchmarks.jar bench/GemmCpu.java 7 1024 2048
import java.lang.management.*;
import java.util.*;
import org.convnet4j.tensor.kernels.*;

public class GemmCpu {
    public static void main(String[] a) {
        KernelProvider.installJitDirectives();
        int rounds = Integer.parseInt(a[0]);
        Kernels k = KernelProvider.vector(1);
        ThreadMXBean tm = ManagementFactory.getThreadMXBean();
        StringBuilder out = new StringBuilder();
        for (int s = 1; s < a.length; s++) {
            int n = Integer.parseInt(a[s]);
            float[] x = new float[n * n], y = new float[n * n], c = new float[n * n];
            Random r = new Random(1);
            for (int i = 0; i < x.length; i++) { x[i] = r.nextFloat() - 0.5f; y[i] = r.nextFloat() - 0.5f; }
            for (int w = 0; w < 3; w++) k.sgemm(false, false, n, n, n, 1f, x, 0, n, y, 0, n, 0f, c, 0, n);
            double[] g = new double[rounds];
            for (int round = 0; round < rounds; round++) {
                long c0 = tm.getCurrentThreadCpuTime(), calls = 0;
                do { k.sgemm(false, false, n, n, n, 1f, x, 0, n, y, 0, n, 0f, c, 0, n); calls++; }
                while (tm.getCurrentThreadCpuTime() - c0 < 300_000_000L);
                g[round] = 2.0 * n * n * n * calls / (tm.getCurrentThreadCpuTime() - c0);
            }
            double[] sorted = g.clone(); Arrays.sort(sorted);
            out.append(String.format("n=%d GFLOPS/CPU-s median %.1f (rounds %.1f..%.1f) kc=%s mc=%s nc=%s load %.1f%n", n,
                sorted[rounds / 2], sorted[0], sorted[rounds - 1], System.getProperty("convnet4j.gemm.kc", "512"),
                System.getProperty("convnet4j.gemm.mc", "192"), System.getProperty("convnet4j.gemm.nc", "3072"),
                ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage()));
        }
        System.out.print(out);
    }
}

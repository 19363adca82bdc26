import java.lang.management.*;
import java.util.*;
import org.convnet4j.tensor.kernels.*;

// A weight gradient's two orientations, one thread, thread CPU time, alternated rounds: dW [F x K] = dY [F x T] col^T
// (as FastConvolution computes it: B is the column matrix transposed, packed one float at a time, each float feeding F
// multiply-adds) against dW^T [K x F] = col dY^T (A is the column matrix, its rows read contiguously; B is dY^T, F
// columns: 1/9 C of the floats to transpose), and whether the two give the same bits element by element. Shapes: the
// stride-1 3x3 weight gradients' tiles of W6 (F filters, K = 9 C taps, T columns) and one of three KC slices, or the
// shapes given after the rounds as F,K,T (a 1x1 layer's tile: K = C input channels).
//   java -Xmx2g --add-modules jdk.incubator.vector -Dconvnet4j.jit.directives=true -Dconvnet4j.threads=1 \
//       -cp convnet4j-bench/target/benchmarks.jar bench/WeightGradientOrientation.java 7 [256,64,2016 ...]
public class WeightGradientOrientation {
    public static void main(String[] a) {
        KernelProvider.installJitDirectives();
        Kernels k = KernelProvider.vector(1);
        ThreadMXBean tm = ManagementFactory.getThreadMXBean();
        int[][] shapes = a.length > 1
                ? Arrays.stream(a, 1, a.length).map(x -> Arrays.stream(x.split(",")).mapToInt(Integer::parseInt).toArray())
                        .toArray(int[][]::new)
                : new int[][] {{64, 576, 230}, {128, 1152, 230}, {256, 2304, 196}, {512, 4608, 98}, {64, 576, 1100}};
        int rounds = Integer.parseInt(a[0]);
        for (int[] s : shapes) {
            int f = s[0], kk = s[1], t = s[2];
            Random r = new Random(1);
            float[] dy = new float[f * t], col = new float[kk * t], dw = new float[f * kk], dwt = new float[kk * f];
            for (int i = 0; i < dy.length; i++) dy[i] = r.nextFloat() - 0.5f;
            for (int i = 0; i < col.length; i++) col[i] = r.nextFloat() - 0.5f;
            k.sgemm(false, true, f, kk, t, 1f, dy, 0, t, col, 0, t, 0f, dw, 0, kk);
            k.sgemm(false, true, kk, f, t, 1f, col, 0, t, dy, 0, t, 0f, dwt, 0, f);
            int diff = 0;
            for (int i = 0; i < f; i++) for (int j = 0; j < kk; j++) if (Float.floatToIntBits(dw[i * kk + j]) != Float.floatToIntBits(dwt[j * f + i])) diff++;
            double[] ga = new double[rounds], gb = new double[rounds];
            for (int round = 0; round < rounds; round++) {
                for (int h = 0; h < 2; h++) {
                    boolean transposed = (round + h) % 2 == 1;
                    long c0 = tm.getCurrentThreadCpuTime(), calls = 0;
                    do {
                        if (transposed) k.sgemm(false, true, kk, f, t, 1f, col, 0, t, dy, 0, t, 0f, dwt, 0, f);
                        else k.sgemm(false, true, f, kk, t, 1f, dy, 0, t, col, 0, t, 0f, dw, 0, kk);
                        calls++;
                    } while (tm.getCurrentThreadCpuTime() - c0 < 200_000_000L);
                    double g = 2.0 * f * kk * t * calls / (tm.getCurrentThreadCpuTime() - c0);
                    (transposed ? gb : ga)[round] = g;
                }
            }
            double[] ratio = new double[rounds];
            for (int i = 0; i < rounds; i++) ratio[i] = gb[i] / ga[i];
            Arrays.sort(ga); Arrays.sort(gb); Arrays.sort(ratio);
            System.out.printf(Locale.ROOT, "%d x %d x %d: dY col^T %.1f GFLOPS/CPU-s, col dY^T %.1f, paired ratio %.3f (%.3f..%.3f); elements differing in bits %d of %d; load %.1f%n",
                    f, kk, t, ga[rounds / 2], gb[rounds / 2], ratio[rounds / 2], ratio[0], ratio[rounds - 1], diff, f * kk,
                    ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        }
    }
}

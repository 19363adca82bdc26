// sgemmPreparedRows on a W2 tile shape (64 x N x 576, B by shifted row offsets into a slice; "plain": a plain K x N matrix by row offsets), the
// VectorGemm switch -Dflip=FIELD (e.g. exactRows; required) on (A) and off (B) alternating, thread CPU per call; B/A > 1: on uses less CPU.
//   java -Xmx1g --add-modules jdk.incubator.vector -Dconvnet4j.jit.directives=true -cp convnet4j-bench/target/benchmarks.jar -Dflip=FIELD bench/RowsGemmCpu.java 230 [plain]
import java.lang.reflect.Field;
import java.util.*;
import org.convnet4j.tensor.kernels.*;

public class RowsGemmCpu {
    public static void main(String[] a) throws Exception {
        int m = 64, n = Integer.parseInt(a.length > 0 ? a[0] : "230"), k = 576;
        int calls = 400;
        KernelProvider.installJitDirectives();
        Kernels ker = KernelProvider.vector(1);
        Random r = new Random(3);
        int wp = 58, nb = 8, rowsPer = 6;
        int line = nb * wp, plane = rowsPer * line;
        float[] slice = new float[64 * plane + 64];
        for (int i = 0; i < slice.length; i++) slice[i] = r.nextFloat();
        int[] off = new int[k];
        int p = 0;
        for (int ci = 0; ci < 64; ci++) for (int i = 0; i < 3; i++) for (int j = 0; j < 3; j++) off[p++] = ci * plane + i * line + j;
        if (a.length > 1 && a[1].equals("plain")) { slice = new float[k * n + 64]; for (int i = 0; i < k; i++) off[i] = i * n; }
        if (a.length > 1 && a[1].equals("seq")) { for (int i = 0; i < k; i++) off[i] = i * 48; }
        float[] w = new float[m * k];
        for (int i = 0; i < w.length; i++) w[i] = r.nextFloat();
        PreparedMatrix pm = ker.prepareA(false, m, k, 1f, w, 0, k);
        float[] c = new float[m * n];
        Field f = Class.forName("org.convnet4j.tensor.kernels.VectorGemm").getDeclaredField(Objects.requireNonNull(System.getProperty("flip"), "give -Dflip=FIELD, a static boolean of VectorGemm"));
        f.setAccessible(true);
        var tm = java.lang.management.ManagementFactory.getThreadMXBean();
        double[][] ms = new double[2][8];
        for (int round = -2; round < 8; round++) {
            for (int v0 = 0; v0 < 2; v0++) {
                int v = (Math.max(round, 0) + v0) % 2;
                f.setBoolean(null, v == 0);
                long t0 = tm.getCurrentThreadCpuTime();
                for (int i = 0; i < calls; i++) ker.sgemmPreparedRows(pm, false, n, slice, 0, off, 0f, c, 0, n);
                double t = (tm.getCurrentThreadCpuTime() - t0) / 1e6 / calls;
                if (round >= 0) ms[v][round] = t;
            }
        }
        double[] ratio = new double[8];
        for (int i = 0; i < 8; i++) ratio[i] = ms[1][i] / ms[0][i];
        Arrays.sort(ratio);
        System.out.printf("n=%d in place (A) %s%npacked (B) %s%nB/A sorted %s%n", n, Arrays.toString(ms[0]), Arrays.toString(ms[1]), Arrays.toString(ratio));
        double gf = 2.0 * m * n * k / 1e6;
        System.out.printf("GFLOPS by CPU: A %.1f B %.1f (medians)%n", gf / med(ms[0]), gf / med(ms[1]));
    }
    static double med(double[] v) { double[] s = v.clone(); Arrays.sort(s); return (s[3] + s[4]) / 2; }
}

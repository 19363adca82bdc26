// The kernels alone on one synthetic 3x3 tile (a padded slice, its per-tap offsets): the GEMM on the slice with
// prepared weights (sgemmPreparedRows, as FastConvolution's shifted tiles), the direct column tiles (directProducts,
// the run padded to whole vectors) and the direct pixel tiles (directPixels); one thread's CPU, GFLOPS of the tile's
// output pixels (dropped columns not counted), rounds 4-8 printed.
//   java -Xmx2g --add-modules jdk.incubator.vector -Dconvnet4j.jit.directives=true \
//       -cp convnet4j-bench/target/benchmarks.jar bench/DirectKernelCpu.java CHANNELS WIDTH ROWS FILTERS REPS
// e.g. 64 56 4 64 40 (a 56x56 layer's 4-row tile), 256 14 14 256 10 (a 14x14 plane); -Dconvnet4j.conv.directDepth=N.
import java.lang.management.*;
import java.util.*;
import org.convnet4j.tensor.kernels.*;

public class DirectKernelCpu {
    public static void main(String[] a) {
        KernelProvider.installJitDirectives();
        Kernels k = KernelProvider.vector(1);
        int c = Integer.parseInt(a[0]), w = Integer.parseInt(a[1]), rows = Integer.parseInt(a[2]), f = Integer.parseInt(a[3]);
        int wp = w + 2, taps = c * 9, cols = (rows - 1) * wp + w;
        int plane = (rows + 2) * wp;
        float[] slice = new float[c * plane + 64];
        Random r = new Random(1);
        for (int i = 0; i < slice.length; i++) slice[i] = r.nextFloat();
        int[] off = new int[taps];
        int t = 0;
        for (int ci = 0; ci < c; ci++) for (int i = 0; i < 3; i++) for (int j = 0; j < 3; j++) off[t++] = ci * plane + i * wp + j;
        float[] wt = new float[f * taps];
        for (int i = 0; i < wt.length; i++) wt[i] = r.nextFloat();
        float[] wp8 = new float[f * taps];
        for (int fo = 0; fo < f; fo++) for (t = 0; t < taps; t++) wp8[(fo / 8 * taps + t) * 8 + fo % 8] = wt[fo * taps + t];
        float[] wp16 = new float[f * taps];
        for (int fo = 0; fo < f; fo++) for (t = 0; t < taps; t++) wp16[(fo / 16 * taps + t) * 16 + fo % 16] = wt[fo * taps + t];
        int[] pos = new int[rows * w];
        int n = 0;
        for (int rr = 0; rr < rows; rr++) for (int q = 0; q < w; q++) pos[n++] = rr * wp + q;
        float[] out = new float[f * Math.max(cols + 16, n) + 64];
        PreparedMatrix pm = k.prepareA(false, f, taps, 1f, wt, 0, taps);
        ThreadMXBean tm = ManagementFactory.getThreadMXBean();
        int reps = Integer.parseInt(a[4]);
        double macs = (double) f * taps * n;
        for (int round = 0; round < 8; round++) {
            for (int mode = 0; mode < 3; mode++) {
                long t0 = tm.getCurrentThreadCpuTime();
                for (int i = 0; i < reps; i++) {
                    if (mode == 0) k.sgemmPreparedRows(pm, false, cols, slice, 0, off, 0f, out, 0, cols);
                    else if (mode == 1) k.directProducts(f, taps, wp8, 0, off, slice, 0, (cols + 15) / 16 * 16, null, 0, out, 0, (cols + 15) / 16 * 16);
                    else k.directPixels(f, taps, wp16, 0, off, pos, 0, n, slice, 0, null, 0, out, 0, f);
                }
                double s = (tm.getCurrentThreadCpuTime() - t0) / 1e9;
                if (round >= 3) System.out.printf(Locale.ROOT, "%s %.1f GFLOPS(useful)  ", new String[]{"gemm", "cols", "pix"}[mode], 2 * macs * reps / s / 1e9);
            }
            if (round >= 3) System.out.println();
        }
    }
}

// Dense's forward product y = x W^T (sgemm false, true, m, n, k) on one thread, CPU time per call (median of 7
// windows after a warm-up), for the row counts given: the plain call (packs W^T on every call when m > 4) against
// a prepared W^T (Kernels.prepareB / sgemmPreparedB, what Dense keeps in inference), and whether the bits agree.
//   java --add-modules jdk.incubator.vector -cp JAR bench/DenseRowsCpu.java N K M...   (120 400 1 4 5 8 16)
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.Random;
import org.convnet4j.tensor.kernels.KernelProvider;
import org.convnet4j.tensor.kernels.Kernels;

/** CPU us per call of Dense's forward product y = x W^T (sgemm false, true, m, n, k) on one thread, m = batch. */
public class DenseRowsCpu {
    public static void main(String[] args) {
        int n = Integer.parseInt(args[0]);
        int k = Integer.parseInt(args[1]);
        Kernels kern = KernelProvider.vector(1);
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        Random r = new Random(1);
        float[] w = new float[n * k];
        for (int i = 0; i < w.length; i++) w[i] = (float) r.nextGaussian();
        for (int round = 0; round < 2; round++) {
            for (int ai = 2; ai < args.length; ai++) {
                int m = Integer.parseInt(args[ai]);
                float[] x = new float[m * k];
                for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
                float[] y = new float[m * n];
                int calls = Math.max(50, 2_000_000 / (m * n * k / 100 + 1));
                double[] per = new double[7];
                for (int rep = 0; rep < per.length; rep++) {
                    long t0 = mx.getCurrentThreadCpuTime();
                    for (int c = 0; c < calls; c++) kern.sgemm(false, true, m, n, k, 1f, x, 0, k, w, 0, k, 0f, y, 0, n);
                    per[rep] = (mx.getCurrentThreadCpuTime() - t0) / 1e3 / calls;
                }
                Arrays.sort(per);
                var pb = kern.prepareB(true, k, n, w, 0, k);
                float[] y2 = new float[m * n];
                double[] per2 = new double[7];
                for (int rep = 0; rep < per2.length; rep++) {
                    long t0 = mx.getCurrentThreadCpuTime();
                    for (int c = 0; c < calls; c++) kern.sgemmPreparedB(false, m, x, 0, k, pb, 0f, y2, 0, n);
                    per2[rep] = (mx.getCurrentThreadCpuTime() - t0) / 1e3 / calls;
                }
                Arrays.sort(per2);
                if (round == 1) System.out.printf("m=%d n=%d k=%d: %.2f us per call (min %.2f), %.3f us per row; prepared B %.2f us, same bits %b%n", m, n, k, per[3], per[0], per[3] / m, per2[3], Arrays.equals(y, y2));
            }
        }
    }
}

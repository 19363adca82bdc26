// The input transform kernels alone, one thread, thread CPU per tile per channel, alternated in one JVM (7 rounds, medians):
// gathers through origins (Kernels.winogradInput) against rows side by side (Kernels.winogradInputRows), on block shapes
// of ResNet-50 b8 (F(4x4) 56x56: 13 tile rows of 14; 28x28: 27 of 7; F(2x2) 7x7: 32 of 4), b1 14x14 F(2x2) and VGG16 224.
//   java -Xmx3g --add-modules jdk.incubator.vector -Dconvnet4j.jit.directives=true -Dconvnet4j.threads=1 \
//       -cp convnet4j-bench/target/benchmarks.jar bench/WinogradInputKernels.java
import java.lang.management.*;
import java.util.*;
import org.convnet4j.tensor.kernels.*;

public class WinogradInputKernels {
    public static void main(String[] a) {
        KernelProvider.installJitDirectives();
        Kernels k = KernelProvider.vector(1);
        ThreadMXBean tm = ManagementFactory.getThreadMXBean();
        int[][] shapes = {{4, 14, 13}, {4, 7, 27}, {2, 4, 32}, {2, 7, 7}, {4, 56, 3}};
        for (int[] s : shapes) {
            int m = s[0], tilesW = s[1], rows = s[2], aa = m + 2, tiles = tilesW * rows, width = tilesW * m + 2;
            Random r = new Random(1);
            float[] padded = new float[rows * aa * width];
            for (int i = 0; i < padded.length; i++) padded[i] = r.nextFloat();
            int[] origins = new int[tiles];
            for (int t = 0; t < tiles; t++) origins[t] = t / tilesW * aa * width + t % tilesW * m;
            int ldK = tiles * m;
            float[] src = new float[aa * ldK + rows * aa * 2];
            for (int i = 0; i < src.length; i++) src[i] = r.nextFloat();
            float[] dst = new float[aa * aa * tiles];
            double[][] ns = new double[2][7];
            for (int round = 0; round < 7; round++) {
                for (int h = 0; h < 2; h++) {
                    int v = (round + h) % 2;
                    long c0 = tm.getCurrentThreadCpuTime(), calls = 0;
                    do {
                        for (int i = 0; i < 64; i++) {
                            if (v == 0) k.winogradInput(m, tiles, padded, 0, width, origins, 0, dst, 0, tiles);
                            else k.winogradInputRows(m, tiles, tilesW, src, 0, ldK, aa * ldK, dst, 0, tiles);
                        }
                        calls += 64;
                    } while (tm.getCurrentThreadCpuTime() - c0 < 300_000_000L);
                    ns[v][round] = (tm.getCurrentThreadCpuTime() - c0) / (double) calls / tiles;
                }
            }
            Arrays.sort(ns[0]); Arrays.sort(ns[1]);
            System.out.printf(Locale.ROOT, "m=%d tilesW=%d tiles=%d: gathers %.2f ns/tile, rows %.2f ns/tile (rows/gathers %.3f); load %.1f%n",
                m, tilesW, tiles, ns[0][3], ns[1][3], ns[1][3] / ns[0][3], ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        }
    }
}

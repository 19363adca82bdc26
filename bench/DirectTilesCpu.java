// ResNet-50's stride-1 3x3 layers (and W2's shape) forward, thread CPU per call, three ways in rotation in one JVM
// (which goes first rotates too): G = the slice's GEMM (DirectTiles off), C = direct column tiles (directPixels off),
// P = direct pixel tiles. Prints each layer's medians and the median paired ratios C/G and P/G (< 1: direct cheaper).
//   java -Xmx3g --add-modules jdk.incubator.vector -Dconvnet4j.jit.directives=true -Dconvnet4j.threads=1 \
//       -cp convnet4j-bench/target/benchmarks.jar bench/DirectTilesCpu.java [ROUNDS [CALLS [BATCH]]]
// -Dpointwise=true: ResNet-50's 1x1 layers instead (P is then C: pointwise layers have no pixel tiles);
// -Donly=TEXT keeps the layers whose name contains TEXT; -Dbias=true gives the layers a bias; -Dwall=true times
// wall-clock instead (for two threads on a quiet machine); -Dnopixels=true leaves P out (its column shows G).
import java.lang.management.*;
import java.lang.reflect.Field;
import java.util.*;
import org.convnet4j.ops.*;
import org.convnet4j.tensor.*;

public class DirectTilesCpu {
    record Layer(String name, int c, int h, int f, int k) { }

    public static void main(String[] a) throws Exception {
        int rounds = a.length > 0 ? Integer.parseInt(a[0]) : 7;
        int calls = a.length > 1 ? Integer.parseInt(a[1]) : 2;
        int batch = a.length > 2 ? Integer.parseInt(a[2]) : 8;
        org.convnet4j.tensor.kernels.KernelProvider.installJitDirectives();
        Class<?> dt = Class.forName("org.convnet4j.ops.DirectTiles");
        Field enabled = dt.getDeclaredField("enabled");
        Field pixels = dt.getDeclaredField("pixels");
        enabled.setAccessible(true);
        pixels.setAccessible(true);
        List<Layer> layers = Boolean.getBoolean("pointwise") ? List.of(new Layer("1x1 256->64 on 56", 256, 56, 64, 1),
                new Layer("1x1 64->256 on 56", 64, 56, 256, 1), new Layer("1x1 512->128 on 28", 512, 28, 128, 1),
                new Layer("1x1 128->512 on 28", 128, 28, 512, 1), new Layer("1x1 1024->256 on 14", 1024, 14, 256, 1),
                new Layer("1x1 256->1024 on 14", 256, 14, 1024, 1), new Layer("1x1 2048->512 on 7", 2048, 7, 512, 1),
                new Layer("1x1 512->2048 on 7", 512, 7, 2048, 1))
                : List.of(new Layer("3x3 64 on 56x56", 64, 56, 64, 3), new Layer("3x3 128 on 28x28", 128, 28, 128, 3),
                new Layer("3x3 256 on 14x14", 256, 14, 256, 3), new Layer("3x3 512 on 7x7", 512, 7, 512, 3));
        ThreadMXBean tm = ManagementFactory.getThreadMXBean();
        Random random = new Random(5);
        String[] names = {"G", "C", "P"};
        System.out.println("# batch " + batch + ", " + rounds + " rounds of " + calls + " calls; load " + load());
        for (Layer l : layers) {
            if (!l.name().contains(System.getProperty("only", ""))) {
                continue;
            }
            ConvParams p = l.k() == 3 ? ConvParams.of(1, 1) : ConvParams.defaults();
            Tensor x = Tensor.randn(random, 1f, batch, l.c(), l.h(), l.h());
            Tensor w = Tensor.randn(random, 0.05f, l.f(), l.c(), l.k(), l.k());
            Tensor b = Boolean.getBoolean("bias") ? Tensor.randn(random, 0.1f, l.f()) : null;
            Tensor into = Convolution.forward(x, w, b, p);
            double[][] ms = new double[3][rounds];
            boolean noPixels = Boolean.getBoolean("nopixels");
            for (int warm = 0; warm < 3; warm++) {
                for (int v = 0; v < 3; v++) {
                    set(enabled, pixels, noPixels && v == 2 ? 0 : v);
                    run(x, w, b, p, into, 2, tm);
                }
            }
            for (int r = 0; r < rounds; r++) {
                for (int i = 0; i < 3; i++) {
                    int v = (r + i) % 3;
                    set(enabled, pixels, noPixels && v == 2 ? 0 : v);
                    ms[v][r] = run(x, w, b, p, into, calls, tm);
                }
            }
            set(enabled, pixels, 2);
            double[] c = new double[rounds];
            double[] q = new double[rounds];
            for (int r = 0; r < rounds; r++) {
                c[r] = ms[1][r] / ms[0][r];
                q[r] = ms[2][r] / ms[0][r];
            }
            System.out.printf(Locale.ROOT, "%-18s G %7.2f C %7.2f P %7.2f ms/call; C/G %.3f (%.2f..%.2f) P/G %.3f (%.2f..%.2f)%n",
                    l.name(), median(ms[0]), median(ms[1]), median(ms[2]), median(c), min(c), max(c), median(q), min(q),
                    max(q));
        }
        System.out.println("# load " + load());
    }

    static void set(Field enabled, Field pixels, int v) throws Exception {
        enabled.setBoolean(null, v != 0);
        pixels.setBoolean(null, v == 2);
    }

    static double run(Tensor x, Tensor w, Tensor b, ConvParams p, Tensor into, int calls, ThreadMXBean tm) {
        boolean wall = Boolean.getBoolean("wall");
        long t0 = wall ? System.nanoTime() : tm.getCurrentThreadCpuTime();
        for (int i = 0; i < calls; i++) {
            Convolution.forward(x, w, b, p, null, into);
        }
        return ((wall ? System.nanoTime() : tm.getCurrentThreadCpuTime()) - t0) / 1e6 / calls;
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    static double min(double[] v) {
        return Arrays.stream(v).min().getAsDouble();
    }

    static double max(double[] v) {
        return Arrays.stream(v).max().getAsDouble();
    }

    static String load() {
        try {
            return java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).trim();
        } catch (java.io.IOException e) {
            return "?";
        }
    }
}

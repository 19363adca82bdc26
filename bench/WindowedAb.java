// A stride-1 3x3 convolution's forward pass (default W2: 8x64x56x56 -> 64, pad 1) with a static boolean switch of
// FastConvolution flipped in alternating blocks of calls in one JVM (which goes first alternates too), thread CPU per
// call: A = the switch as it is, B = flipped. Four variants per round: with/without a bias, y allocated per call or
// given (into). Prints the medians and the median paired ratio B/A per variant (> 1: A uses less CPU).
//   java -Xmx3g --add-modules jdk.incubator.vector -Dconvnet4j.jit.directives=true -Dconvnet4j.threads=1 \
//       -cp convnet4j-bench/target/benchmarks.jar bench/WindowedAb.java [ROUNDS [CALLS [N C H F]]]
// -Dflip=FIELD (default shiftedPatches; the twenty-second pass flipped windowedPatches, since removed) names the
// field of FastConvolution, -Dflip=pkg.Class.field another class's (org.convnet4j.ops.DirectTiles.enabled);
// -Dwall=true times wall-clock instead of the calling thread's CPU (for -Dconvnet4j.threads=2 on a quiet
// machine: the pool's thread is not on the caller's clock; the column then reads "ms CPU/call" all the same).
import java.lang.management.*;
import java.lang.reflect.Field;
import java.util.*;
import org.convnet4j.ops.*;
import org.convnet4j.tensor.*;

public class WindowedAb {
    public static void main(String[] a) throws Exception {
        int rounds = a.length > 0 ? Integer.parseInt(a[0]) : 7;
        int calls = a.length > 1 ? Integer.parseInt(a[1]) : 4;
        int n = a.length > 2 ? Integer.parseInt(a[2]) : 8;
        int c = a.length > 3 ? Integer.parseInt(a[3]) : 64;
        int h = a.length > 4 ? Integer.parseInt(a[4]) : 56;
        int f = a.length > 5 ? Integer.parseInt(a[5]) : 64;
        org.convnet4j.tensor.kernels.KernelProvider.installJitDirectives();
        String flip = System.getProperty("flip", "shiftedPatches");
        int dot = flip.lastIndexOf('.');
        Class<?> fc = Class.forName(dot < 0 ? "org.convnet4j.ops.FastConvolution" : flip.substring(0, dot));
        Field field = fc.getDeclaredField(flip.substring(dot + 1));
        field.setAccessible(true);
        boolean def = field.getBoolean(null);
        Random random = new Random(3);
        Tensor x = Tensor.randn(random, 1f, n, c, h, h);
        Tensor w = Tensor.randn(random, 0.05f, f, c, 3, 3);
        Tensor b = Tensor.randn(random, 0.1f, f);
        ConvParams p = ConvParams.of(1, 1);
        Tensor into = Convolution.forward(x, w, null, p);
        String[] names = {"no bias, into", "bias, into", "no bias, new y", "bias, new y"};
        ThreadMXBean tm = ManagementFactory.getThreadMXBean();
        double[][][] ms = new double[4][2][rounds];
        for (int warm = 0; warm < 6; warm++) {
            field.setBoolean(null, warm % 2 == 0 ? def : !def);
            for (int v = 0; v < 4; v++) {
                run(x, w, v % 2 == 1 ? b : null, p, v < 2 ? into : null, 1, tm);
            }
        }
        for (int r = 0; r < rounds; r++) {
            for (int v0 = 0; v0 < 2; v0++) {
                int side = (r + v0) % 2;
                field.setBoolean(null, side == 0 ? def : !def);
                for (int v = 0; v < 4; v++) {
                    ms[v][side][r] = run(x, w, v % 2 == 1 ? b : null, p, v < 2 ? into : null, calls, tm);
                }
            }
        }
        field.setBoolean(null, def);
        System.out.println("# A = " + field.getName() + " " + def + ", B = " + !def + "; x " + n + "x" + c + "x" + h
                + "x" + h + " -> " + f + ", " + rounds + " rounds of " + calls + " calls; load " + load());
        for (int v = 0; v < 4; v++) {
            double[] ratio = new double[rounds];
            for (int r = 0; r < rounds; r++) {
                ratio[r] = ms[v][1][r] / ms[v][0][r];
            }
            System.out.printf(Locale.ROOT, "%-16s A %7.2f B %7.2f ms CPU/call, B/A %.3f (%.2f..%.2f)%n", names[v],
                    median(ms[v][0]), median(ms[v][1]), median(ratio), Arrays.stream(ratio).min().getAsDouble(),
                    Arrays.stream(ratio).max().getAsDouble());
        }
        System.out.println("# load " + load());
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

    static String load() {
        try {
            return java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).trim();
        } catch (java.io.IOException e) {
            return "?";
        }
    }
}

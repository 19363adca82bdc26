package org.convnet4j.bench;

import java.lang.reflect.Field;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;
import org.convnet4j.nn.Model;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.zoo.ModelZoo;

/**
 * A/B of packing the convolution weights once per call when tiles run in turn with threaded GEMMs
 * ({@code FastConvolution.preparedInTurn}, flipped by reflection) on W4 — ResNet-50 inference ({@code predict}),
 * batch 1 or 8 — in ONE JVM: blocks of calls alternate between the two (which goes first alternates too), so both
 * are compiled and both meet the same machine load. Prints each round and the medians of img/s and of the paired
 * ratio. Arguments: {@code [rounds] [callsPerBlock] [batch]} (default 12 x 5 x 1).
 *
 * <pre>java --add-modules jdk.incubator.vector -cp convnet4j-bench/target/benchmarks.jar org.convnet4j.bench.PackingAB 12 5 1</pre>
 */
public final class PackingAB {
    private PackingAB() {
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 12;
        int calls = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        int batch = args.length > 2 ? Integer.parseInt(args[2]) : 1;
        Field on = Class.forName("org.convnet4j.ops.FastConvolution").getDeclaredField("preparedInTurn");
        on.setAccessible(true);
        Model net = ModelZoo.build("resnet50", null, 1000);
        net.initialize(0);
        Tensor x = Tensor.randn(new Random(0), 1f, batch, 3, 224, 224);
        for (boolean mode : new boolean[] {true, false, true, false}) { // warm-up: both variants compiled
            on.setBoolean(null, mode);
            for (int s = 0; s < 3; s++) {
                net.predict(x);
            }
        }
        double[] once = new double[rounds];
        double[] perTile = new double[rounds];
        double[] ratio = new double[rounds];
        for (int r = 0; r < rounds; r++) {
            for (int m = 0; m < 2; m++) {
                boolean prepared = (r + m) % 2 == 0;
                on.setBoolean(null, prepared);
                long t0 = System.nanoTime();
                for (int s = 0; s < calls; s++) {
                    net.predict(x);
                }
                double ips = (double) batch * calls / ((System.nanoTime() - t0) / 1e9);
                (prepared ? once : perTile)[r] = ips;
            }
            ratio[r] = once[r] / perTile[r];
            System.out.printf(Locale.ROOT, "round %2d  once per call %7.2f img/s  per tile %7.2f img/s  ratio %.3f%n",
                    r, once[r], perTile[r], ratio[r]);
        }
        System.out.printf(Locale.ROOT, "median    once per call %7.2f img/s  per tile %7.2f img/s  paired ratio %.3f"
                + " (batch %d)%n", median(once), median(perTile), median(ratio), batch);
    }

    private static double median(double[] a) {
        double[] s = a.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}

// The float error of the Winograd path (F(4x4, 3x3) and F(2x2, 3x3)) against the direct path's own, on ResNet-50's and
// VGG16's stride-1 3x3 layers with He-initialised weights (normal, std sqrt(2 / (9 C))) and post-ReLU inputs (a
// standard normal through ReLU), against a float64 convolution at SAMPLES random output positions per layer (all of
// them when fewer). Per layer and path: the largest absolute error, the largest error relative to the output's largest
// magnitude, and the largest error relative to sum |w x| of its own output (the scale of FastConvolutionTest's bound,
// which allows 2 (9 C + 3) 2^-24 of it).
//   java -Xmx3g --add-modules jdk.incubator.vector -cp convnet4j-bench/target/benchmarks.jar bench/WinogradAccuracy.java \
//       [BATCH [SAMPLES]]
// -Dpass=weights measures the weight gradient instead (Winograd.weightGradient, F(3x3, 4x4) and F(3x3, 2x2)): dy a
// standard normal, at SAMPLES random elements of dW, the scale sum |dy x| (FastConvolutionTest's bound for it allows
// 2 (N OH OW + 3) 2^-24 of it). ResNet-50's layers only (VGG16's take minutes in double); F(4x4) where the call has 48
// of its tiles unless -Dconvnet4j.conv.winogradMinTiles=1.
import java.lang.reflect.Field;
import java.util.*;
import org.convnet4j.ops.*;
import org.convnet4j.tensor.*;

public class WinogradAccuracy {
    record Layer(String name, int c, int h, int f) { }

    static final List<Layer> LAYERS = List.of(
        new Layer("r50 3x3 64 on 56", 64, 56, 64),
        new Layer("r50 3x3 128 on 28", 128, 28, 128),
        new Layer("r50 3x3 256 on 14", 256, 14, 256),
        new Layer("r50 3x3 512 on 7", 512, 7, 512),
        new Layer("vgg 64->64 224", 64, 224, 64),
        new Layer("vgg 64->128 112", 64, 112, 128),
        new Layer("vgg 128->128 112", 128, 112, 128),
        new Layer("vgg 128->256 56", 128, 56, 256),
        new Layer("vgg 256->256 56", 256, 56, 256),
        new Layer("vgg 256->512 28", 256, 28, 512),
        new Layer("vgg 512->512 28", 512, 28, 512),
        new Layer("vgg 512->512 14", 512, 14, 512));

    public static void main(String[] a) throws Exception {
        int batch = a.length > 0 ? Integer.parseInt(a[0]) : 1;
        int samples = a.length > 1 ? Integer.parseInt(a[1]) : 20000;
        Class<?> wc = Class.forName("org.convnet4j.ops.Winograd");
        Field enabled = wc.getDeclaredField("enabled");
        Field tile = wc.getDeclaredField("outputTile");
        enabled.setAccessible(true);
        tile.setAccessible(true);
        Random random = new Random(42);
        ConvParams p = ConvParams.of(1, 1);
        if ("weights".equals(System.getProperty("pass"))) {
            weights(batch, samples, enabled, tile, random, p);
            return;
        }
        System.out.println("# batch " + batch + ", " + samples + " sampled outputs per layer; columns per path: max |err|,"
                + " max |err| / max |y|, max |err| / sum|w x|");
        for (Layer l : LAYERS) {
            Tensor x = Tensor.randn(random, 1f, batch, l.c(), l.h(), l.h());
            float[] xd = x.data();
            for (int i = 0; i < xd.length; i++) {
                xd[i] = Math.max(0f, xd[i]);
            }
            Tensor w = Tensor.randn(random, (float) Math.sqrt(2.0 / (9 * l.c())), l.f(), l.c(), 3, 3);
            enabled.setBoolean(null, false);
            float[] direct = Convolution.forward(x, w, null, p).data();
            enabled.setBoolean(null, true);
            tile.setInt(null, 4);
            float[] f4 = Convolution.forward(x, w, null, p).data();
            tile.setInt(null, 2);
            float[] f2 = Convolution.forward(x, w, null, p).data();
            enabled.setBoolean(null, false);
            int total = batch * l.f() * l.h() * l.h();
            int[] at = new int[Math.min(samples, total)];
            for (int i = 0; i < at.length; i++) {
                at[i] = at.length == total ? i : random.nextInt(total);
            }
            double[] exact = new double[at.length];
            double[] scale = new double[at.length];
            double maxY = 0;
            for (int i = 0; i < at.length; i++) {
                double[] r = reference(l, xd, w.data(), at[i]);
                exact[i] = r[0];
                scale[i] = r[1];
                maxY = Math.max(maxY, Math.abs(r[0]));
            }
            String line = errors(l, new String[] {"direct", "F(4x4)", "F(2x2)"}, new float[][] {direct, f4, f2}, at,
                    exact, scale, maxY);
            System.out.println(line + String.format(Locale.ROOT, " | bound %.2e", 2 * (9.0 * l.c() + 3) * 0x1p-24));
        }
    }

    /** The weight gradient's errors on ResNet-50's layers: direct, F(3x3, 4x4), F(3x3, 2x2). */
    static void weights(int batch, int samples, Field enabled, Field tile, Random random, ConvParams p) throws Exception {
        Field weightGradient = Class.forName("org.convnet4j.ops.Winograd").getDeclaredField("weightGradient");
        weightGradient.setAccessible(true);
        System.out.println("# weight gradient, batch " + batch + ", " + samples + " sampled elements of dW per layer;"
                + " columns per path: max |err|, max |err| / max |dW|, max |err| / sum|dy x|");
        for (Layer l : LAYERS.subList(0, 4)) {
            Tensor x = Tensor.randn(random, 1f, batch, l.c(), l.h(), l.h());
            float[] xd = x.data();
            for (int i = 0; i < xd.length; i++) {
                xd[i] = Math.max(0f, xd[i]);
            }
            Tensor dy = Tensor.randn(random, 1f, batch, l.f(), l.h(), l.h());
            float[][] paths = new float[3][];
            for (int v = 0; v < 3; v++) {
                Tensor dw = Tensor.zeros(l.f(), l.c(), 3, 3);
                enabled.setBoolean(null, true);
                weightGradient.setBoolean(null, v > 0);
                tile.setInt(null, v == 2 ? 2 : 4);
                Convolution.backwardWeights(x, dy, dw, null, p);
                paths[v] = dw.data();
            }
            weightGradient.setBoolean(null, false);
            tile.setInt(null, 4);
            int total = l.f() * l.c() * 9;
            int[] at = new int[Math.min(samples, total)];
            for (int i = 0; i < at.length; i++) {
                at[i] = at.length == total ? i : random.nextInt(total);
            }
            double[] exact = new double[at.length];
            double[] scale = new double[at.length];
            double maxW = 0;
            for (int i = 0; i < at.length; i++) {
                double[] r = weightReference(l, batch, xd, dy.data(), at[i]);
                exact[i] = r[0];
                scale[i] = r[1];
                maxW = Math.max(maxW, Math.abs(r[0]));
            }
            String line = errors(l, new String[] {"direct", "F(3x3,4x4)", "F(3x3,2x2)"}, paths, at, exact, scale, maxW);
            System.out.println(line + String.format(Locale.ROOT, " | bound %.2e",
                    2 * ((double) batch * l.h() * l.h() + 3) * 0x1p-24));
        }
    }

    /** Per path: the largest error, that over {@code max}, and the largest error over each value's own scale. */
    static String errors(Layer l, String[] names, float[][] paths, int[] at, double[] exact, double[] scale,
                         double max) {
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%-19s", l.name()));
        for (int v = 0; v < paths.length; v++) {
            double maxErr = 0;
            double maxRel = 0;
            for (int i = 0; i < at.length; i++) {
                double err = Math.abs(paths[v][at[i]] - exact[i]);
                maxErr = Math.max(maxErr, err);
                maxRel = Math.max(maxRel, scale[i] == 0 ? 0 : err / scale[i]);
            }
            line.append(String.format(Locale.ROOT, " | %s %.2e %.2e %.2e", names[v], maxErr, maxErr / max, maxRel));
        }
        return line.toString();
    }

    /** Element {@code index} of dW (padding 1) in double, and the sum of |dy x| of its products. */
    static double[] weightReference(Layer l, int batch, float[] x, float[] dy, int index) {
        int h = l.h();
        int j = index % 3;
        int i = index / 3 % 3;
        int ci = index / 9 % l.c();
        int fo = index / 9 / l.c();
        double sum = 0;
        double abs = 0;
        for (int b = 0; b < batch; b++) {
            for (int r = 0; r < h; r++) {
                int row = r + i - 1;
                if (row < 0 || row >= h) {
                    continue;
                }
                for (int q = 0; q < h; q++) {
                    int col = q + j - 1;
                    if (col < 0 || col >= h) {
                        continue;
                    }
                    double t = (double) dy[((b * l.f() + fo) * h + r) * h + q] * x[((b * l.c() + ci) * h + row) * h + col];
                    sum += t;
                    abs += Math.abs(t);
                }
            }
        }
        return new double[] {sum, abs};
    }

    /** Output {@code index} of the layer (padding 1, no bias) in double, and the sum of |w x| of its products. */
    static double[] reference(Layer l, float[] x, float[] w, int index) {
        int h = l.h();
        int plane = h * h;
        int q = index % h;
        int r = index / h % h;
        int fo = index / plane % l.f();
        int b = index / plane / l.f();
        double sum = 0;
        double abs = 0;
        for (int ci = 0; ci < l.c(); ci++) {
            for (int i = 0; i < 3; i++) {
                int row = r + i - 1;
                if (row < 0 || row >= h) {
                    continue;
                }
                for (int j = 0; j < 3; j++) {
                    int col = q + j - 1;
                    if (col < 0 || col >= h) {
                        continue;
                    }
                    double t = (double) w[((fo * l.c() + ci) * 3 + i) * 3 + j] * x[((b * l.c() + ci) * h + row) * h + col];
                    sum += t;
                    abs += Math.abs(t);
                }
            }
        }
        return new double[] {sum, abs};
    }
}

// The float error of the Winograd path (F(4x4, 3x3) and F(2x2, 3x3)) against the direct path's own, on ResNet-50's and
// VGG16's stride-1 3x3 layers with He-initialised weights (normal, std sqrt(2 / (9 C))) and post-ReLU inputs (a
// standard normal through ReLU), against a float64 convolution at SAMPLES random output positions per layer (all of
// them when fewer). Per layer and path: the largest absolute error, the largest error relative to the output's largest
// magnitude, and the largest error relative to sum |w x| of its own output (the scale of FastConvolutionTest's bound,
// which allows 2 (9 C + 3) 2^-24 of it).
//   java -Xmx3g --add-modules jdk.incubator.vector -cp convnet4j-bench/target/benchmarks.jar bench/WinogradAccuracy.java \
//       [BATCH [SAMPLES]]
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
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%-19s", l.name()));
            String[] names = {"direct", "F(4x4)", "F(2x2)"};
            float[][] paths = {direct, f4, f2};
            for (int v = 0; v < 3; v++) {
                double maxErr = 0;
                double maxRel = 0;
                for (int i = 0; i < at.length; i++) {
                    double err = Math.abs(paths[v][at[i]] - exact[i]);
                    maxErr = Math.max(maxErr, err);
                    maxRel = Math.max(maxRel, scale[i] == 0 ? 0 : err / scale[i]);
                }
                line.append(String.format(Locale.ROOT, " | %s %.2e %.2e %.2e", names[v], maxErr, maxErr / maxY,
                        maxRel));
            }
            System.out.println(line + String.format(Locale.ROOT, " | bound %.2e", 2 * (9.0 * l.c() + 3) * 0x1p-24));
        }
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

// The three passes of ResNet-50's im2col layers at batch 8, each alone, thread CPU per call, with the shifted-patch
// switches of FastConvolution as they are (A) and flipped (B) in alternating blocks of one JVM (which goes first
// alternates too): whether a change to the convolution's operand copies pays, layer by layer, steadier than a whole
// step under load. Prints each layer's medians and the median of the paired ratios B/A (> 1: A uses less CPU).
//   java -Xmx3g --add-modules jdk.incubator.vector -Dconvnet4j.jit.directives=true -Dconvnet4j.threads=1 \
//       -cp convnet4j-bench/target/benchmarks.jar bench/ConvPassesCpu.java [ROUNDS [CALLS]]
// -Dflip=pkg.Class.field,... flips other static boolean switches instead (e.g. org.convnet4j.tensor.kernels.VectorGemm.exactRows);
// -Dset=pointwise measures ResNet-50's 1x1 layers instead (PyTorch's twin: bench/torch_pointwise_cpu.py); -Dset=narrow
// the 1x1 layers on 14x14 and 7x7 planes of MobileNetV2 and ResNet-50 (with -Dbatch=1: N = 196 or 49).
// -Donly=TEXT keeps the layers whose name contains TEXT (e.g. "3x3 " for the stride-1 3x3 layers); -Dbatch=N (default 8);
// -Dwarm=N warm-up calls of each pass per layer (default 4; small layers need a few hundred before C2 has compiled their path).
// -Dforward=only times the forward pass alone (inference shapes, e.g. with -Dbatch=1). -Dset=vgg16: VGG16's 3x3 layers.
// -Dkept=true keeps each layer's weights packed (or transformed: Winograd) between calls, as inference does.
import java.lang.management.*;
import java.lang.reflect.Field;
import java.util.*;
import org.convnet4j.ops.*;
import org.convnet4j.tensor.*;
import org.convnet4j.tensor.kernels.Kernels;
import org.convnet4j.tensor.kernels.PreparedMatrix;

public class ConvPassesCpu {
    record Layer(String name, int c, int h, int f, int k, int stride, int pad) { }

    static final String[] FIELDS = {"shiftedPatches", "shiftedInputGradient", "shiftedWeightGradient"};
    static final boolean FORWARD_ONLY = "only".equals(System.getProperty("forward"));
    static final boolean KEPT = Boolean.getBoolean("kept");

    /** -Dset=pointwise: ResNet-50's 1x1 layers (the shapes of bench/torch_pointwise_cpu.py, in its order). */
    static final List<Layer> POINTWISE = List.of(
        new Layer("1x1 64->64 56x56", 64, 56, 64, 1, 1, 0),
        new Layer("1x1 64->256 56x56", 64, 56, 256, 1, 1, 0),
        new Layer("1x1 256->64 56x56", 256, 56, 64, 1, 1, 0),
        new Layer("1x1 256->128 56x56", 256, 56, 128, 1, 1, 0),
        new Layer("1x1 128->512 28x28", 128, 28, 512, 1, 1, 0),
        new Layer("1x1 512->128 28x28", 512, 28, 128, 1, 1, 0),
        new Layer("1x1 512->256 28x28", 512, 28, 256, 1, 1, 0),
        new Layer("1x1 256->1024 14x14", 256, 14, 1024, 1, 1, 0),
        new Layer("1x1 1024->256 14x14", 1024, 14, 256, 1, 1, 0),
        new Layer("1x1 1024->512 14x14", 1024, 14, 512, 1, 1, 0),
        new Layer("1x1 512->2048 7x7", 512, 7, 2048, 1, 1, 0),
        new Layer("1x1 2048->512 7x7", 2048, 7, 512, 1, 1, 0),
        new Layer("1x1/2 256->512 56->28", 256, 56, 512, 1, 2, 0),
        new Layer("1x1/2 512->1024 28->14", 512, 28, 1024, 1, 2, 0),
        new Layer("1x1/2 1024->2048 14->7", 1024, 14, 2048, 1, 2, 0));

    /**
     * -Dset=narrow: the 1x1 layers on 14x14 and 7x7 planes (N = 196 or 49 per sample) of MobileNetV2 and ResNet-50, for
     * -Dbatch=1 (PyTorch's twin: bench/torch_pointwise_cpu.py ROUNDS 1 narrow).
     */
    static final List<Layer> NARROW = List.of(
        new Layer("mnv2 1x1 64->384 14x14", 64, 14, 384, 1, 1, 0),
        new Layer("mnv2 1x1 384->64 14x14", 384, 14, 64, 1, 1, 0),
        new Layer("mnv2 1x1 384->96 14x14", 384, 14, 96, 1, 1, 0),
        new Layer("mnv2 1x1 96->576 14x14", 96, 14, 576, 1, 1, 0),
        new Layer("mnv2 1x1 576->96 14x14", 576, 14, 96, 1, 1, 0),
        new Layer("mnv2 1x1 576->160 7x7", 576, 7, 160, 1, 1, 0),
        new Layer("mnv2 1x1 160->960 7x7", 160, 7, 960, 1, 1, 0),
        new Layer("mnv2 1x1 960->160 7x7", 960, 7, 160, 1, 1, 0),
        new Layer("mnv2 1x1 960->320 7x7", 960, 7, 320, 1, 1, 0),
        new Layer("mnv2 1x1 320->1280 7x7", 320, 7, 1280, 1, 1, 0),
        new Layer("r50 1x1 512->2048 7x7", 512, 7, 2048, 1, 1, 0),
        new Layer("r50 1x1 2048->512 7x7", 2048, 7, 512, 1, 1, 0),
        new Layer("r50 1x1/2 1024->2048 14->7", 1024, 14, 2048, 1, 2, 0));

    /** -Dset=vgg16: VGG16's distinct 3x3 layers (stride 1, padding 1; use -Dbatch=1 -Dforward=only for W5). */
    static final List<Layer> VGG16 = List.of(
        new Layer("vgg 3->64 224", 3, 224, 64, 3, 1, 1),
        new Layer("vgg 64->64 224", 64, 224, 64, 3, 1, 1),
        new Layer("vgg 64->128 112", 64, 112, 128, 3, 1, 1),
        new Layer("vgg 128->128 112", 128, 112, 128, 3, 1, 1),
        new Layer("vgg 128->256 56", 128, 56, 256, 3, 1, 1),
        new Layer("vgg 256->256 56", 256, 56, 256, 3, 1, 1),
        new Layer("vgg 256->512 28", 256, 28, 512, 3, 1, 1),
        new Layer("vgg 512->512 28", 512, 28, 512, 3, 1, 1),
        new Layer("vgg 512->512 14", 512, 14, 512, 3, 1, 1));

    public static void main(String[] a) throws Exception {
        int rounds = a.length > 0 ? Integer.parseInt(a[0]) : 6;
        int calls = a.length > 1 ? Integer.parseInt(a[1]) : 2;
        org.convnet4j.tensor.kernels.KernelProvider.installJitDirectives();
        List<Layer> layers = "pointwise".equals(System.getProperty("set")) ? POINTWISE
                : "narrow".equals(System.getProperty("set")) ? NARROW
                : "vgg16".equals(System.getProperty("set")) ? VGG16 : List.of(
            new Layer("3x3 64 on 56x56", 64, 56, 64, 3, 1, 1),
            new Layer("3x3 128 on 28x28", 128, 28, 128, 3, 1, 1),
            new Layer("3x3 256 on 14x14", 256, 14, 256, 3, 1, 1),
            new Layer("3x3 512 on 7x7", 512, 7, 512, 3, 1, 1),
            new Layer("3x3/2 128 56->28", 128, 56, 128, 3, 2, 1),
            new Layer("3x3/2 256 28->14", 256, 28, 256, 3, 2, 1),
            new Layer("3x3/2 512 14->7", 512, 14, 512, 3, 2, 1),
            new Layer("7x7/2 stem", 3, 224, 64, 7, 2, 3),
            new Layer("1x1/2 256->512 56->28", 256, 56, 512, 1, 2, 0));
        String[] flip = System.getProperty("flip", "").isEmpty() ? Arrays.stream(FIELDS)
                .map(f -> "org.convnet4j.ops.FastConvolution." + f).toArray(String[]::new)
                : System.getProperty("flip").split(",");
        Field[] fields = new Field[flip.length];
        boolean[] defaults = new boolean[flip.length];
        for (int i = 0; i < flip.length; i++) {
            int dot = flip[i].lastIndexOf('.');
            fields[i] = Class.forName(flip[i].substring(0, dot)).getDeclaredField(flip[i].substring(dot + 1));
            fields[i].setAccessible(true);
            defaults[i] = fields[i].getBoolean(null);
        }
        ThreadMXBean tm = ManagementFactory.getThreadMXBean();
        Random random = new Random(1);
        System.out.println("# B flips " + String.join(", ", flip) + "; load " + load());
        for (Layer l : layers) {
            if (!l.name().contains(System.getProperty("only", ""))) {
                continue;
            }
            ConvParams p = ConvParams.of(l.stride(), l.pad());
            Tensor x = Tensor.randn(random, 1f, Integer.getInteger("batch", 8), l.c(), l.h(), l.h());
            Tensor w = Tensor.randn(random, 0.05f, l.f(), l.c(), l.k(), l.k());
            Tensor y = Convolution.forward(x, w, null, p);
            Tensor dy = Tensor.randn(random, 1f, y.shape().dims());
            Tensor dx = Tensor.zeros(x.shape().dims());
            Tensor dw = Tensor.zeros(w.shape().dims());
            PackedWeights kept = KEPT ? kept() : null;
            double[][] cpu = new double[2][3 * rounds]; // [variant][pass * rounds + round], ms per call
            for (int warm = 0, warms = Integer.getInteger("warm", 4); warm < warms; warm++) {
                set(fields, defaults, warm % 2 == 1);
                passes(x, w, p, y, dy, dx, dw, 1, tm, null, kept);
            }
            for (int r = 0; r < rounds; r++) {
                for (int v0 = 0; v0 < 2; v0++) {
                    int v = (r + v0) % 2;
                    set(fields, defaults, v == 1);
                    double[] ms = new double[3];
                    passes(x, w, p, y, dy, dx, dw, calls, tm, ms, kept);
                    for (int pass = 0; pass < 3; pass++) {
                        cpu[v][pass * rounds + r] = ms[pass];
                    }
                }
            }
            set(fields, defaults, false);
            String[] names = {"forward", "data grad", "weight grad"};
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%-22s", l.name()));
            for (int pass = 0; pass < (FORWARD_ONLY ? 1 : 3); pass++) {
                double[] ra = Arrays.copyOfRange(cpu[0], pass * rounds, (pass + 1) * rounds);
                double[] rb = Arrays.copyOfRange(cpu[1], pass * rounds, (pass + 1) * rounds);
                double[] ratio = new double[rounds];
                for (int r = 0; r < rounds; r++) {
                    ratio[r] = rb[r] / ra[r];
                }
                line.append(String.format(Locale.ROOT, " | %s A %7.2f B %7.2f ms, B/A %.3f (%.2f..%.2f)", names[pass],
                        median(ra), median(rb), median(ratio), Arrays.stream(ratio).min().getAsDouble(),
                        Arrays.stream(ratio).max().getAsDouble()));
            }
            System.out.println(line + "; load " + load());
        }
    }

    static void passes(Tensor x, Tensor w, ConvParams p, Tensor y, Tensor dy, Tensor dx, Tensor dw, int calls,
                       ThreadMXBean tm, double[] ms, PackedWeights kept) {
        long t0 = tm.getCurrentThreadCpuTime();
        for (int i = 0; i < calls; i++) {
            Convolution.forward(x, w, null, p, null, y, kept);
        }
        long t1 = tm.getCurrentThreadCpuTime();
        if (FORWARD_ONLY) {
            if (ms != null) {
                ms[0] = (t1 - t0) / 1e6 / calls;
            }
            return;
        }
        for (int i = 0; i < calls; i++) {
            Convolution.backwardInput(dy, w, x.shape(), p, dx);
        }
        long t2 = tm.getCurrentThreadCpuTime();
        for (int i = 0; i < calls; i++) {
            Convolution.backwardWeights(x, dy, dw, null, p);
        }
        long t3 = tm.getCurrentThreadCpuTime();
        if (ms != null) {
            ms[0] = (t1 - t0) / 1e6 / calls;
            ms[1] = (t2 - t1) / 1e6 / calls;
            ms[2] = (t3 - t2) / 1e6 / calls;
        }
    }

    /** Every form of one layer's weights kept after its first use (the layer's inference cache). */
    static PackedWeights kept() {
        Object[] forms = new Object[4];
        return new PackedWeights() {
            @Override
            public PreparedMatrix[] get(Kernels k, java.util.function.Supplier<PreparedMatrix[]> pack) {
                return (PreparedMatrix[]) (forms[0] == null ? forms[0] = pack.get() : forms[0]);
            }

            @Override
            public PreparedMatrix[] getRight(Kernels k, java.util.function.Supplier<PreparedMatrix[]> pack) {
                return (PreparedMatrix[]) (forms[1] == null ? forms[1] = pack.get() : forms[1]);
            }

            @Override
            public Object getDirect(Kernels k, java.util.function.Supplier<Object> pack) {
                return forms[2] == null ? forms[2] = pack.get() : forms[2];
            }

            @Override
            public Object getWinograd(Kernels k, java.util.function.Supplier<Object> transform) {
                return forms[3] == null ? forms[3] = transform.get() : forms[3];
            }
        };
    }

    static void set(Field[] fields, boolean[] defaults, boolean flipped) throws IllegalAccessException {
        for (int i = 0; i < fields.length; i++) {
            fields[i].setBoolean(null, flipped != defaults[i]);
        }
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

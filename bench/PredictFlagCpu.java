// Paired predict CPU of engine switches, one thread: thread CPU time per Model.predict with the named boolean fields
// as they are (A) and flipped (B), alternating pass by pass, outputs compared bit for bit every round (finer than
// FlagAB's process CPU clock, which steps by 2 ms).
//   java --add-modules jdk.incubator.vector -Dconvnet4j.threads=1 -cp JAR bench/PredictFlagCpu.java MODEL.c4j 100 \
//        org.convnet4j.nn.layers.Transpose.absorbConstant
import java.lang.management.ManagementFactory;
import java.lang.reflect.Field;
import java.util.*;
import org.convnet4j.nn.Model;
import org.convnet4j.tensor.Tensor;

public class PredictFlagCpu {
    public static void main(String[] args) throws Exception {
        if (args.length < 3) {
            System.err.println("usage: PredictFlagCpu MODEL.c4j ROUNDS Class.field ...");
            System.exit(2);
        }
        int rounds = Integer.parseInt(args[1]);
        List<Field> fs = new ArrayList<>();
        List<Boolean> def = new ArrayList<>();
        for (String spec : Arrays.asList(args).subList(2, args.length)) {
            int dot = spec.lastIndexOf('.');
            Field f = Class.forName(spec.substring(0, dot)).getDeclaredField(spec.substring(dot + 1));
            f.setAccessible(true);
            fs.add(f);
            def.add(f.getBoolean(null));
        }
        Model net = org.convnet4j.model.ModelFiles.load(java.nio.file.Path.of(args[0]));
        Tensor x = Tensor.randn(new Random(0), 1f, net.inputShapes().get(0).prepend(1).dims());
        var bean = ManagementFactory.getThreadMXBean();
        double[][] t = new double[2][rounds];
        float[][] out = new float[2][];
        for (int r = -6; r < rounds; r++) {
            for (int m = 0; m < 2; m++) {
                boolean flip = (r + 100 + m) % 2 == 1;
                for (int i = 0; i < fs.size(); i++) fs.get(i).setBoolean(null, def.get(i) ^ flip);
                long c = bean.getCurrentThreadCpuTime();
                Tensor y = net.predict(x);
                if (r >= 0) t[flip ? 1 : 0][r] = (bean.getCurrentThreadCpuTime() - c) / 1e6;
                out[flip ? 1 : 0] = y.data().clone();
            }
            if (!Arrays.equals(out[0], out[1])) throw new AssertionError("outputs differ");
        }
        double[] ratio = new double[rounds];
        for (int r = 0; r < rounds; r++) ratio[r] = t[0][r] / t[1][r];
        for (int m = 0; m < 2; m++) { double[] v = t[m].clone(); Arrays.sort(v); System.out.printf("%s: median %.2f ms, min %.2f%n", m == 0 ? "A (defaults)" : "B (flipped)", v[rounds / 2], v[0]); }
        Arrays.sort(ratio);
        System.out.printf("paired A/B median %.3f (%.3f..%.3f), %d rounds, outputs equal every round%n", ratio[rounds / 2], ratio[0], ratio[rounds - 1], rounds);
    }
}

// Paired predict CPU of two model files of one net (A, B), one thread: thread CPU time per Model.predict, A and B
// alternating pass by pass (which goes first alternates), outputs compared bit for bit every round. For changes that
// live in the file (an importer's mapping: import the same ONNX file with and without the switch).
//   java --add-modules jdk.incubator.vector -Dconvnet4j.threads=1 -cp JAR bench/PredictTwoCpu.java A.c4j B.c4j 100
import java.lang.management.ManagementFactory;
import java.util.*;
import org.convnet4j.nn.Model;
import org.convnet4j.tensor.Tensor;

public class PredictTwoCpu {
    public static void main(String[] args) throws Exception {
        if (args.length < 3) {
            System.err.println("usage: PredictTwoCpu A.c4j B.c4j ROUNDS");
            System.exit(2);
        }
        int rounds = Integer.parseInt(args[2]);
        Model[] nets = {org.convnet4j.model.ModelFiles.load(java.nio.file.Path.of(args[0])),
                org.convnet4j.model.ModelFiles.load(java.nio.file.Path.of(args[1]))};
        Tensor x = Tensor.randn(new Random(0), 1f, nets[0].inputShapes().get(0).prepend(1).dims());
        var bean = ManagementFactory.getThreadMXBean();
        double[][] t = new double[2][rounds];
        float[][] out = new float[2][];
        for (int r = -6; r < rounds; r++) {
            for (int m = 0; m < 2; m++) {
                int which = (r + 100 + m) % 2;
                long c = bean.getCurrentThreadCpuTime();
                Tensor y = nets[which].predict(x);
                if (r >= 0) t[which][r] = (bean.getCurrentThreadCpuTime() - c) / 1e6;
                out[which] = y.data().clone();
            }
            if (!Arrays.equals(out[0], out[1])) throw new AssertionError("outputs differ");
        }
        double[] ratio = new double[rounds];
        for (int r = 0; r < rounds; r++) ratio[r] = t[0][r] / t[1][r];
        for (int m = 0; m < 2; m++) { double[] v = t[m].clone(); Arrays.sort(v); System.out.printf("%s: median %.2f ms, min %.2f%n", m == 0 ? "A " + args[0] : "B " + args[1], v[rounds / 2], v[0]); }
        Arrays.sort(ratio);
        System.out.printf("paired A/B median %.3f (%.3f..%.3f), %d rounds, outputs equal every round%n", ratio[rounds / 2], ratio[0], ratio[rounds - 1], rounds);
    }
}

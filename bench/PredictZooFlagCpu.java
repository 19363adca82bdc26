// Paired predict cost of engine switches on a zoo model (or a .c4j file) at any batch: per Model.predict the calling
// thread's CPU time (the whole cost at -Dconvnet4j.threads=1), the CPU time of the caller and the kernels' worker
// threads (the work at any thread count; the process clock steps by 10 ms here) and the wall time, with the
// named boolean fields as they are (A) and flipped (B), alternating pass by pass; outputs compared bit for bit.
//   java -Xmx3g --add-modules jdk.incubator.vector -Dconvnet4j.threads=1 -cp JAR bench/PredictZooFlagCpu.java \
//        resnet50 8 40 org.convnet4j.nn.Graph.fuseResidual
import java.lang.management.ManagementFactory;
import java.lang.reflect.Field;
import java.util.*;
import org.convnet4j.nn.Model;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.zoo.ModelZoo;

public class PredictZooFlagCpu {
    public static void main(String[] args) throws Exception {
        if (args.length < 4) {
            System.err.println("usage: PredictZooFlagCpu ZOO_NAME|MODEL.c4j BATCH ROUNDS Class.field ...");
            System.exit(2);
        }
        int batch = Integer.parseInt(args[1]);
        int rounds = Integer.parseInt(args[2]);
        List<Field> fs = new ArrayList<>();
        List<Boolean> def = new ArrayList<>();
        for (String spec : Arrays.asList(args).subList(3, args.length)) {
            int dot = spec.lastIndexOf('.');
            Field f = Class.forName(spec.substring(0, dot)).getDeclaredField(spec.substring(dot + 1));
            f.setAccessible(true);
            fs.add(f);
            def.add(f.getBoolean(null));
        }
        org.convnet4j.tensor.kernels.KernelProvider.installJitDirectives();
        Model net = args[0].endsWith(".c4j") ? org.convnet4j.model.ModelFiles.load(java.nio.file.Path.of(args[0]))
                : ModelZoo.build(args[0], null, 1000).initialize(1);
        Tensor x = Tensor.randn(new Random(0), 1f, net.inputShapes().get(0).prepend(batch).dims());
        var bean = ManagementFactory.getThreadMXBean();
        net.predict(x); // the kernels' worker threads exist from here on
        long[] workers = Thread.getAllStackTraces().keySet().stream()
                .filter(th -> th.getName().startsWith("convnet4j-kernels-")).mapToLong(Thread::getId).toArray();
        double[][][] t = new double[3][2][rounds]; // thread CPU, caller + workers CPU, wall
        float[][] out = new float[2][];
        for (int r = -6; r < rounds; r++) {
            for (int m = 0; m < 2; m++) {
                boolean flip = (r + 100 + m) % 2 == 1;
                for (int i = 0; i < fs.size(); i++) fs.get(i).setBoolean(null, def.get(i) ^ flip);
                long c = bean.getCurrentThreadCpuTime(), p = c + workersCpu(bean, workers), w = System.nanoTime();
                Tensor y = net.predict(x);
                if (r >= 0) {
                    int k = flip ? 1 : 0;
                    long c1 = bean.getCurrentThreadCpuTime();
                    t[0][k][r] = (c1 - c) / 1e6;
                    t[1][k][r] = (c1 + workersCpu(bean, workers) - p) / 1e6;
                    t[2][k][r] = (System.nanoTime() - w) / 1e6;
                }
                out[flip ? 1 : 0] = y.data().clone();
            }
            if (!Arrays.equals(out[0], out[1])) throw new AssertionError("outputs differ");
        }
        System.out.printf("# %s batch %d, %d rounds, threads %s, load %s%n", args[0], batch, rounds,
                System.getProperty("convnet4j.threads", "default"),
                new String(java.nio.file.Files.readAllBytes(java.nio.file.Path.of("/proc/loadavg"))).split(" ")[0]);
        String[] what = {"thread CPU", "threads CPU", "wall"};
        for (int q = 0; q < 3; q++) {
            double[] ratio = new double[rounds];
            for (int r = 0; r < rounds; r++) ratio[r] = t[q][0][r] / t[q][1][r];
            double[] a = t[q][0].clone(), b = t[q][1].clone();
            Arrays.sort(a);
            Arrays.sort(b);
            Arrays.sort(ratio);
            System.out.printf("%-11s A (defaults) median %.2f ms (min %.2f), B (flipped) median %.2f ms (min %.2f); "
                    + "paired A/B median %.3f (%.3f..%.3f)%n", what[q], a[rounds / 2], a[0], b[rounds / 2], b[0],
                    ratio[rounds / 2], ratio[0], ratio[rounds - 1]);
        }
        System.out.println("outputs equal every round");
    }

    private static long workersCpu(java.lang.management.ThreadMXBean bean, long[] ids) {
        long sum = 0;
        for (long id : ids) sum += Math.max(0, bean.getThreadCpuTime(id));
        return sum;
    }
}

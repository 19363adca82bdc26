// Inference 2x2 stride-2 max pooling (Pooling.forward, no arg-max) on the zoo's shapes, one thread, CPU time of the
// calling thread per call: the median (and min) of 5 windows after a warm-up; the same rows as
// bench/torch_pool2x2_cpu.py (PyTorch's max_pool2d). Run against a jar, jars alternated for A/B:
//   java --add-modules jdk.incubator.vector -Dconvnet4j.threads=1 -cp JAR bench/Pool2x2Cpu.java
import java.lang.management.*;
import java.util.*;
import org.convnet4j.ops.*;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.tensor.kernels.KernelProvider;

public class Pool2x2Cpu {
    public static void main(String[] a) throws Exception {
        KernelProvider.installJitDirectives();
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        PoolParams plain = new PoolParams(PoolType.MAX, 2, 2, 2, 2, Padding.of(0), 0, false);
        PoolParams ceil = new PoolParams(PoolType.MAX, 2, 2, 2, 2, new Padding(0, 1, 0, 1), 0, false);
        Object[][] cases = {{"lenet5 pool1 b8 6x28x28", new int[] {8, 6, 28, 28}, plain},
            {"lenet5 pool2 b8 16x10x10", new int[] {8, 16, 10, 10}, plain},
            {"googlenet 2x2/2 ceil 832x14x14", new int[] {1, 832, 14, 14}, ceil},
            {"vgg16 64x224x224", new int[] {1, 64, 224, 224}, plain},
            {"vgg16 128x112x112", new int[] {1, 128, 112, 112}, plain},
            {"vgg16 256x56x56", new int[] {1, 256, 56, 56}, plain},
            {"vgg16 512x28x28", new int[] {1, 512, 28, 28}, plain},
            {"vgg16 512x14x14", new int[] {1, 512, 14, 14}, plain}};
        for (Object[] c : cases) {
            Tensor x = Tensor.randn(new Random(1), 1f, (int[]) c[1]);
            PoolParams p = (PoolParams) c[2];
            Tensor y = Pooling.forward(x, p);
            int calls = Math.max(5, (int) (4_000_000L / x.size()));
            for (int i = 0; i < 20 * calls; i++) Pooling.forward(x, p, null, y);
            double[] us = new double[5];
            for (int w = 0; w < 5; w++) {
                long t = mx.getCurrentThreadCpuTime();
                for (int i = 0; i < calls; i++) Pooling.forward(x, p, null, y);
                us[w] = (mx.getCurrentThreadCpuTime() - t) / 1e3 / calls;
            }
            Arrays.sort(us);
            System.out.printf("%-32s %9.2f us/call (min %.2f), %.2f ns/output%n", c[0], us[2], us[0], us[2] * 1e3 / y.size());
        }
    }
}

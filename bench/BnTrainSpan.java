// Batch norm's training forward at ResNet-50's batch-8 shapes, the layer alone, two ways alternated in one JVM: the
// switches BatchNorm.fusedTraining and BatchNorm.trainingRelu off (statistics, then a parallel pass normalising, then
// the ReLU's in-place pass) against on (each channel normalised and ReLU'd in the statistics' task). Per call, in
// thread CPU (-Dconvnet4j.pool.span=true, KernelProvider.poolSpan): work (caller's CPU outside parallel calls + every
// task's CPU) and the span two idle threads would need. Thread clocks: a loaded machine changes these little.
//   java -Xmx3g --add-modules jdk.incubator.vector -Dconvnet4j.pool.span=true \
//       -cp convnet4j-bench/target/benchmarks.jar bench/BnTrainSpan.java 4 10
import java.lang.management.*;
import java.lang.reflect.Field;
import java.util.List;
import java.util.Random;
import org.convnet4j.nn.Sequential;
import org.convnet4j.nn.StepBuffers;
import org.convnet4j.nn.layers.BatchNorm2d;
import org.convnet4j.nn.layers.ReLU;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.tensor.kernels.KernelProvider;

public class BnTrainSpan {
    public static void main(String[] a) throws Exception {
        int rounds = Integer.parseInt(a.length > 0 ? a[0] : "4");
        int calls = Integer.parseInt(a.length > 1 ? a[1] : "10");
        Class<?> bn = Class.forName("org.convnet4j.nn.layers.BatchNorm");
        Field fused = bn.getDeclaredField("fusedTraining");
        Field relu = bn.getDeclaredField("trainingRelu");
        fused.setAccessible(true);
        relu.setAccessible(true);
        ThreadMXBean tm = ManagementFactory.getThreadMXBean();
        int[][] shapes = {{64, 112, 112}, {256, 56, 56}, {512, 28, 28}, {1024, 14, 14}, {2048, 7, 7}};
        System.out.printf("%-16s %5s %9s %9s %9s %9s %7s%n", "shape", "round", "old work", "new work", "old span",
                "new span", "new/old");
        for (int[] s : shapes) {
            BatchNorm2d norm = new BatchNorm2d();
            ReLU r = new ReLU();
            new Sequential(Shape.of(s), norm, r);
            Tensor x = Tensor.randn(new Random(1), 1f, 8, s[0], s[1], s[2]);
            Tensor work = x.copy();
            for (int round = 0; round < rounds; round++) {
                double[][] ws = new double[2][2];
                for (int v = 0; v < 2; v++) {
                    boolean on = v == 1;
                    fused.setBoolean(null, on);
                    relu.setBoolean(null, on);
                    for (int c = 0; c < calls + 2; c++) {
                        System.arraycopy(x.data(), 0, work.data(), 0, x.size()); // the layer writes x-hat over it
                        long[] s0 = KernelProvider.poolSpan();
                        long c0 = tm.getCurrentThreadCpuTime();
                        StepBuffers.step(StepBuffers.MemoryPlan.ON, () -> {
                            if (on) {
                                norm.forwardWithRelu(List.of(work), 0, true, r);
                            } else {
                                Tensor y = norm.forwardInPlace(List.of(work), 0, true);
                                r.forwardInPlace(List.of(y), 0, true);
                            }
                        });
                        long cpu = tm.getCurrentThreadCpuTime() - c0;
                        long[] s1 = KernelProvider.poolSpan();
                        if (c >= 2) { // two warm-up calls per block
                            double serial = cpu - (s1[3] - s0[3]);
                            ws[v][0] += (serial + s1[1] - s0[1]) / 1e6 / calls;
                            ws[v][1] += (serial + s1[2] - s0[2]) / 1e6 / calls;
                        }
                    }
                }
                System.out.printf("%-16s %5d %9.3f %9.3f %9.3f %9.3f %7.3f%n", java.util.Arrays.toString(s), round,
                        ws[0][0], ws[1][0], ws[0][1], ws[1][1], ws[1][1] / ws[0][1]);
            }
        }
        System.out.println("load " + ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    }
}

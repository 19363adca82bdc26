// The end of a ResNet block in a training forward pass (batch norm, the residual sum with the skip, ReLU) at
// ResNet-50's batch-8 block-output shapes, in a Graph under the memory plan, two ways alternated in one JVM: the
// switch BatchNorm.trainingResidual off (the batch norm, then the sum's own pass with its ReLU, in place) against on
// (the skip added and the ReLU run on each plane right after its normalisation). Per call, in thread CPU
// (-Dconvnet4j.pool.span=true, KernelProvider.poolSpan): work (caller's CPU outside parallel calls + every task's
// CPU) and the span two idle threads would need; which way runs first alternates by round. Outputs compared.
//   java -Xmx3g --add-modules jdk.incubator.vector -Dconvnet4j.pool.span=true \
//       -cp convnet4j-bench/target/benchmarks.jar bench/BnResidualSpan.java 4 10
import java.lang.management.*;
import java.lang.reflect.Field;
import java.util.List;
import java.util.Random;
import org.convnet4j.nn.Graph;
import org.convnet4j.nn.StepBuffers;
import org.convnet4j.nn.layers.Add;
import org.convnet4j.nn.layers.BatchNorm2d;
import org.convnet4j.nn.layers.ReLU;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.tensor.kernels.KernelProvider;

public class BnResidualSpan {
    public static void main(String[] a) throws Exception {
        int rounds = Integer.parseInt(a.length > 0 ? a[0] : "4");
        int calls = Integer.parseInt(a.length > 1 ? a[1] : "10");
        Field fused = Class.forName("org.convnet4j.nn.layers.BatchNorm").getDeclaredField("trainingResidual");
        fused.setAccessible(true);
        ThreadMXBean tm = ManagementFactory.getThreadMXBean();
        int[][] shapes = {{256, 56, 56}, {512, 28, 28}, {1024, 14, 14}, {2048, 7, 7}};
        System.out.printf("%-16s %5s %9s %9s %9s %9s %9s %9s%n", "shape", "round", "old work", "new work",
                "old span", "new span", "work n/o", "span n/o");
        for (int[] s : shapes) {
            Graph end = Graph.builder("end")
                    .input("x", Shape.of(s)).input("skip", Shape.of(s))
                    .add("bn", new BatchNorm2d(), "x")
                    .add("sum", new Add(), "bn", "skip")
                    .add("relu", new ReLU(), "sum")
                    .build();
            Random random = new Random(1);
            List<Tensor> in = List.of(Tensor.randn(random, 1f, 8, s[0], s[1], s[2]),
                    Tensor.randn(random, 1f, 8, s[0], s[1], s[2]));
            float[] last = null;
            for (int round = 0; round < rounds; round++) {
                double[][] ws = new double[2][2];
                for (int order = 0; order < 2; order++) {
                    int v = order ^ (round & 1); // which way goes first alternates by round
                    fused.setBoolean(null, v == 1);
                    for (int c = 0; c < calls + 2; c++) {
                        long[] s0 = KernelProvider.poolSpan();
                        long c0 = tm.getCurrentThreadCpuTime();
                        float[][] out = new float[1][];
                        StepBuffers.step(StepBuffers.MemoryPlan.ON, () -> {
                            out[0] = end.forwardMulti(in, true).get(0).data();
                        });
                        long cpu = tm.getCurrentThreadCpuTime() - c0;
                        long[] s1 = KernelProvider.poolSpan();
                        if (last != null && !java.util.Arrays.equals(last, out[0])) {
                            throw new AssertionError("outputs differ at " + java.util.Arrays.toString(s));
                        }
                        last = out[0].clone(); // compared outside the timed part
                        if (c >= 2) { // two warm-up calls per block
                            double serial = cpu - (s1[3] - s0[3]);
                            ws[v][0] += (serial + s1[1] - s0[1]) / 1e6 / calls;
                            ws[v][1] += (serial + s1[2] - s0[2]) / 1e6 / calls;
                        }
                    }
                }
                System.out.printf("%-16s %5d %9.3f %9.3f %9.3f %9.3f %9.3f %9.3f%n", java.util.Arrays.toString(s),
                        round, ws[0][0], ws[1][0], ws[0][1], ws[1][1], ws[1][0] / ws[0][0], ws[1][1] / ws[0][1]);
            }
        }
        System.out.println("load " + ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    }
}

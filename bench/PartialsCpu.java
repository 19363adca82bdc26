// The weight gradient's chunk sums (Kernels.addPartials) alone: thread CPU per call of 512x512x9 elements x 4 chunks
// (ResNet-50's largest 3x3 layer), 8 rounds of 10 calls; run once with -Dconvnet4j.kernels=vector and once with =scalar.
//   java -Xmx1g --add-modules jdk.incubator.vector -Dconvnet4j.kernels=vector -cp convnet4j-bench/target/benchmarks.jar bench/PartialsCpu.java
import java.lang.management.*;
import org.convnet4j.tensor.kernels.*;

public class PartialsCpu {
    public static void main(String[] a) {
        Kernels k = KernelProvider.get();
        int size = 512 * 512 * 9, parts = 4;
        float[] src = new float[size * parts], dst = new float[size];
        java.util.Random r = new java.util.Random(1);
        for (int i = 0; i < src.length; i++) src[i] = (float) r.nextGaussian();
        ThreadMXBean tm = ManagementFactory.getThreadMXBean();
        for (int round = 0; round < 8; round++) {
            long c0 = tm.getCurrentThreadCpuTime();
            for (int rep = 0; rep < 10; rep++) k.addPartials(size, parts, src, 0, size, dst, 0);
            long c1 = tm.getCurrentThreadCpuTime();
            System.out.printf("%s round %d: %.2f ms CPU per call of %d x %d (%.2f ns/element)%n", k.name(), round, (c1 - c0) / 1e7, size, parts, (c1 - c0) / 10.0 / size);
        }
    }
}

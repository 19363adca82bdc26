// W2's convolution (3x3, 8x64x56x56 -> 64 filters, pad 1, bias) forward only, repeated for SECONDS after a 5 s warm-up: for perf record.
//   perf record -D 12000 -F 499 -g java -Xmx2g --add-modules jdk.incubator.vector -Dconvnet4j.jit.directives=true -Dconvnet4j.threads=1 \
//       -XX:+UnlockDiagnosticVMOptions -XX:+DumpPerfMapAtExit -XX:+PreserveFramePointer -cp convnet4j-bench/target/benchmarks.jar bench/W2Loop.java 30
import java.util.Random;
import org.convnet4j.ops.*;
import org.convnet4j.tensor.*;

public class W2Loop {
    public static void main(String[] a) {
        double seconds = a.length > 0 ? Double.parseDouble(a[0]) : 20;
        String pass = a.length > 1 ? a[1] : "fwd";
        org.convnet4j.tensor.kernels.KernelProvider.installJitDirectives();
        Random random = new Random(7);
        Tensor x = Tensor.randn(random, 1f, 8, 64, 56, 56);
        Tensor w = Tensor.randn(random, 0.05f, 64, 64, 3, 3);
        Tensor b = Tensor.randn(random, 0.1f, 64);
        ConvParams p = ConvParams.of(1, 1);
        long t0 = System.nanoTime();
        int calls = 0;
        java.lang.management.ThreadMXBean tm = java.lang.management.ManagementFactory.getThreadMXBean();
        long c0 = 0;
        boolean warm = false;
        while (true) {
            Convolution.forward(x, w, b, p);
            calls++;
            double el = (System.nanoTime() - t0) / 1e9;
            if (!warm && el > 5) { warm = true; calls = 0; c0 = tm.getCurrentThreadCpuTime(); t0 = System.nanoTime(); System.out.println("warm"); }
            else if (warm && el > seconds) break;
        }
        double cpuMs = (tm.getCurrentThreadCpuTime() - c0) / 1e6 / calls;
        System.out.printf("W2 fwd: %d calls, %.2f ms thread CPU per call, %.1f GFLOPS by CPU%n", calls, cpuMs,
                2.0 * 8 * 56 * 56 * 64 * 64 * 9 / (cpuMs * 1e6));
    }
}

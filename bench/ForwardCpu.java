// In-process forward CPU per image, one thread (-Dconvnet4j.threads=1): model file, batch, windows, CPU seconds per
// window, CPU seconds of warm-up (default 10). Prints each window's CPU microseconds per image, their median and min.
//   java --add-modules jdk.incubator.vector -Dconvnet4j.threads=1 -cp JAR bench/ForwardCpu.java MODEL.c4j BATCH 5 1.5 8
import java.lang.management.*;
import java.nio.file.Path;
import java.util.*;
import org.convnet4j.model.ModelFiles;
import org.convnet4j.nn.Model;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.tensor.kernels.KernelProvider;

public class ForwardCpu {
    public static void main(String[] a) throws Exception {
        KernelProvider.installJitDirectives();
        Model model = ModelFiles.read(Path.of(a[0])).model();
        int batch = Integer.parseInt(a[1]);
        int windows = Integer.parseInt(a[2]);
        double secs = Double.parseDouble(a[3]);
        int[] in = model.inputShapes().get(0).dims();
        int[] dims = new int[in.length + 1];
        dims[0] = batch;
        System.arraycopy(in, 0, dims, 1, in.length);
        Tensor x = Tensor.randn(new Random(1), 1f, dims);
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        long warm = mx.getCurrentThreadCpuTime() + (long) (Double.parseDouble(a.length > 4 ? a[4] : "10") * 1e9);
        while (mx.getCurrentThreadCpuTime() < warm) model.predict(x); // warm-up: this thread's CPU seconds
        double[] us = new double[windows];
        for (int w = 0; w < windows; w++) {
            long c0 = mx.getCurrentThreadCpuTime();
            long n = 0;
            long stop = c0 + (long) (secs * 1e9);
            while (mx.getCurrentThreadCpuTime() < stop) { model.predict(x); n++; }
            us[w] = (mx.getCurrentThreadCpuTime() - c0) / 1e3 / (n * batch);
        }
        double[] s = us.clone(); Arrays.sort(s);
        System.out.printf("batch %d: CPU us per image, windows %s, median %.2f, min %.2f%n", batch,
            Arrays.toString(Arrays.stream(us).map(v -> Math.round(v * 100) / 100.0).toArray()), s[windows / 2], s[0]);
    }
}

// W3's or W6's real training step (the step Workloads and FlagAB run: zoo model seed 0, SGD lr 0.01 momentum 0.9,
// cross-entropy, inside StepBuffers.step) cut into its phases (zeroGrad, forward, loss, backward, optimizer step), and
// per phase per step: the parallel calls handed to the pool's workers (KernelProvider.handOffs), the parallel calls
// that ran on the caller alone (with -Dconvnet4j.pool.span=true; else 0), the bytes every thread allocated, and the
// caller's CPU. Counts, not times: a loaded machine does not change them. LayerProfile's training walk counts the
// hand-offs layer by layer (it is not this step: it runs batch norm and ReLU apart).
//   java -Xmx3g --add-modules jdk.incubator.vector -Dconvnet4j.jit.directives=true -Dconvnet4j.pool.span=true \
//       -cp convnet4j-bench/target/benchmarks.jar bench/StepHandOffs.java lenet5 64 200
import java.lang.management.ManagementFactory;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.convnet4j.nn.Model;
import org.convnet4j.nn.StepBuffers;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.tensor.kernels.KernelProvider;
import org.convnet4j.train.loss.Loss;
import org.convnet4j.train.loss.SoftmaxCrossEntropy;
import org.convnet4j.train.optim.Sgd;
import org.convnet4j.zoo.ModelZoo;

public class StepHandOffs {
    static final com.sun.management.ThreadMXBean TM =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    static final Map<String, double[]> PHASES = new LinkedHashMap<>(); // {handOffs, callerOnly, bytes, callerCpuNs}
    static boolean recording;

    public static void main(String[] a) {
        String name = a.length > 0 ? a[0] : "lenet5";
        int batch = Integer.parseInt(a.length > 1 ? a[1] : "64");
        int steps = Integer.parseInt(a.length > 2 ? a[2] : "100");
        KernelProvider.installJitDirectives();
        Model net = ModelZoo.build(name, null, name.startsWith("lenet") ? 10 : 1000);
        net.initialize(0);
        Sgd opt = new Sgd(net, 0.01).momentum(0.9);
        Loss loss = new SoftmaxCrossEntropy();
        Random random = new Random(0);
        Tensor x = Tensor.randn(random, 1f, net.inputShapes().get(0).prepend(batch).dims());
        int[] labels = new int[batch];
        for (int i = 0; i < batch; i++) {
            labels[i] = random.nextInt(net.outputShape().dim(0));
        }
        Runnable step = () -> StepBuffers.step(() -> {
            phase("optimizer zeroGrad", opt::zeroGrad);
            Tensor[] out = new Tensor[1];
            phase("forward", () -> out[0] = net.forward(x, true));
            Loss.LossValue[] value = new Loss.LossValue[1];
            phase("loss", () -> value[0] = loss.compute(out[0], labels));
            phase("backward", () -> net.backwardParameters(value[0].gradient()));
            phase("optimizer step", opt::step);
        });
        int warm = Math.max(3, steps / 4);
        for (int i = 0; i < warm; i++) {
            step.run();
        }
        recording = true;
        double[] whole = snapshot();
        for (int i = 0; i < steps; i++) {
            step.run();
        }
        double[] end = snapshot();
        System.out.printf("# %s batch %d, %d threads, %d steps after %d warm-up steps; per step; load %.2f%n", name, batch,
                KernelProvider.get().threads(), steps, warm,
                ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        System.out.printf("%-20s %10s %12s %14s %12s%n", "phase", "hand-offs", "caller-only", "allocated KB",
                "caller CPU us");
        double[] sum = new double[4];
        for (Map.Entry<String, double[]> e : PHASES.entrySet()) {
            double[] v = e.getValue();
            print(e.getKey(), v, steps);
            for (int i = 0; i < 4; i++) {
                sum[i] += v[i];
            }
        }
        print("phases' sum", sum, steps);
        double[] all = new double[4];
        for (int i = 0; i < 4; i++) {
            all[i] = end[i] - whole[i];
        }
        print("whole step", all, steps);
    }

    static void print(String what, double[] v, int steps) {
        System.out.printf("%-20s %10.1f %12.1f %14.1f %12.1f%n", what, v[0] / steps, v[1] / steps, v[2] / steps / 1024,
                v[3] / steps / 1e3);
    }

    static double[] snapshot() {
        long bytes = 0;
        for (long id : TM.getAllThreadIds()) {
            long b = TM.getThreadAllocatedBytes(id);
            if (b > 0) {
                bytes += b;
            }
        }
        long[] span = KernelProvider.poolSpan();
        return new double[] {KernelProvider.handOffs(), span[5], bytes, TM.getCurrentThreadCpuTime()};
    }

    static void phase(String what, Runnable body) {
        double[] before = recording ? snapshot() : null;
        body.run();
        if (recording) {
            double[] after = snapshot();
            double[] acc = PHASES.computeIfAbsent(what, k -> new double[4]);
            for (int i = 0; i < 4; i++) {
                acc[i] += after[i] - before[i];
            }
        }
    }
}

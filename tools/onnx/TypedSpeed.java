package org.convnet4j.io.onnx;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.convnet4j.io.onnx.OnnxModel.Attribute;
import org.convnet4j.io.onnx.OnnxModel.Node;
import org.convnet4j.io.onnx.OnnxModel.ValueInfo;
import org.convnet4j.nn.Parameter;

/**
 * Typed-path speed: x [8, 1, 8, 16, 16] -> Conv 3-D 8 filters 3x3x3 pad 1 -> Relu -> MaxPool 2x2x2 -> Flatten
 * [8, 2048] -> Gemm (transB) [8, 10], every node on the typed path (double precision, plain loops). Prints the
 * thread CPU time per forward pass and per forward + backward pass (medians of R after W warm-up passes). For
 * comparison, the same multiply-adds on the float layers: x [8, 3, 32, 64] -> Conv 2-D 8 filters 3x3 pad 1 -> Relu ->
 * MaxPool 2x2 -> Flatten [8, 4096] -> Gemm [8, 10], timed as process CPU time (every thread: the kernels' pool).
 *
 * <p>Not part of the build. Run (see docs/ONNX.md, "Speed of the typed path"):
 * <pre>
 * mvn -o -q dependency:build-classpath -pl convnet4j-io -Dmdep.outputFile=/tmp/cp.txt   # after a build
 * CP=convnet4j-io/target/classes:convnet4j-core/target/classes:$(cat /tmp/cp.txt)
 * javac -d /tmp/typedspeed -cp $CP tools/onnx/TypedSpeed.java
 * java --add-modules jdk.incubator.vector -cp /tmp/typedspeed:$CP org.convnet4j.io.onnx.TypedSpeed 3 7
 * </pre>
 */
public final class TypedSpeed {
    static Attribute ints(String name, long... v) {
        return new Attribute(name, Attribute.INTS, 0, 0, null, null, null, v, null);
    }

    static TensorData rnd(String name, SplittableRandom r, long... dims) {
        int n = 1;
        for (long d : dims) {
            n *= (int) d;
        }
        float[] v = new float[n];
        for (int k = 0; k < n; k++) {
            v[k] = (float) r.nextDouble(-0.3, 0.3);
        }
        return new TensorData(name, OnnxModel.FLOAT, dims, v, null);
    }

    public static void main(String[] args) {
        int warm = Integer.parseInt(args[0]);
        int reps = Integer.parseInt(args[1]);
        SplittableRandom r = new SplittableRandom(7);
        List<Node> nodes = List.of(
                new Node("conv", "Conv", "", List.of("x", "W", "B"), List.of("c"), Map.of("pads",
                        ints("pads", 1, 1, 1, 1, 1, 1))),
                new Node("relu", "Relu", "", List.of("c"), List.of("r"), Map.of()),
                new Node("pool", "MaxPool", "", List.of("r"), List.of("p"), Map.of("kernel_shape",
                        ints("kernel_shape", 2, 2, 2), "strides", ints("strides", 2, 2, 2))),
                new Node("flat", "Flatten", "", List.of("p"), List.of("f"), Map.of()),
                new Node("fc", "Gemm", "", List.of("f", "F", "C"), List.of("y"), Map.of("transB",
                        new Attribute("transB", Attribute.INT, 0, 1, null, null, null, null, null))));
        OnnxModel.Model m = new OnnxModel.Model(8, Map.of("", 13L), "speed", "", new OnnxModel.Graph("speed", nodes,
                List.of(rnd("W", r, 8, 1, 3, 3, 3), rnd("B", r, 8), rnd("F", r, 10, 2048), rnd("C", r, 10)),
                List.of(new ValueInfo("x", OnnxModel.FLOAT, new long[] {8, 1, 8, 16, 16}, true)),
                List.of(new ValueInfo("y", OnnxModel.FLOAT, new long[] {8, 10}, true)), List.of()));
        OnnxProgram p = OnnxImporter.importProgram(m, "speed");
        System.out.println(p);
        TensorData x = rnd("x", r, 8, 1, 8, 16, 16);
        float[] g = new float[80];
        java.util.Arrays.fill(g, 0.1f);
        ThreadMXBean bean = ManagementFactory.getThreadMXBean();
        double[] fwd = new double[reps];
        double[] both = new double[reps];
        for (int i = -warm; i < reps; i++) {
            long t0 = bean.getCurrentThreadCpuTime();
            p.run(List.of(x));
            long t1 = bean.getCurrentThreadCpuTime();
            p.parameters().forEach(Parameter::zeroGrad);
            p.forwardForTraining(List.of(x));
            p.backward(List.of(new TensorData("dy", OnnxModel.FLOAT, new long[] {8, 10}, g, null)));
            long t2 = bean.getCurrentThreadCpuTime();
            if (i >= 0) {
                fwd[i] = (t1 - t0) / 1e6;
                both[i] = (t2 - t1) / 1e6;
            }
        }
        // the float layers on the same multiply-adds (2-D: 3 input channels x 3 x 3 = 27 taps, 2,048 positions)
        List<Node> flat = List.of(
                new Node("conv", "Conv", "", List.of("x", "W", "B"), List.of("c"), Map.of("pads",
                        ints("pads", 1, 1, 1, 1))),
                new Node("relu", "Relu", "", List.of("c"), List.of("r"), Map.of()),
                new Node("pool", "MaxPool", "", List.of("r"), List.of("p"), Map.of("kernel_shape",
                        ints("kernel_shape", 2, 2), "strides", ints("strides", 2, 2))),
                new Node("flat", "Flatten", "", List.of("p"), List.of("f"), Map.of()),
                new Node("fc", "Gemm", "", List.of("f", "F", "C"), List.of("y"), Map.of("transB",
                        new Attribute("transB", Attribute.INT, 0, 1, null, null, null, null, null))));
        OnnxModel.Model m2 = new OnnxModel.Model(8, Map.of("", 13L), "speed2d", "", new OnnxModel.Graph("speed2d",
                flat, List.of(rnd("W", r, 8, 3, 3, 3), rnd("B", r, 8), rnd("F", r, 10, 4096), rnd("C", r, 10)),
                List.of(new ValueInfo("x", OnnxModel.FLOAT, new long[] {8, 3, 32, 64}, true)),
                List.of(new ValueInfo("y", OnnxModel.FLOAT, new long[] {8, 10}, true)), List.of()));
        OnnxProgram p2 = OnnxImporter.importProgram(m2, "speed2d");
        System.out.println(p2);
        TensorData x2 = rnd("x", r, 8, 3, 32, 64);
        com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        double[] fwd2 = new double[reps];
        double[] both2 = new double[reps];
        for (int i = -warm; i < reps; i++) {
            // 20 passes per measurement: the process CPU clock ticks in 10 ms
            long t0 = os.getProcessCpuTime();
            for (int k = 0; k < 20; k++) {
                p2.run(List.of(x2));
            }
            long t1 = os.getProcessCpuTime();
            for (int k = 0; k < 20; k++) {
                p2.graph().namedParameters().values().forEach(Parameter::zeroGrad);
                p2.forwardForTraining(List.of(x2));
                p2.backward(List.of(new TensorData("dy", OnnxModel.FLOAT, new long[] {8, 10}, g, null)));
            }
            long t2 = os.getProcessCpuTime();
            if (i >= 0) {
                fwd2[i] = (t1 - t0) / 20e6;
                both2[i] = (t2 - t1) / 20e6;
            }
        }
        java.util.Arrays.sort(fwd2);
        java.util.Arrays.sort(both2);
        double macs2 = 8 * (8.0 * 32 * 64 * 27 + 4096 * 10);
        System.out.printf("float layers, forward: median %.1f ms process CPU (min %.1f, max %.1f), %.1f M"
                + " multiply-adds/s%n", fwd2[reps / 2], fwd2[0], fwd2[reps - 1], macs2 / fwd2[reps / 2] / 1e3);
        System.out.printf("float layers, forward + backward: median %.1f ms process CPU (min %.1f, max %.1f)%n",
                both2[reps / 2], both2[0], both2[reps - 1]);
        java.util.Arrays.sort(fwd);
        java.util.Arrays.sort(both);
        // multiply-adds per pass: Conv 8 x 8*16*16 outputs x 27 taps, Gemm 2048 x 10, per sample, 8 samples
        double macs = 8 * (8.0 * 8 * 16 * 16 * 27 + 2048 * 10);
        System.out.printf("forward: median %.1f ms CPU (min %.1f, max %.1f), %.1f M multiply-adds/s%n", fwd[reps / 2],
                fwd[0], fwd[reps - 1], macs / fwd[reps / 2] / 1e3);
        System.out.printf("forward + backward: median %.1f ms CPU (min %.1f, max %.1f)%n", both[reps / 2], both[0],
                both[reps - 1]);
    }
}

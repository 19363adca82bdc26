package org.convnet4j.io.onnx;

import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.convnet4j.io.onnx.OnnxModel.Attribute;
import org.convnet4j.io.onnx.OnnxModel.Node;
import org.convnet4j.io.onnx.OnnxModel.ValueInfo;
import org.convnet4j.nn.Parameter;

/**
 * Typed-path speed: x [8, 1, 8, 16, 16] -> Conv 3-D 8 filters 3x3x3 pad 1 -> Relu -> MaxPool 2x2x2 -> Flatten
 * [8, 2048] -> Gemm (transB) [8, 10], every node on the typed path, twice: with FLOAT values (Conv and Gemm on the
 * float32 route, the engine's SGEMM) and with the same values as DOUBLE (the typed path's double loops, which FLOAT
 * values took before the float32 route). For comparison, the same multiply-adds on the float layers: x [8, 3, 32,
 * 64] -> Conv 2-D 8 filters 3x3 pad 1 -> Relu -> MaxPool 2x2 -> Flatten [8, 4096] -> Gemm [8, 10]. Every figure is
 * process CPU time (every thread: the kernels' pool too) per pass, the median of R measurements of P passes each
 * (default 100; P / 10 for the double loops) after W warm-up measurements: {@code TypedSpeed W R [P]}. Last, a
 * 3-D decoder step on FLOAT values (ConvTranspose 8 -> 4 channels, kernel 3, stride 2, [8, 8, 4, 8, 8] to
 * [8, 4, 8, 16, 16], Relu, Flatten, Gemm to 10), P passes per measurement.
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

    /** Random values in [-0.3, 0.3) rounded to float32, as FLOAT or (the same values) DOUBLE. */
    static TensorData rnd(String name, SplittableRandom r, int type, long... dims) {
        int n = 1;
        for (long d : dims) {
            n *= (int) d;
        }
        double[] v = new double[n];
        for (int k = 0; k < n; k++) {
            v[k] = (float) r.nextDouble(-0.3, 0.3);
        }
        return data(name, type, v, dims);
    }

    static TensorData data(String name, int type, double[] v, long... dims) {
        if (type == OnnxModel.DOUBLE) {
            return TensorData.ofDoubles(name, v, dims);
        }
        float[] f = new float[v.length];
        for (int k = 0; k < f.length; k++) {
            f[k] = (float) v[k];
        }
        return new TensorData(name, OnnxModel.FLOAT, dims, f, null);
    }

    static List<Node> nodes(int rank) {
        long[] pads = new long[2 * rank];
        java.util.Arrays.fill(pads, 1);
        long[] two = new long[rank];
        java.util.Arrays.fill(two, 2);
        return List.of(
                new Node("conv", "Conv", "", List.of("x", "W", "B"), List.of("c"), Map.of("pads", ints("pads", pads))),
                new Node("relu", "Relu", "", List.of("c"), List.of("r"), Map.of()),
                new Node("pool", "MaxPool", "", List.of("r"), List.of("p"), Map.of("kernel_shape",
                        ints("kernel_shape", two), "strides", ints("strides", two))),
                new Node("flat", "Flatten", "", List.of("p"), List.of("f"), Map.of()),
                new Node("fc", "Gemm", "", List.of("f", "F", "C"), List.of("y"), Map.of("transB",
                        new Attribute("transB", Attribute.INT, 0, 1, null, null, null, null, null))));
    }

    /** The 3-D program on the typed path with values of {@code type}; seed 7 gives both types the same values. */
    static OnnxProgram typed(int type) {
        SplittableRandom r = new SplittableRandom(7);
        OnnxModel.Model m = new OnnxModel.Model(8, Map.of("", 13L), "speed", "", new OnnxModel.Graph("speed", nodes(3),
                List.of(rnd("W", r, type, 8, 1, 3, 3, 3), rnd("B", r, type, 8), rnd("F", r, type, 10, 2048),
                        rnd("C", r, type, 10)),
                List.of(new ValueInfo("x", type, new long[] {8, 1, 8, 16, 16}, true)),
                List.of(new ValueInfo("y", type, new long[] {8, 10}, true)), List.of()));
        return OnnxImporter.importProgram(m, "speed");
    }

    /** Median process CPU ms per pass of {forward, forward + backward}. */
    static double[] measure(OnnxProgram p, TensorData x, TensorData dy, Iterable<Parameter> params, int warm,
                            int reps, int passes) {
        com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        double[] fwd = new double[reps];
        double[] both = new double[reps];
        for (int i = -warm; i < reps; i++) {
            // several passes per measurement: the process CPU clock ticks in 10 ms
            long t0 = os.getProcessCpuTime();
            for (int k = 0; k < passes; k++) {
                p.run(List.of(x));
            }
            long t1 = os.getProcessCpuTime();
            for (int k = 0; k < passes; k++) {
                params.forEach(Parameter::zeroGrad);
                p.forwardForTraining(List.of(x));
                p.backward(List.of(dy));
            }
            long t2 = os.getProcessCpuTime();
            if (i >= 0) {
                fwd[i] = (t1 - t0) / (passes * 1e6);
                both[i] = (t2 - t1) / (passes * 1e6);
            }
        }
        java.util.Arrays.sort(fwd);
        java.util.Arrays.sort(both);
        return new double[] {fwd[reps / 2], both[reps / 2], fwd[0], fwd[reps - 1], both[0], both[reps - 1]};
    }

    public static void main(String[] args) {
        int warm = Integer.parseInt(args[0]);
        int reps = Integer.parseInt(args[1]);
        int passes = args.length > 2 ? Integer.parseInt(args[2]) : 100; // per measurement; the double loops: / 10
        double[] g = new double[80];
        java.util.Arrays.fill(g, 0.1);
        // multiply-adds per pass: Conv 8 x 8*16*16 outputs x 27 taps, Gemm 2048 x 10, per sample, 8 samples
        double macs = 8 * (8.0 * 8 * 16 * 16 * 27 + 2048 * 10);
        // the float layers: 2-D, 3 input channels x 3 x 3 = 27 taps, 2,048 positions, Gemm 4096 x 10
        double macs2 = 8 * (8.0 * 32 * 64 * 27 + 4096 * 10);
        SplittableRandom r2 = new SplittableRandom(9);
        OnnxModel.Model m2 = new OnnxModel.Model(8, Map.of("", 13L), "speed2d", "", new OnnxModel.Graph("speed2d",
                nodes(2), List.of(rnd("W", r2, OnnxModel.FLOAT, 8, 3, 3, 3), rnd("B", r2, OnnxModel.FLOAT, 8),
                        rnd("F", r2, OnnxModel.FLOAT, 10, 4096), rnd("C", r2, OnnxModel.FLOAT, 10)),
                List.of(new ValueInfo("x", OnnxModel.FLOAT, new long[] {8, 3, 32, 64}, true)),
                List.of(new ValueInfo("y", OnnxModel.FLOAT, new long[] {8, 10}, true)), List.of()));
        OnnxProgram p2 = OnnxImporter.importProgram(m2, "speed2d");
        System.out.println(p2);
        double[] layers = measure(p2, rnd("x", r2, OnnxModel.FLOAT, 8, 3, 32, 64), data("dy", OnnxModel.FLOAT, g, 8,
                10), p2.graph().namedParameters().values(), warm, reps, passes);
        report("float layers", layers, macs2, layers, macs2);
        for (int type : new int[] {OnnxModel.FLOAT, OnnxModel.DOUBLE}) {
            OnnxProgram p = typed(type);
            System.out.println(p);
            TensorData x = rnd("x", new SplittableRandom(11), type, 8, 1, 8, 16, 16);
            double[] t = measure(p, x, data("dy", type, g, 8, 10), p.parameters(), warm, reps,
                    type == OnnxModel.FLOAT ? passes : Math.max(1, passes / 10));
            report(type == OnnxModel.FLOAT ? "typed FLOAT (float32 route)" : "typed DOUBLE (double loops)", t, macs,
                    layers, macs2);
        }
        // a 3-D decoder step: ConvTranspose 8 -> 4 channels, kernel 3, stride 2 (pads 1, output_padding 1) from
        // [8, 8, 4, 8, 8] to [8, 4, 8, 16, 16], Relu, Flatten, Gemm to 10; FLOAT values
        SplittableRandom r3 = new SplittableRandom(13);
        long[] ones = {1, 1, 1, 1, 1, 1};
        List<Node> dec = List.of(
                new Node("up", "ConvTranspose", "", List.of("x", "W", "B"), List.of("c"), Map.of("pads",
                        ints("pads", ones), "strides", ints("strides", 2, 2, 2), "output_padding",
                        ints("output_padding", 1, 1, 1))),
                new Node("relu", "Relu", "", List.of("c"), List.of("r"), Map.of()),
                new Node("flat", "Flatten", "", List.of("r"), List.of("f"), Map.of()),
                new Node("fc", "Gemm", "", List.of("f", "F", "C"), List.of("y"), Map.of("transB",
                        new Attribute("transB", Attribute.INT, 0, 1, null, null, null, null, null))));
        OnnxModel.Model m3 = new OnnxModel.Model(8, Map.of("", 13L), "decoder", "", new OnnxModel.Graph("decoder", dec,
                List.of(rnd("W", r3, OnnxModel.FLOAT, 8, 4, 3, 3, 3), rnd("B", r3, OnnxModel.FLOAT, 4),
                        rnd("F", r3, OnnxModel.FLOAT, 10, 8192), rnd("C", r3, OnnxModel.FLOAT, 10)),
                List.of(new ValueInfo("x", OnnxModel.FLOAT, new long[] {8, 8, 4, 8, 8}, true)),
                List.of(new ValueInfo("y", OnnxModel.FLOAT, new long[] {8, 10}, true)), List.of()));
        OnnxProgram p3 = OnnxImporter.importProgram(m3, "decoder");
        System.out.println(p3);
        double macs3 = 8 * (256.0 * 8 * 4 * 27 + 8192 * 10);
        double[] t3 = measure(p3, rnd("x", r3, OnnxModel.FLOAT, 8, 8, 4, 8, 8), data("dy", OnnxModel.FLOAT, g, 8, 10),
                p3.parameters(), warm, reps, passes);
        report("typed FLOAT ConvTranspose decoder", t3, macs3, layers, macs2);
    }

    static void report(String what, double[] t, double macs, double[] layers, double layerMacs) {
        System.out.printf("%s: forward median %.2f ms (min %.2f, max %.2f), %.1f M multiply-adds/s, %.1fx the float"
                + " layers' CPU per multiply-add%n", what, t[0], t[2], t[3], macs / t[0] / 1e3,
                (t[0] / macs) / (layers[0] / layerMacs));
        System.out.printf("%s: forward + backward median %.2f ms (min %.2f, max %.2f), %.1fx the float layers' CPU per"
                + " multiply-add%n", what, t[1], t[4], t[5], (t[1] / macs) / (layers[1] / layerMacs));
    }
}

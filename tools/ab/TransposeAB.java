import java.lang.management.ManagementFactory;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

/** ConvNeXt's transposes ([C,H,W] -> [H,W,C] and back, the four stages), before/after core classes in one JVM. */
public class TransposeAB {
    public static void main(String[] a) throws Exception {
        int reps = Integer.parseInt(a[0]);
        int[][] shapes = {{96, 56, 56}, {192, 28, 28}, {384, 14, 14}, {768, 7, 7}};
        int sides = a.length - 1;
        Object[][] layers = new Object[sides][8];
        Object[][] inputs = new Object[sides][8];
        Method[] fwd = new Method[sides];
        Method[] step = new Method[sides];
        boolean inStep = Boolean.getBoolean("ab.step");
        for (int s = 0; s < sides; s++) {
            ClassLoader l = new URLClassLoader(new URL[] {Path.of(a[1 + s]).toUri().toURL()},
                    ClassLoader.getPlatformClassLoader());
            Class<?> tr = l.loadClass("org.convnet4j.nn.layers.Transpose");
            Class<?> tensor = l.loadClass("org.convnet4j.tensor.Tensor");
            fwd[s] = tr.getMethod("forward", tensor, boolean.class);
            step[s] = l.loadClass("org.convnet4j.nn.StepBuffers").getMethod("step", Runnable.class);
            Method randn = tensor.getMethod("randn", Random.class, float.class, int[].class);
            for (int k = 0; k < 4; k++) {
                int[] c = shapes[k];
                layers[s][2 * k] = tr.getConstructor(int[].class).newInstance((Object) new int[] {1, 2, 0});
                inputs[s][2 * k] = randn.invoke(null, new Random(k), 1f, new int[] {1, c[0], c[1], c[2]});
                layers[s][2 * k + 1] = tr.getConstructor(int[].class).newInstance((Object) new int[] {2, 0, 1});
                inputs[s][2 * k + 1] = randn.invoke(null, new Random(k), 1f, new int[] {1, c[1], c[2], c[0]});
            }
        }
        var bean = ManagementFactory.getThreadMXBean();
        double[][] ms = new double[sides][reps];
        for (int i = -20; i < reps; i++) {
            for (int j = 0; j < sides; j++) {
                int s = (i + 100 * sides + j) % sides;
                long t = bean.getCurrentThreadCpuTime();
                for (int k = 0; k < 8; k++) { // one pass's worth: stage 1..4 blocks 3, 3, 9, 3, each to and back
                    int times = k / 2 == 2 ? 9 : 3;
                    for (int r = 0; r < times; r++) {
                        Object layer = layers[s][k];
                        Object in = inputs[s][k];
                        Method f = fwd[s];
                        Runnable call = () -> {
                            try {
                                f.invoke(layer, in, false);
                            } catch (ReflectiveOperationException e) {
                                throw new RuntimeException(e);
                            }
                        };
                        if (inStep) {
                            step[s].invoke(null, call);
                        } else {
                            call.run();
                        }
                    }
                }
                if (i >= 0) {
                    ms[s][i] = (bean.getCurrentThreadCpuTime() - t) / 1e6;
                }
            }
        }
        for (int s = 0; s < sides; s++) {
            double[] v = ms[s].clone();
            Arrays.sort(v);
            System.out.printf("%s: ConvNeXt-Tiny's 36 transposes, CPU per pass median %.2f ms, min %.2f, mean %.2f (%d)%n",
                    a[1 + s], v[reps / 2], v[0], Arrays.stream(v).average().orElse(0), reps);
        }
    }
}

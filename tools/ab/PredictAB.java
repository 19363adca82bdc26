import java.lang.management.ManagementFactory;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

/**
 * A/B in ONE JVM: each side's core classes in its own class loader (with the same io/bench classes), the same c4j
 * loaded by both, Model.predict passes alternated side by side; CPU time of the calling thread per pass.
 * args: c4j passes side-folder... (each a core classes folder)
 */
public class PredictAB {
    public static void main(String[] a) throws Exception {
        int passes = Integer.parseInt(a[1]);
        int sides = a.length - 2;
        String[] rest = System.getProperty("ab.cp").split(":");
        Object[] models = new Object[sides];
        Object[] inputs = new Object[sides];
        Method[] predict = new Method[sides];
        for (int s = 0; s < sides; s++) {
            URL[] urls = new URL[1 + rest.length];
            urls[0] = Path.of(a[2 + s]).toUri().toURL();
            for (int i = 0; i < rest.length; i++) {
                urls[1 + i] = Path.of(rest[i]).toUri().toURL();
            }
            ClassLoader l = new URLClassLoader(urls, ClassLoader.getPlatformClassLoader());
            Class<?> mf = l.loadClass("org.convnet4j.model.ModelFiles");
            models[s] = mf.getMethod("load", Path.class).invoke(null, Path.of(a[0]));
            Class<?> model = l.loadClass("org.convnet4j.nn.Model");
            Class<?> tensor = l.loadClass("org.convnet4j.tensor.Tensor");
            Object shape = ((java.util.List<?>) model.getMethod("inputShapes").invoke(models[s])).get(0);
            int[] dims = (int[]) shape.getClass().getMethod("dims").invoke(shape.getClass().getMethod("prepend", int.class).invoke(shape, 1));
            inputs[s] = tensor.getMethod("randn", Random.class, float.class, int[].class).invoke(null, new Random(1), 1f, dims);
            predict[s] = model.getMethod("predict", tensor);
        }
        var bean = ManagementFactory.getThreadMXBean();
        for (int w = 0; w < 3; w++) {
            for (int s = 0; s < sides; s++) {
                predict[s].invoke(models[s], inputs[s]);
            }
        }
        double[][] ms = new double[sides][passes];
        for (int i = 0; i < passes; i++) {
            for (int k = 0; k < sides; k++) {
                int s = (i + k) % sides; // who goes first alternates
                long t = bean.getCurrentThreadCpuTime();
                predict[s].invoke(models[s], inputs[s]);
                ms[s][i] = (bean.getCurrentThreadCpuTime() - t) / 1e6;
            }
        }
        for (int s = 0; s < sides; s++) {
            double[] v = ms[s].clone();
            Arrays.sort(v);
            System.out.printf("%s: predict CPU per pass mean %.1f ms, median %.1f, min %.1f, max %.1f (%d passes)%n",
                    a[2 + s], Arrays.stream(v).average().orElse(0), v[passes / 2], v[0], v[passes - 1], passes);
        }
    }
}

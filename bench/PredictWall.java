// W7 at several batch sizes, convnet4j's side: wall-clock images/s of Model.predict on a saved model (an ONNX import),
// median of 7 windows of >= 1 s after 3 s of warm-up, the engine's default threads (all cores, as PyTorch's side).
//   java -Xmx2g --add-modules jdk.incubator.vector -cp convnet4j-bench/target/benchmarks.jar bench/PredictWall.java \
//        MODEL.c4j BATCH NAME
// Prints one tab-separated line: W7_<NAME>_INFER_convnet4j_b<BATCH>, images/s, notes.
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;
import org.convnet4j.model.ModelFiles;
import org.convnet4j.nn.Model;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.tensor.kernels.KernelProvider;

public class PredictWall {
    public static void main(String[] a) throws Exception {
        KernelProvider.installJitDirectives();
        Model model = ModelFiles.read(Path.of(a[0])).model();
        int batch = Integer.parseInt(a[1]);
        Tensor x = Tensor.randn(new Random(0), 1f, model.inputShapes().get(0).prepend(batch).dims());
        long warm = System.nanoTime() + 3_000_000_000L;
        while (System.nanoTime() < warm) {
            model.predict(x);
        }
        double[] rates = new double[7];
        for (int w = 0; w < rates.length; w++) {
            long t0 = System.nanoTime();
            long calls = 0;
            long elapsed;
            do {
                model.predict(x);
                calls++;
                elapsed = System.nanoTime() - t0;
            } while (elapsed < 1_000_000_000L);
            rates[w] = batch * calls / (elapsed / 1e9);
        }
        Arrays.sort(rates);
        System.out.printf(Locale.ROOT, "W7_%s_INFER_convnet4j_b%d\t%.2f\timages/s median of 7 (range %.2f..%.2f); "
                + "predict, %d threads%n", a[2].toUpperCase(Locale.ROOT), batch, rates[3], rates[0], rates[6],
                KernelProvider.get().threads());
    }
}

// The picture endpoint's work before the model, alone: decode a picture's bytes (Images.read, what the server's
// PictureDecoder calls) and apply a model's preprocessing, in rounds on one thread; prints the thread's CPU time
// per picture in each round (ThreadMXBean, so a loaded machine changes it less than wall time). Run it on two jars
// alternately for an A/B:
//   java --add-modules jdk.incubator.vector -cp JAR bench/DecodeCpu.java MODEL_FILE PICTURE ROUNDS SECONDS
// e.g. /tmp/c4j-perf/lenet5.c4j /tmp/c4j-perf/lenet5/picture.png 5 4 (files from bench/ServeLoadTool.java models
// and bodies).
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.convnet4j.image.Images;
import org.convnet4j.model.ModelFiles;
import org.convnet4j.model.SavedModel;
import org.convnet4j.tensor.Tensor;

public class DecodeCpu {
    public static void main(String[] args) throws Exception {
        SavedModel saved = ModelFiles.read(Path.of(args[0]));
        byte[] picture = Files.readAllBytes(Path.of(args[1]));
        int rounds = Integer.parseInt(args[2]);
        double seconds = Double.parseDouble(args[3]);
        var threads = ManagementFactory.getThreadMXBean();
        double sink = 0;
        StringBuilder decodeOnly = new StringBuilder();
        StringBuilder both = new StringBuilder();
        for (int r = 0; r < rounds; r++) {
            for (boolean prepare : new boolean[] {false, true}) {
                long cpu0 = threads.getCurrentThreadCpuTime();
                long end = System.nanoTime() + (long) (seconds * 1e9);
                long n = 0;
                while (System.nanoTime() < end) {
                    Tensor x = Images.read(picture, "picture", 100_000_000L);
                    if (prepare) {
                        x = saved.preprocessing().apply(x);
                    }
                    sink += x.data()[0];
                    n++;
                }
                double ms = (threads.getCurrentThreadCpuTime() - cpu0) / 1e6 / n;
                (prepare ? both : decodeOnly).append(String.format(Locale.ROOT, " %.3f", ms));
            }
        }
        System.out.println("decode, CPU ms per picture by round:" + decodeOnly);
        System.out.println("decode + preprocessing, CPU ms per picture by round:" + both);
        System.out.println("(checksum " + sink + ")");
    }
}

// The v2 endpoint's work before the model, alone: InferenceProtocol.parseRequest on a request body (what the server
// runs on the selector thread or a resumed connection's thread), in rounds on one thread; prints the thread's CPU
// time per body in each round (ThreadMXBean, so a loaded machine changes it less than wall time). Run it on two
// jars alternately for an A/B:
//   java --add-modules jdk.incubator.vector -cp JAR bench/ParseCpu.java BODY JSON_LENGTH ROUNDS SECONDS
// JSON_LENGTH -1 for a JSON body, else the body's Inference-Header-Content-Length (the .len file beside a .bin body);
// e.g. /tmp/c4j-perf/lenet5/valid1.json -1 5 3 (bodies from bench/ServeLoadTool.java bodies). The model's input
// is taken as [1, 28, 28] (LeNet-5's).
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.convnet4j.serve.InferenceProtocol;
import org.convnet4j.tensor.Shape;

public class ParseCpu {
    public static void main(String[] args) throws Exception {
        byte[] body = Files.readAllBytes(Path.of(args[0]));
        int jsonLength = Integer.parseInt(args[1]);
        int rounds = Integer.parseInt(args[2]);
        double seconds = Double.parseDouble(args[3]);
        var threads = ManagementFactory.getThreadMXBean();
        double sink = 0;
        StringBuilder out = new StringBuilder();
        for (int r = 0; r < rounds; r++) {
            long cpu0 = threads.getCurrentThreadCpuTime();
            long end = System.nanoTime() + (long) (seconds * 1e9);
            long n = 0;
            while (System.nanoTime() < end) {
                for (int i = 0; i < 100; i++) {
                    sink += InferenceProtocol.parseRequest(body, jsonLength, Shape.of(1, 28, 28), 64).input().data()[i];
                }
                n += 100;
            }
            out.append(String.format(Locale.ROOT, " %.2f", (threads.getCurrentThreadCpuTime() - cpu0) / 1e3 / n));
        }
        System.out.println("parseRequest, CPU us per body by round:" + out);
        System.out.println("(checksum " + sink + ")");
    }
}

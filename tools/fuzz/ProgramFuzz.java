import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.convnet4j.io.onnx.OnnxImporter;
import org.convnet4j.io.onnx.OnnxModel;
import org.convnet4j.io.onnx.OnnxProgram;
import org.convnet4j.io.onnx.OnnxReader;
import org.convnet4j.io.onnx.TensorData;

/**
 * ONNX programs fuzzed through the library (issue 15): `convnet4j infer` takes float inputs only, so a program whose
 * second stage is sized by integer inputs (onnx_runtime_values/*) never runs from the command line; here each case
 * folder of tools/fuzz/onnx_programs.py is read (OnnxReader.readModel), imported as a program
 * (OnnxImporter.importProgram), run on its inputs (OnnxProgram.run), and, when that works, run in training mode and
 * back (forwardForTraining, backward with ones for every float output). A case passes when it works or is refused
 * with an IOException or IllegalArgumentException whose message is one line; any other exception or error
 * (OutOfMemoryError, StackOverflowError, NullPointerException, IndexOutOfBounds..., ArithmeticException) or a run
 * over 60 s is a finding, written to OUT/findings/ with its case.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -Xss4m -Xmx1g -Dconvnet4j.maxInputBytes=512m \
 *     -cp convnet4j-cli/target/convnet4j.jar tools/fuzz/ProgramFuzz.java OUT CASEDIR...
 * </pre>
 */
public class ProgramFuzz {
    static final ExecutorService RUNNER = Executors.newSingleThreadExecutor(t -> {
        Thread th = new Thread(t, "program-fuzz");
        th.setDaemon(true);
        return th;
    });

    public static void main(String[] a) throws Exception {
        Path out = Files.createDirectories(Path.of(a[0]).resolve("findings"));
        Map<String, Integer> counts = new TreeMap<>();
        double worst = 0;
        int n = a.length - 1;
        for (int i = 1; i < a.length; i++) {
            Path c = Path.of(a[i]);
            long t0 = System.nanoTime();
            Future<String> f = RUNNER.submit(() -> one(c));
            String verdict;
            String detail = "";
            try {
                verdict = f.get(60, TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                verdict = "FINDING timeout";
                f.cancel(true);
            } catch (java.util.concurrent.ExecutionException e) {
                Throwable t = e.getCause();
                verdict = "FINDING " + t.getClass().getSimpleName();
                java.io.StringWriter w = new java.io.StringWriter();
                t.printStackTrace(new java.io.PrintWriter(w));
                detail = w.toString();
            }
            worst = Math.max(worst, (System.nanoTime() - t0) / 1e9);
            counts.merge(verdict, 1, Integer::sum);
            if (verdict.startsWith("FINDING")) {
                Path keep = Files.createDirectories(out.resolve(c.getFileName().toString()));
                try (var s = Files.list(c)) {
                    for (Path p : s.toList()) {
                        Files.copy(p, keep.resolve(p.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                    }
                }
                Files.writeString(keep.resolve("finding.txt"), verdict + "\n" + detail);
                if (verdict.contains("timeout")) {
                    System.out.println("timeout: the run thread is left behind; stopping");
                    break;
                }
            }
            if ((i) % 50 == 0 || i == n) {
                System.out.printf(Locale.ROOT, "programs %d/%d %s worst %.1f s%n", i, n, counts, worst);
            }
        }
        System.exit(0);
    }

    /** "works ..." or "refused ..."; throws what is a finding. */
    static String one(Path c) throws Exception {
        List<TensorData> feed = new ArrayList<>();
        OnnxProgram p;
        try {
            OnnxModel.Model m = OnnxReader.readModel(c.resolve("model.onnx"));
            for (int j = 0; Files.exists(c.resolve("input_" + j + ".pb")); j++) {
                feed.add(OnnxReader.readTensor(c.resolve("input_" + j + ".pb")));
            }
            p = OnnxImporter.importProgram(m, c.toString());
        } catch (IOException | IllegalArgumentException e) {
            return refused(e);
        }
        List<TensorData> outs;
        try {
            outs = p.run(feed);
        } catch (IllegalArgumentException e) {
            return refused(e);
        }
        try {
            List<TensorData> train = p.forwardForTraining(feed);
            List<TensorData> grads = new ArrayList<>();
            for (TensorData o : train) {
                if (o.floats() != null && o.floats().length > (1 << 24)) {
                    return "works (run; output too large for this harness's gradient of ones)";
                }
                grads.add(o.floats() == null ? null : TensorData.of(o.name(), org.convnet4j.tensor.Tensor.full(
                        org.convnet4j.tensor.Shape.of(java.util.Arrays.stream(o.dims()).mapToInt(d -> (int) d)
                                .toArray()), 1f)));
            }
            p.backward(grads);
            return "works (run and backward)";
        } catch (IllegalArgumentException | IllegalStateException e) {
            refused(e);
            return "works (run; training refused)";
        }
    }

    static String refused(Exception e) {
        String m = String.valueOf(e.getMessage());
        if (Boolean.getBoolean("fuzz.print")) {
            System.out.println("  refused: " + m);
        }
        if (m.contains("\n") || m.isBlank()) {
            throw new IllegalStateException("a refusal of more or less than one line: " + m, e);
        }
        return "refused";
    }
}

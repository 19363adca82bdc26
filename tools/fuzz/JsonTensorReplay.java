import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import org.convnet4j.io.OnnxInputs;
import org.convnet4j.io.onnx.TensorData;

/**
 * Replays JSON tensor files through {@code OnnxInputs.read} (the reader of {@code infer --input x.json}) and sorts the
 * outcomes: read (with its type and shape), refused in one clean line starting with the file, or anything else (a
 * refusal without the file, on several lines or with control characters; another exception; an error).
 *
 * <pre>
 * java -cp convnet4j.jar tools/fuzz/JsonTensorReplay.java FILE...      (docs/ROBUSTNESS.md, "The JSON tensor reader")
 * </pre>
 */
public class JsonTensorReplay {
    public static void main(String[] args) throws Exception {
        TreeMap<String, Integer> counts = new TreeMap<>();
        List<String> lines = new ArrayList<>();
        Path dir = Files.createTempDirectory("json-replay");
        for (String a : args) {
            Path f = dir.resolve("t.json"); // the suffix the reader goes by
            Files.copy(Path.of(a), f, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            String outcome;
            String detail;
            try {
                TensorData t = OnnxInputs.read(f);
                outcome = "read";
                detail = "type " + t.dataType() + " dims " + java.util.Arrays.toString(t.dims());
            } catch (java.io.IOException | IllegalArgumentException e) {
                String m = String.valueOf(e.getMessage());
                boolean clean = m.chars().noneMatch(c -> c < 0x20 || (c >= 0x7f && c <= 0x9f));
                outcome = m.startsWith(f + ": ") && clean ? "refused, one clean line naming the file"
                        : "refused, but not one clean line naming the file";
                detail = e.getClass().getSimpleName() + ": " + m.replace(f.toString(), "FILE");
            } catch (Throwable e) {
                outcome = "other: " + e.getClass().getSimpleName();
                detail = String.valueOf(e.getMessage());
            }
            counts.merge(outcome, 1, Integer::sum);
            String shown = detail.length() > 160 ? detail.substring(0, 160) + "..." : detail;
            lines.add(Path.of(a).getFileName() + "\t" + outcome + "\t"
                    + shown.replaceAll("\\p{Cntrl}", "?"));
        }
        lines.forEach(System.out::println);
        System.out.println("TOTAL " + args.length + " " + counts);
        Files.deleteIfExists(dir.resolve("t.json"));
        Files.deleteIfExists(dir);
    }
}

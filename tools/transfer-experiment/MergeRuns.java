import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.convnet4j.charts.Charts;
import org.convnet4j.transfer.TransferExperiment;

/**
 * The accuracy chart of several `experiment transfer` runs of the same seed and base that split the sizes between
 * them (e.g. --sizes 10,100 and --sizes 400): each size is computed from the seed alone, so the runs' rows together
 * are the rows of one run with all the sizes. Draws the bars with the library's Charts.transferAccuracy, as
 * `experiment transfer` does (series "case LABEL", category "similar 10/class", rows ordered by target as listed in the
 * runs, then by size).
 * usage: java -cp convnet4j.jar tools/transfer-experiment/MergeRuns.java OUT.png RUN1/results.json RUN2/results.json ...
 */
public class MergeRuns {
    record Bar(int target, int perClass, int order, String series, String category, double value) {
    }

    public static void main(String[] args) throws Exception {
        List<String> targets = new ArrayList<>();
        List<Bar> bars = new ArrayList<>();
        for (int a = 1; a < args.length; a++) {
            JsonObject run = JsonParser.parseString(Files.readString(Path.of(args[a]))).getAsJsonObject();
            JsonArray rows = run.getAsJsonArray("rows");
            for (JsonElement e : rows) {
                JsonObject r = e.getAsJsonObject();
                String target = r.get("target").getAsString();
                if (!targets.contains(target)) {
                    targets.add(target);
                }
                int n = r.get("per_class").getAsInt();
                bars.add(new Bar(targets.indexOf(target), n, bars.size(), "case " + r.get("case").getAsString(),
                        (target.startsWith("similar") ? "similar " : "dissimilar ") + n + "/class",
                        r.get("test_accuracy").getAsDouble()));
            }
        }
        bars.sort(Comparator.comparingInt(Bar::target).thenComparingInt(Bar::perClass).thenComparingInt(Bar::order));
        // the library's chart, the one `experiment transfer` draws
        Charts.transferAccuracy(bars.stream().map(b -> new TransferExperiment.ChartValue(b.series(), b.category(),
                b.value())).toList(), Path.of(args[0]));
        System.out.println("wrote " + args[0] + ": " + bars.size() + " bars");
    }
}

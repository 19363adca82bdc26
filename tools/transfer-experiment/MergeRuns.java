import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import javax.imageio.ImageIO;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.data.category.DefaultCategoryDataset;

/**
 * The accuracy chart of several `experiment transfer` runs of the same seed and base that split the sizes between
 * them (e.g. --sizes 10,100 and --sizes 400): each size is computed from the seed alone, so the runs' rows together
 * are the rows of one run with all the sizes. Draws the bars exactly as ExperimentCommand does (series "case LABEL",
 * category "similar 10/class", rows ordered by target as listed in the runs, then by size).
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
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        bars.forEach(b -> data.addValue(b.value(), b.series(), b.category()));
        JFreeChart chart = ChartFactory.createBarChart("Transfer learning: held-out accuracy by case",
                "target and training images per class", "accuracy", data, PlotOrientation.VERTICAL, true, false, false);
        chart.setBackgroundPaint(Color.WHITE);
        org.jfree.chart.axis.CategoryAxis axis = chart.getCategoryPlot().getDomainAxis();
        axis.setMaximumCategoryLabelLines(2);
        axis.setMaximumCategoryLabelWidthRatio(1.0f);
        BufferedImage img = chart.createBufferedImage(1100, 500);
        ImageIO.write(img, "png", new File(args[0]));
        System.out.println("wrote " + args[0] + ": " + bars.size() + " bars");
    }
}

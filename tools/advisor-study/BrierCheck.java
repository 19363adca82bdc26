import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.convnet4j.data.Dataset;
import org.convnet4j.dataspec.DataSpec;
import org.convnet4j.model.ModelFiles;
import org.convnet4j.model.Preprocessing;
import org.convnet4j.nn.Sequential;
import org.convnet4j.transfer.FeatureCache;
import org.convnet4j.transfer.FineTuneSettings;
import org.convnet4j.transfer.Transfer;
import org.convnet4j.transfer.TransferAdvisor;
import org.convnet4j.transfer.TransferCase;
import org.convnet4j.transfer.TransferOptions;

/**
 * Does the library's {@code --try} (TransferAdvisor.heldOutAccuracy with its Brier scores, then choose) reproduce a
 * FoldTestStudy cell fold by fold? The cell is drawn as FoldTestStudy draws it; each case's fold runs are compared
 * with the rows' held_right and held_brier (the study scored pictures one at a time, the library in batches).
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp convnet4j.jar tools/advisor-study/BrierCheck.java \
 *     BASE.c4j SEED SPEC PER_CLASS ROWS.csv [cases 1,1-early,2,3,4]
 * </pre>
 */
public class BrierCheck {
    public static void main(String[] a) throws Exception {
        Sequential base = (Sequential) ModelFiles.load(Path.of(a[0]));
        long seed = Long.parseLong(a[1]);
        String spec = a[2];
        int perClass = Integer.parseInt(a[3]);
        List<String> cases = a.length > 5 ? List.of(a[5].split(",")) : List.of("1", "1-early", "2", "3", "4");
        List<String> lines = Files.readAllLines(Path.of(a[4]));
        List<String> h = List.of(lines.get(0).split(",", -1));
        Map<String, List<String[]>> rows = new LinkedHashMap<>();
        for (String line : lines.subList(1, lines.size())) {
            String[] r = line.split(",", -1);
            if (r[h.indexOf("target")].equals(spec) && r[h.indexOf("seed")].equals(Long.toString(seed))
                    && r[h.indexOf("per_class")].equals(Integer.toString(perClass))) {
                rows.computeIfAbsent(r[h.indexOf("case")], k -> new ArrayList<>()).add(r);
            }
        }
        Preprocessing prep = Preprocessing.forInput(base.inputShapes().get(0));
        DataSpec.Loaded full = DataSpec.of(spec).trainAndTest(prep, 42);
        Dataset train = DataSpec.perClass(full.train(), perClass, seed);
        TransferOptions o = TransferOptions.forClasses(train.classNames()).withSeed(seed);
        FineTuneSettings s = FineTuneSettings.defaults().withSeed(seed);
        FeatureCache cache = new FeatureCache(Path.of(a[4]).toAbsolutePath().resolveSibling("brier-check-cache"));
        List<TransferAdvisor.Trial> trials = new ArrayList<>();
        for (String label : cases) {
            TransferOptions lo = o.withCut(label.equals("1-early") ? Transfer.earlyCut(base)
                    : label.equals("1") ? Transfer.defaultCut(base) : null);
            TransferAdvisor.HeldOut ho = TransferAdvisor.heldOutAccuracy(base, TransferCase.of(label.charAt(0) - '0'),
                    lo, train, s, cache);
            trials.add(new TransferAdvisor.Trial(label, ho, 0));
            List<String[]> rs = rows.getOrDefault(label, List.of());
            rs.sort((x, y) -> Integer.compare(
                    100 * Integer.parseInt(x[h.indexOf("round")]) + Integer.parseInt(x[h.indexOf("fold")]),
                    100 * Integer.parseInt(y[h.indexOf("round")]) + Integer.parseInt(y[h.indexOf("fold")])));
            int rightDiffers = 0;
            double maxBrier = 0;
            for (int i = 0; i < Math.min(rs.size(), ho.folds()); i++) {
                rightDiffers += Integer.parseInt(rs.get(i)[h.indexOf("held_right")]) != ho.rightPerFold().get(i) ? 1 : 0;
                maxBrier = Math.max(maxBrier, Math.abs(Double.parseDouble(rs.get(i)[h.indexOf("held_brier")])
                        - ho.brierPerFold().get(i)));
            }
            System.out.printf(Locale.ROOT, "case %-8s folds %d (rows %d): accuracy %.4f, Brier %.4f; folds whose right"
                    + " answers differ from the rows %d, largest Brier difference a fold %.2e%n", label, ho.folds(),
                    rs.size(), ho.accuracy(), ho.brier(), rightDiffers, maxBrier);
        }
        TransferAdvisor.Choice c = TransferAdvisor.choose(trials, "1");
        System.out.println("choose: case " + c.label() + " (" + c.ranking().words() + "): " + c.reason());
    }
}

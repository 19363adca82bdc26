import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.convnet4j.transfer.TransferAdvisor;

/**
 * Replays {@link TransferAdvisor#choose} itself (not brier_choice.py's copy of it) on FoldTestStudy.java's rows: per
 * cell (base, target, pictures per class, seed) the cases 1, 1-early, 2, 3, 4 in that order, each a
 * {@link TransferAdvisor.HeldOut} of its fold rows (right answers, held-out size, kept, summed Brier score), once with
 * the Brier scores (the ranking adopted 2026-12-06) and once without them (the accuracy ranking before it). Prints one
 * line per cell in brier_choice.py's words (pick, best measured, close cases, loss against the best final test
 * accuracy) and the count of misses (loss over 2 points) and the mean loss, so the two can be compared line by line.
 *
 * <pre>
 * java -cp convnet4j.jar tools/advisor-study/ReplayChoice.java ROWS.csv [ROWS.csv ...]
 * </pre>
 */
public class ReplayChoice {
    static final List<String> ORDER = List.of("1", "1-early", "2", "3", "4");

    public static void main(String[] a) throws Exception {
        Map<String, Map<String, List<String[]>>> cells = new LinkedHashMap<>();
        String[] head = null;
        for (String p : a) {
            List<String> lines = Files.readAllLines(Path.of(p));
            head = lines.get(0).split(",", -1);
            for (String line : lines.subList(1, lines.size())) {
                String[] r = line.split(",", -1);
                String key = r[0] + " " + r[1] + " " + r[2] + "/class seed " + r[3];
                cells.computeIfAbsent(key, k -> new LinkedHashMap<>()).computeIfAbsent(r[4], k -> new ArrayList<>()).add(r);
            }
        }
        List<String> h = List.of(head);
        for (boolean brier : new boolean[] {false, true}) {
            System.out.println("ranked by " + (brier ? "brier" : "accuracy") + " (TransferAdvisor.choose):");
            double sum = 0;
            int misses = 0;
            for (Map.Entry<String, Map<String, List<String[]>>> cell : cells.entrySet()) {
                List<TransferAdvisor.Trial> trials = new ArrayList<>();
                Map<String, Double> test = new LinkedHashMap<>();
                for (String label : ORDER) {
                    List<String[]> rows = cell.getValue().get(label);
                    if (rows == null) {
                        continue;
                    }
                    rows.sort((x, y) -> Integer.compare(
                            100 * Integer.parseInt(x[h.indexOf("round")]) + Integer.parseInt(x[h.indexOf("fold")]),
                            100 * Integer.parseInt(y[h.indexOf("round")]) + Integer.parseInt(y[h.indexOf("fold")])));
                    List<Integer> right = new ArrayList<>();
                    List<Integer> n = new ArrayList<>();
                    List<Double> b = new ArrayList<>();
                    int kept = -1;
                    int rounds = 0;
                    for (String[] r : rows) {
                        right.add(Integer.parseInt(r[h.indexOf("held_right")]));
                        n.add(Integer.parseInt(r[h.indexOf("held_n")]));
                        b.add(Double.parseDouble(r[h.indexOf("held_brier")]));
                        String k = r[h.indexOf("kept")];
                        if (!k.isEmpty()) {
                            kept = Math.max(kept, 0) + Integer.parseInt(k);
                        }
                        rounds = Math.max(rounds, Integer.parseInt(r[h.indexOf("round")]) + 1);
                    }
                    int answers = n.stream().mapToInt(Integer::intValue).sum();
                    double acc = right.stream().mapToInt(Integer::intValue).sum() / (double) answers;
                    trials.add(new TransferAdvisor.Trial(label, new TransferAdvisor.HeldOut(acc, answers, rows.size(),
                            rounds, right, n, kept, brier ? b : List.of()), 0));
                    test.put(label, Double.parseDouble(rows.get(0)[h.indexOf("final_test_accuracy")]));
                }
                TransferAdvisor.Choice c = TransferAdvisor.choose(trials, "1");
                double top = test.values().stream().mapToDouble(Double::doubleValue).max().orElseThrow();
                double loss = 100 * (top - test.get(c.label()));
                sum += loss;
                misses += loss > 2.0 + 1e-9 ? 1 : 0;
                StringBuilder t = new StringBuilder();
                test.forEach((k, v) -> t.append(String.format(Locale.ROOT, " %s %.3f", k, v)));
                System.out.printf(Locale.ROOT, "  %s: pick %s (best measured %s, close %s), loss %.1f   test:%s%n",
                        cell.getKey(), c.label(), c.best(), String.join(" ", c.indistinguishable()), loss, t);
            }
            System.out.printf(Locale.ROOT, "  %d cells, misses (loss > 2 points) %d, mean loss %.2f points%n",
                    cells.size(), misses, sum / cells.size());
        }
    }
}

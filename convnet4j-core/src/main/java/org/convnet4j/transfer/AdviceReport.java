package org.convnet4j.transfer;

import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.convnet4j.data.Dataset;
import org.convnet4j.internal.json.Json;
import org.convnet4j.nn.Sequential;

/**
 * What {@code convnet4j advise} answers, as a library value: the lecture table's recommendation (measured or given),
 * and with {@code --try} the measured cases and the choice among them. {@link #recommendedLabel()} and
 * {@link #recommendedCut()} are the recommendation that counts: the choice when cases were tried, the table's
 * answer otherwise; the table's own answer stays in {@link #tableLabel()} / {@link #tableCut()}. {@link #toJson()}
 * is the {@code --json} document, {@link #lines()} the text output.
 */
public final class AdviceReport {
    private final TransferAdvisor.Recommendation table;
    private final Sequential base;
    private final List<TransferAdvisor.Trial> trials;
    private final TransferAdvisor.Choice choice;
    private final List<String> notTried;

    private AdviceReport(TransferAdvisor.Recommendation table, Sequential base, List<TransferAdvisor.Trial> trials,
                         TransferAdvisor.Choice choice, List<String> notTried) {
        this.table = table;
        this.base = base;
        this.trials = List.copyOf(trials);
        this.choice = choice;
        this.notTried = List.copyOf(notTried);
    }

    /** The table's answer; {@code base} (may be null when size and similarity were given) names the cuts. */
    public static AdviceReport of(TransferAdvisor.Recommendation table, Sequential base) {
        return new AdviceReport(table, base, List.of(), null, List.of());
    }

    /** The same report with the cases tried and the choice among them (what {@code --try} adds). */
    public AdviceReport withTrials(List<TransferAdvisor.Trial> tried, TransferAdvisor.Choice chosen) {
        return withTrials(tried, chosen, List.of());
    }

    /**
     * As {@link #withTrials(List, TransferAdvisor.Choice)}, with the cases the time budget cut ({@code notTried},
     * {@link TransferAdvisor#notTried}): the recommendation line and {@code --json} name them.
     */
    public AdviceReport withTrials(List<TransferAdvisor.Trial> tried, TransferAdvisor.Choice chosen,
                                   List<String> notTried) {
        return new AdviceReport(table, base, tried, chosen, notTried);
    }

    /**
     * The table's recommendation for {@code train} on {@code base}: the similarity from the base's saved statistics
     * ({@code stats}) when it has them, otherwise from a linear probe on {@code probeSamples} pictures (0: none);
     * a given {@code size} or {@code similarity} (null: measure) overrides the measured one.
     *
     * @throws IllegalArgumentException when nothing measures or gives the similarity
     */
    public static TransferAdvisor.Recommendation recommend(Sequential base, FeatureStatistics stats, Dataset train,
                                                           int probeSamples, TransferAdvisor.Size size,
                                                           TransferAdvisor.Similarity similarity, long seed) {
        double perClass = train.size() / (double) train.numClasses();
        if (stats == null && probeSamples == 0 && similarity == null) {
            throw new IllegalArgumentException("the base has no feature statistics and no probe was asked for: nothing"
                    + " measures the similarity");
        }
        TransferAdvisor.Recommendation r;
        if (stats != null) {
            r = TransferAdvisor.measured(perClass, TransferAdvisor.assess(base, stats, train, seed));
        } else if (probeSamples > 0) {
            r = TransferAdvisor.measured(perClass, Double.NaN, LinearProbe.measure(base,
                    FeatureStatistics.penultimateLayer(base), train, probeSamples, seed));
        } else {
            r = TransferAdvisor.table(TransferAdvisor.sizeOf(perClass), similarity);
        }
        if (size != null || similarity != null) {
            r = TransferAdvisor.table(size != null ? size : r.size(), similarity != null ? similarity : r.similarity());
        }
        return r;
    }

    public TransferAdvisor.Recommendation table() {
        return table;
    }

    public List<TransferAdvisor.Trial> trials() {
        return trials;
    }

    /**
     * The cases {@code --try} did not run because its time budget ran out, as given to
     * {@link #withTrials(List, TransferAdvisor.Choice, List)}; empty without {@code --try} or when every case ran.
     */
    public List<String> notTried() {
        return notTried;
    }

    /** The choice among the tried cases; null without {@code --try}. */
    public TransferAdvisor.Choice choice() {
        return choice;
    }

    /** The table's case label: "1", "1-early", "2", "3". */
    public String tableLabel() {
        return TransferAdvisor.labelOf(table);
    }

    /** The layer the table's case cuts at (Case 1 only; null otherwise). */
    public String tableCut() {
        return cutOf(tableLabel());
    }

    /**
     * The recommended case label: the choice's when cases were tried, otherwise the table's except on small data
     * ({@link TransferAdvisor#withoutTrying}: Case 2).
     */
    public String recommendedLabel() {
        return choice != null ? choice.label() : TransferAdvisor.withoutTrying(table);
    }

    /** True when nothing was tried and the recommendation is not the table's answer (small data: Case 2). */
    public boolean departsFromTable() {
        return choice == null && !recommendedLabel().equals(tableLabel());
    }

    public int recommendedCase() {
        return recommendedLabel().charAt(0) - '0';
    }

    /** The layer the recommended case cuts at (Case 1 at the default or the early cut; null otherwise). */
    public String recommendedCut() {
        return cutOf(recommendedLabel());
    }

    private String cutOf(String label) {
        boolean early = label.endsWith("-early");
        if (!label.startsWith("1")) {
            return null;
        }
        if (base == null) {
            return early ? "<early layer>" : "<last layer before the dense head>";
        }
        return early ? Transfer.earlyCut(base) : Transfer.defaultCut(base);
    }

    /**
     * The {@code --json} document: {@code case} and {@code cut} of the recommendation, {@code size},
     * {@code similarity}, {@code reasons}, {@code figures}, the table's answer under {@code table}, and with tried
     * cases {@code try} (each case's held-out accuracy, answers and Brier score, {@code ranked_by} the score that
     * ranked them ("brier score" or "accuracy"), {@code tie_rule}, {@code winner}, {@code best_measured},
     * {@code uncertain}, {@code reason}, {@code not_tried} the cases the time budget cut, {@code budget_clock} "wall":
     * the budget counts wall-clock seconds) and {@code recommended}; without them, when the recommendation departs
     * from the table ({@link #departsFromTable}), {@code recommended} and {@code recommended_because}.
     */
    public String toJson() {
        JsonObject o = new JsonObject();
        o.addProperty("case", recommendedCase());
        if (recommendedCut() != null) {
            o.addProperty("cut", recommendedCut());
        }
        o.addProperty("size", table.size().name().toLowerCase(Locale.ROOT));
        o.addProperty("similarity", table.similarity().name().toLowerCase(Locale.ROOT));
        o.add("reasons", Json.toTree(table.reasons()));
        o.add("figures", Json.toTree(table.figures()));
        JsonObject t0 = new JsonObject();
        t0.addProperty("case", table.transferCase().number());
        if (tableCut() != null) {
            t0.addProperty("cut", tableCut());
        }
        o.add("table", t0);
        if (choice != null) {
            JsonObject t = new JsonObject();
            for (TransferAdvisor.Trial tr : trials) {
                t.addProperty("case " + tr.label(), tr.accuracy());
                t.addProperty("case " + tr.label() + " answers", tr.heldOut().answers());
                if (tr.heldOut().hasBrier()) {
                    t.addProperty("case " + tr.label() + " brier", tr.heldOut().brier());
                }
            }
            t.addProperty("ranked_by", choice.ranking().words().toLowerCase(Locale.ROOT));
            t.addProperty("tie_rule", TransferAdvisor.TIE_RULE);
            t.addProperty("winner", "case " + choice.label());
            t.addProperty("best_measured", "case " + choice.best());
            t.addProperty("uncertain", choice.uncertain());
            t.addProperty("reason", choice.reason());
            t.add("not_tried", Json.toTree(notTried()));
            t.addProperty("budget_clock", "wall");
            o.add("try", t);
            o.addProperty("recommended", "case " + choice.label());
        } else if (departsFromTable()) {
            o.addProperty("recommended", "case " + recommendedLabel());
            o.addProperty("recommended_because", TransferAdvisor.SMALL_DATA_RULE);
        }
        return Json.toCompact(o);
    }

    /** The text output: the table's answer with its reasons, then the measured recommendation when cases were tried. */
    public List<String> lines() {
        List<String> out = new ArrayList<>();
        out.add("The table says: " + table.transferCase() + (tableCut() == null ? "" : ", cut at " + tableCut()));
        table.reasons().forEach(s -> out.add("  - " + s));
        if (departsFromTable()) {
            out.add("Recommended: case " + recommendedLabel() + " (" + TransferAdvisor.SMALL_DATA_RULE + ")");
        }
        if (choice != null) {
            out.add("Recommended (stratified " + TransferAdvisor.FOLDS + "-fold cross-validation, cases ranked by"
                    + " their held-out " + rankedBy(choice.ranking()) + "): case "
                    + choice.label() + (recommendedCut() == null ? "" : ", cut at " + recommendedCut()) + "; "
                    + choice.reason() + (notTried().isEmpty() ? ""
                    : "; not tried (the time budget ran out): case" + (notTried().size() > 1 ? "s " : " ")
                    + String.join(", ", notTried())));
        }
        return out;
    }

    private static String rankedBy(TransferAdvisor.Ranking r) {
        return r == TransferAdvisor.Ranking.BRIER_SCORE
                ? "Brier score, lower is better; " + TransferAdvisor.TIE_RULE : "accuracy; " + TransferAdvisor.TIE_RULE;
    }
}

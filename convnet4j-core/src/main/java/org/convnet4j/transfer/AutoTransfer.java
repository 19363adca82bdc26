package org.convnet4j.transfer;

import java.io.IOException;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import org.convnet4j.data.Dataset;
import org.convnet4j.nn.Sequential;

/**
 * {@code transfer --case auto}: the advisor picks the case, then it runs as that case would. {@link #advise} asks
 * the advisor as {@code advise} does (the lecture's table from the measured or given size and similarity; with
 * {@link Advice#tryCases} every viable case measured by cross-validation and the best measured recommended), and
 * {@link #plan} turns its recommendation into the plan of the recommended case and cut, which
 * {@link TransferRun#run} carries out; {@link #line} says in one line which case and why.
 */
public final class AutoTransfer {
    /** {@code advise --budget}'s default: wall-clock seconds after which {@code --try} starts no new case. */
    public static final double DEFAULT_BUDGET_SECONDS = 600;

    /**
     * How the advisor decides, as {@code advise}'s options: a given {@code size} or {@code similarity} (null:
     * measured), the linear probe's pictures when the base has no statistics ({@code probeSamples}, 0: none),
     * and whether to measure every viable case ({@code tryCases}, {@code advise --try}) within
     * {@code budgetSeconds} of wall-clock time.
     */
    public record Advice(TransferAdvisor.Size size, TransferAdvisor.Similarity similarity, int probeSamples,
                         boolean tryCases, double budgetSeconds) {
        public Advice {
            if (probeSamples < 0) {
                throw new IllegalArgumentException("the probe's pictures must be 0 or more, got " + probeSamples);
            }
            if (!(budgetSeconds >= 0) || Double.isInfinite(budgetSeconds)) {
                throw new IllegalArgumentException("the time budget must be 0 or more seconds, got " + budgetSeconds);
            }
        }

        /** The table, with size and similarity measured (the base's saved statistics), nothing tried. */
        public static Advice measured() {
            return new Advice(null, null, 0, false, DEFAULT_BUDGET_SECONDS);
        }

        /** Every viable case measured by cross-validation within {@code seconds} of wall-clock time. */
        public Advice withTry(double seconds) {
            return new Advice(size, similarity, probeSamples, true, seconds);
        }

        /** A linear probe on {@code samples} target pictures measures the similarity when the base has no statistics. */
        public Advice withProbe(int samples) {
            return new Advice(size, similarity, samples, tryCases, budgetSeconds);
        }

        public Advice withSize(TransferAdvisor.Size given) {
            return new Advice(given, similarity, probeSamples, tryCases, budgetSeconds);
        }

        public Advice withSimilarity(TransferAdvisor.Similarity given) {
            return new Advice(size, given, probeSamples, tryCases, budgetSeconds);
        }
    }

    private AutoTransfer() {
    }

    /**
     * The advisor's answer for {@code train} on {@code base}, as {@code advise} gives it: the table's
     * recommendation ({@link AdviceReport#recommend}, the similarity from {@code stats} (the base's saved
     * statistics, {@link FeatureStatistics#savedIn(String, String)}; may be null) or the probe, seeded by
     * {@code options.seed()}), and with {@link Advice#tryCases} the cases tried with {@code options} and
     * {@code settings} (the same rates and phases the chosen case then runs with) and the choice among them;
     * {@code log} (may be null) gets a line per case tried.
     *
     * @throws IllegalArgumentException when nothing measures or gives the similarity
     */
    public static AdviceReport advise(Sequential base, FeatureStatistics stats, Dataset train, Advice advice,
                                      TransferOptions options, FineTuneSettings settings, FeatureCache cache,
                                      Consumer<String> log) throws IOException {
        AdviceReport report = AdviceReport.of(AdviceReport.recommend(base, stats, train, advice.probeSamples(),
                advice.size(), advice.similarity(), options.seed()), base);
        if (!advice.tryCases()) {
            return report;
        }
        List<TransferAdvisor.Trial> trials = TransferAdvisor.tryCases(base, train, options.withCut(null), settings,
                cache, advice.budgetSeconds(), log);
        return report.withTrials(trials, TransferAdvisor.choose(trials, report.tableLabel()),
                TransferAdvisor.notTried(trials));
    }

    /** The recommended case. */
    public static TransferCase transferCase(AdviceReport advice) {
        return TransferCase.of(advice.recommendedCase());
    }

    /**
     * The plan of the recommended case on {@code base} with {@code options}, cut where the recommendation says
     * (Case 1 at the default or the early cut; the other cases take no cut): what {@code transfer --case N --cut C}
     * would plan.
     */
    public static TransferPlan plan(AdviceReport advice, Sequential base, TransferOptions options) {
        return Transfer.plan(transferCase(advice), base, options.withCut(advice.recommendedCut()));
    }

    /**
     * Which case and why, in one line: "auto: case 2 (measured: ...the choice's reason...)" after {@code --try}, or
     * "auto: case 3 (the lecture's table: large and dissimilar: ...; 2000 images per class: large ...; pixel shift ...:
     * dissimilar ...)", on small data "auto: case 2 (small data: Case 2 rather than the table's Case 1 ...; the
     * lecture's table: small and dissimilar: ...)".
     */
    public static String line(AdviceReport advice) {
        String which = "auto: case " + advice.recommendedCase()
                + (advice.recommendedCut() == null ? "" : ", cut at " + advice.recommendedCut());
        if (advice.choice() != null) {
            String cut = advice.notTried().isEmpty() ? "" : "; not tried (the time budget ran out): case"
                    + (advice.notTried().size() > 1 ? "s " : " ") + String.join(", ", advice.notTried());
            return String.format(Locale.ROOT, "%s (measured by %d-fold cross-validation, ranked by the held-out %s: %s%s)",
                    which, TransferAdvisor.FOLDS, advice.choice().ranking().words(), advice.choice().reason(), cut);
        }
        List<String> reasons = advice.table().reasons();
        String rule = reasons.get(reasons.size() - 1);
        String measured = String.join("; ", reasons.subList(0, reasons.size() - 1));
        String table = "the lecture's table: " + rule + (measured.isEmpty() ? "" : "; " + measured);
        return which + " (" + (advice.departsFromTable() ? TransferAdvisor.SMALL_DATA_RULE + "; " + table : table) + ")";
    }
}

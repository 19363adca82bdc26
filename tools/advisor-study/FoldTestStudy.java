import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Locale;
import org.convnet4j.data.Dataset;
import org.convnet4j.data.Datasets;
import org.convnet4j.dataspec.DataSpec;
import org.convnet4j.model.ModelFiles;
import org.convnet4j.model.Preprocessing;
import org.convnet4j.nn.Sequential;
import org.convnet4j.transfer.FeatureCache;
import org.convnet4j.transfer.FeatureExtractor;
import org.convnet4j.transfer.FineTuneSettings;
import org.convnet4j.transfer.FineTuning;
import org.convnet4j.transfer.Transfer;
import org.convnet4j.transfer.TransferAdvisor;
import org.convnet4j.transfer.TransferCase;
import org.convnet4j.transfer.TransferOptions;
import org.convnet4j.transfer.TransferRun;

/**
 * Why `advise --try`'s folds rank cases differently from the test set at 10 pictures per class (docs/TRANSFER.md,
 * "Seed 2030's advisor miss: what the folds get wrong"). For each cell (target, data seed; drawn as
 * `experiment transfer` draws it: 10 per class, the same 100 test pictures per class) and each tried case, the
 * case is carried out exactly as {@link TransferAdvisor#heldOutAccuracy} does it, on the same folds and round seeds
 * (4 rounds of 5 folds, fold seed = seed + 1000 r), and every fold run's model predicts both its held-out fifth of
 * the training pictures (what the advisor counts) and the 500 test pictures. The final run on all training
 * pictures gives the test accuracy the experiment reports. So the folds' error splits into
 * <ul>
 *   <li>training size: the fold models (40 pictures) against the final model (50), both on the test set;</li>
 *   <li>the pictures judged: the same fold models on their held-out training pictures against the test set.</li>
 * </ul>
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp convnet4j.jar tools/advisor-study/FoldTestStudy.java \
 *     BASE.c4j SEEDS(1,2,..) OUT.csv [spec,spec] [cases 1,1-early,2,3] [pictures per class, 10]
 * </pre>
 * One row per fold run: target, seed, case, round, fold, right on the held-out part, its size, the fold model's
 * test accuracy, the final model's test accuracy, and which held-out training pictures (indices into the cell's
 * training set) it got wrong, and for Cases 2 and 3 whether the fold run kept its fine-tuning (1/0). Since
 * 2026-12-06 also the held-out part's summed Brier score ({@code held_brier}: sum over its pictures of
 * sum_j (p_j - y_j)^2) and summed log-likelihood of the right class ({@code held_loglik}, p clipped at 1e-4), from
 * the fold model's class probabilities (softmax of its outputs unless they already are a distribution), for
 * brier_choice.py; and an optional seventh argument, the test pictures per class (default 100, as the experiment).
 * Since 2026-12-06 (03:40 UTC) also OUT-probs.csv beside OUT.csv: one row per held-out picture of every fold run
 * (cell, case, round, fold, the picture's index in the cell's training set, its right class's index among the fold
 * model's classes, then ln p of every class, p clipped at 1e-12), for calibrated_choice.py.
 */
public class FoldTestStudy {
    /**
     * Folds and rounds of the cross-validation (default: heldOutAccuracy's 5 folds, 4 rounds); since 2026-12-06 06:40
     * UTC settable for tenfold_choice.py's candidate, e.g. {@code -Dstudy.folds=10 -Dstudy.rounds=2} (the same 20 fold
     * runs, each fold model trained on 90% of the pictures instead of 80%).
     */
    static final int FOLDS = Integer.getInteger("study.folds", TransferAdvisor.FOLDS);
    static final int ROUNDS = Integer.getInteger("study.rounds", TransferAdvisor.MAX_ROUNDS);
    /**
     * Since 2026-12-06 12:40 UTC (bar_heldout.py): {@code -Dstudy.asAdvisor=true} runs the folds exactly as
     * heldOutAccuracy does (foldsToRun of the cell's pictures, rounds until {@link TransferAdvisor#MIN_ANSWERS}
     * answers or {@link TransferAdvisor#MAX_ROUNDS}; at 100 per class one round, and 3 of 5 folds on the digits)
     * instead of all FOLDS x ROUNDS.
     */
    static final boolean AS_ADVISOR = Boolean.getBoolean("study.asAdvisor");
    /**
     * Since 2026-12-06 12:40 UTC (bar_heldout.py): {@code -Dstudy.fullTest=true} also evaluates every final model on
     * the target's whole test split (Fashion-MNIST 5-9: 5000 pictures; the digits: their 1000) and writes
     * OUT-final.csv: one row per case with both test accuracies and the right (1) / wrong (0) answer on every picture
     * of the whole split, in its order, so two cases can be compared picture by picture (a paired standard error).
     */
    static final boolean FULL_TEST = Boolean.getBoolean("study.fullTest");

    public static void main(String[] a) throws Exception {
        Path basePath = Path.of(a[0]);
        List<Long> seeds = java.util.Arrays.stream(a[1].split(",")).map(Long::parseLong).toList();
        Path out = Path.of(a[2]);
        List<String> specs = a.length > 3 ? List.of(a[3].split(",")) : List.of("fashion-mnist:5-9", "opencv-digits");
        List<String> cases = a.length > 4 ? List.of(a[4].split(",")) : List.of("1", "1-early", "2", "3");
        Sequential base = (Sequential) ModelFiles.load(basePath);
        Preprocessing prep = Preprocessing.forInput(base.inputShapes().get(0));
        FeatureCache cache = new FeatureCache(out.toAbsolutePath().resolveSibling("fold-test-cache"));
        Path probsOut = out.resolveSibling(out.getFileName().toString().replaceFirst("\\.csv$", "") + "-probs.csv");
        if (!Files.exists(probsOut)) {
            Files.writeString(probsOut, "base,target,per_class,seed,case,round,fold,picture,right,logp\n");
        }
        if (!Files.exists(out)) {
            Files.writeString(out, "base,target,per_class,seed,case,round,fold,held_right,held_n,fold_test_accuracy,"
                    + "final_test_accuracy,wrong,kept,held_brier,held_loglik\n");
        }
        int perClass = a.length > 5 ? Integer.parseInt(a[5]) : 10;
        Path finalOut = out.resolveSibling(out.getFileName().toString().replaceFirst("\\.csv$", "") + "-final.csv");
        if (FULL_TEST && !Files.exists(finalOut)) {
            Files.writeString(finalOut, "base,target,per_class,seed,case,test_n,full_test_accuracy,"
                    + "final_test_accuracy,right\n");
        }
        for (String spec : specs) {
            DataSpec.Loaded full = DataSpec.of(spec).trainAndTest(prep, 42);
            Dataset test = DataSpec.perClass(full.test(), a.length > 6 ? Integer.parseInt(a[6]) : 100, 7);
            for (long seed : seeds) {
                Dataset train = DataSpec.perClass(full.train(), perClass, seed);
                TransferOptions o = TransferOptions.forClasses(train.classNames()).withSeed(seed);
                FineTuneSettings s = FineTuneSettings.defaults().withSeed(seed);
                for (String label : cases) {
                    TransferCase c = TransferCase.of(label.charAt(0) - '0');
                    TransferOptions lo = o.withCut(label.equals("1-early") ? Transfer.earlyCut(base)
                            : label.equals("1") ? Transfer.defaultCut(base) : null);
                    TransferRun.Outcome fin = TransferRun.run(Transfer.plan(c, Transfer.copyOf(base), lo), train, test,
                            "logreg", s, cache, null, List.of(), FeatureExtractor.Progress.NONE);
                    double again = TransferRun.accuracyByName(fin.model(), test, null);
                    if (Math.abs(again - fin.accuracy()) > 1e-9) {
                        throw new IllegalStateException("the final model's test accuracy by name " + again
                                + " is not the run's " + fin.accuracy() + " (case " + label + ")");
                    }
                    if (FULL_TEST) {
                        String right = rightAnswers(fin.model(), full.test());
                        double fullAcc = right.chars().filter(ch -> ch == '1').count() / (double) right.length();
                        double check = TransferRun.accuracyByName(fin.model(), full.test(), null);
                        if (Math.abs(check - fullAcc) > 1e-9) {
                            throw new IllegalStateException("picture by picture " + fullAcc + " on the whole test split,"
                                    + " accuracyByName " + check + " (case " + label + ")");
                        }
                        Files.writeString(finalOut, String.format(Locale.ROOT, "%s,%s,%d,%d,%s,%d,%.4f,%.4f,%s%n",
                                basePath.getParent().getFileName(), spec, perClass, seed, label, right.length(), fullAcc,
                                fin.accuracy(), right), StandardOpenOption.APPEND);
                        System.out.printf(Locale.ROOT, "final %s %s seed %d case %s: whole test split %.4f (%d),"
                                + " published test %.4f%n", spec, perClass, seed, label, fullAcc, right.length(),
                                fin.accuracy());
                    }
                    StringBuilder rows = new StringBuilder();
                    StringBuilder probs = new StringBuilder();
                    int run = AS_ADVISOR ? TransferAdvisor.foldsToRun(train.size(), FOLDS, TransferAdvisor.MIN_ANSWERS)
                            : FOLDS;
                    int answers = 0;
                    for (int r = 0; AS_ADVISOR ? r == 0 || (run == FOLDS && answers < TransferAdvisor.MIN_ANSWERS
                            && r < TransferAdvisor.MAX_ROUNDS) : r < ROUNDS; r++) {
                        FineTuneSettings rs = s.withSeed(s.seed() + TransferAdvisor.ROUND_SEED_STEP * r);
                        int[] fold = TransferAdvisor.stratifiedFolds(train, FOLDS, rs.seed());
                        for (int f = 0; f < run; f++) {
                            int[][] parts = parts(fold, f);
                            Dataset part = Datasets.view(train, parts[0]);
                            Dataset held = Datasets.view(train, parts[1]);
                            TransferRun.Outcome o2 = TransferRun.run(Transfer.plan(c, Transfer.copyOf(base), lo), part,
                                    held, "logreg", rs, cache, null, List.of(), FeatureExtractor.Progress.NONE);
                            int right = (int) Math.round(o2.accuracy() * held.size());
                            answers += held.size();
                            StringBuilder wrong = new StringBuilder(); // the training pictures (indices) it got wrong
                            int rightOneByOne = 0;
                            for (int i = 0; i < parts[1].length; i++) {
                                if (TransferRun.accuracyByName(o2.model(), Datasets.view(train, new int[] {parts[1][i]}),
                                        null) > 0.5) {
                                    rightOneByOne++;
                                } else {
                                    wrong.append(wrong.length() == 0 ? "" : " ").append(parts[1][i]);
                                }
                            }
                            if (rightOneByOne != right) {
                                throw new IllegalStateException("picture by picture " + rightOneByOne + " right, the run "
                                        + right + " (case " + label + ", round " + r + ", fold " + f + ")");
                            }
                            double onTest = TransferRun.accuracyByName(o2.model(), test, null);
                            // whether this fold run kept its fine-tuning (as heldOutAccuracy counts it; empty for
                            // Case 1): choose() sets aside a close Case 2/3 none of whose fold runs kept it
                            String kept = o2.phases().stream().anyMatch(p -> p.number() == 1)
                                    ? (FineTuning.tuningKept(o2.phases(), o2.refit()) ? "1" : "0") : "";
                            double[] scores = properScores(o2.model(), held);
                            String cell = String.format(Locale.ROOT, "%s,%s,%d,%d,%s,%d,%d",
                                    basePath.getParent().getFileName(), spec, perClass, seed, label, r, f);
                            for (String line : logProbabilities(o2.model(), held, parts[1])) {
                                probs.append(cell).append(',').append(line).append('\n');
                            }
                            rows.append(String.format(Locale.ROOT, "%s,%s,%d,%d,%s,%d,%d,%d,%d,%.4f,%.4f,%s,%s,%.6f,%.6f%n",
                                    basePath.getParent().getFileName(), spec, perClass, seed, label, r, f, right,
                                    held.size(), onTest, fin.accuracy(), wrong, kept, scores[0], scores[1]));
                        }
                    }
                    Files.writeString(out, rows.toString(), StandardOpenOption.APPEND);
                    Files.writeString(probsOut, probs.toString(), StandardOpenOption.APPEND);
                    System.out.print(rows);
                    System.out.flush();
                }
            }
        }
    }

    /**
     * '1' for every picture of {@code test} the model answers right, '0' otherwise, in order; classes matched by name
     * as {@link TransferRun#accuracyByName} matches them, in batches of 256.
     */
    static String rightAnswers(Sequential model, Dataset test) {
        List<String> own = model.classNames().isEmpty()
                ? org.convnet4j.train.ConfusionMatrix.numberedClasses(model.outputShape().dim(0)) : model.classNames();
        int[] index = org.convnet4j.dataspec.ClassNames.match(test.classNames(), own).indexOf();
        StringBuilder right = new StringBuilder(test.size());
        int size = test.sampleShape().size();
        for (int start = 0; start < test.size(); start += 256) {
            int b = Math.min(256, test.size() - start);
            org.convnet4j.tensor.Tensor x = org.convnet4j.tensor.Tensor.zeros(test.sampleShape().prepend(b));
            for (int i = 0; i < b; i++) {
                test.copySample(start + i, x.data(), i * size);
            }
            float[] out = model.predict(x).data();
            int k = out.length / b;
            for (int i = 0; i < b; i++) {
                int best = 0;
                for (int j = 1; j < k; j++) {
                    best = out[i * k + j] > out[i * k + best] ? j : best;
                }
                right.append(index[test.label(start + i)] == best ? '1' : '0');
            }
        }
        return right.toString();
    }

    /**
     * The summed Brier score and summed log-likelihood of the right class over {@code held}, classes matched by name
     * as {@link TransferRun#accuracyByName} matches them. The outputs are turned into probabilities by a softmax
     * unless a row already is a distribution (non-negative, summing to 1 within 1e-4).
     */
    static double[] properScores(Sequential model, Dataset held) {
        List<String> own = model.classNames().isEmpty()
                ? org.convnet4j.train.ConfusionMatrix.numberedClasses(model.outputShape().dim(0)) : model.classNames();
        int[] index = org.convnet4j.dataspec.ClassNames.match(held.classNames(), own).indexOf();
        double brier = 0;
        double loglik = 0;
        int size = held.sampleShape().size();
        for (int i = 0; i < held.size(); i++) {
            org.convnet4j.tensor.Tensor x = org.convnet4j.tensor.Tensor.zeros(held.sampleShape().prepend(1));
            held.copySample(i, x.data(), 0);
            float[] out = model.predict(x).data();
            int k = out.length;
            double[] p = new double[k];
            double sum = 0;
            boolean distribution = true;
            for (int j = 0; j < k; j++) {
                distribution &= out[j] >= 0;
                sum += out[j];
            }
            distribution &= Math.abs(sum - 1) <= 1e-4;
            if (distribution) {
                for (int j = 0; j < k; j++) {
                    p[j] = out[j];
                }
            } else {
                double max = Double.NEGATIVE_INFINITY;
                for (float v : out) {
                    max = Math.max(max, v);
                }
                double z = 0;
                for (int j = 0; j < k; j++) {
                    p[j] = Math.exp(out[j] - max);
                    z += p[j];
                }
                for (int j = 0; j < k; j++) {
                    p[j] /= z;
                }
            }
            int right = index[held.label(i)];
            for (int j = 0; j < k; j++) {
                double y = j == right ? 1 : 0;
                brier += (p[j] - y) * (p[j] - y);
            }
            loglik += Math.log(Math.max(1e-4, right >= 0 ? p[right] : 0));
        }
        return new double[] {brier, loglik};
    }

    /**
     * One line per picture of {@code held}: its index ({@code indices}), its right class's index among the model's
     * classes (-1 when the model lacks it), and ln p of every class (p as {@link #properScores} makes them, clipped at
     * 1e-12), separated by spaces in the last field.
     */
    static List<String> logProbabilities(Sequential model, Dataset held, int[] indices) {
        List<String> own = model.classNames().isEmpty()
                ? org.convnet4j.train.ConfusionMatrix.numberedClasses(model.outputShape().dim(0)) : model.classNames();
        int[] index = org.convnet4j.dataspec.ClassNames.match(held.classNames(), own).indexOf();
        List<String> lines = new java.util.ArrayList<>();
        for (int i = 0; i < held.size(); i++) {
            org.convnet4j.tensor.Tensor x = org.convnet4j.tensor.Tensor.zeros(held.sampleShape().prepend(1));
            held.copySample(i, x.data(), 0);
            float[] out = model.predict(x).data();
            double[] p = probabilities(out);
            StringBuilder b = new StringBuilder().append(indices[i]).append(',').append(index[held.label(i)]).append(',');
            for (int j = 0; j < p.length; j++) {
                b.append(j == 0 ? "" : " ").append(String.format(Locale.ROOT, "%.6f", Math.log(Math.max(1e-12, p[j]))));
            }
            lines.add(b.toString());
        }
        return lines;
    }

    /** A softmax of {@code out} unless it already is a distribution (as {@link #properScores}). */
    static double[] probabilities(float[] out) {
        int k = out.length;
        double[] p = new double[k];
        double sum = 0;
        boolean distribution = true;
        for (int j = 0; j < k; j++) {
            distribution &= out[j] >= 0;
            sum += out[j];
        }
        distribution &= Math.abs(sum - 1) <= 1e-4;
        double max = Double.NEGATIVE_INFINITY;
        for (float v : out) {
            max = Math.max(max, v);
        }
        double z = 0;
        for (int j = 0; j < k; j++) {
            p[j] = distribution ? out[j] : Math.exp(out[j] - max);
            z += p[j];
        }
        for (int j = 0; j < k; j++) {
            p[j] /= distribution ? 1 : z;
        }
        return p;
    }

    /** The training and held-out indices of fold {@code f}, as the advisor's private foldParts makes them. */
    private static int[][] parts(int[] fold, int f) {
        int held = 0;
        for (int v : fold) {
            held += v == f ? 1 : 0;
        }
        int[] train = new int[fold.length - held];
        int[] test = new int[held];
        int a = 0;
        int b = 0;
        for (int i = 0; i < fold.length; i++) {
            if (fold[i] == f) {
                test[b++] = i;
            } else {
                train[a++] = i;
            }
        }
        return new int[][] {train, test};
    }
}

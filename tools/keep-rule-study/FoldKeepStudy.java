import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import org.convnet4j.data.Dataset;
import org.convnet4j.data.Datasets;
import org.convnet4j.dataspec.DataSpec;
import org.convnet4j.model.ModelFiles;
import org.convnet4j.model.Preprocessing;
import org.convnet4j.nn.Sequential;
import org.convnet4j.train.Trainer;
import org.convnet4j.transfer.FeatureCache;
import org.convnet4j.transfer.FeatureExtractor;
import org.convnet4j.transfer.FineTuneSettings;
import org.convnet4j.transfer.FineTuning;
import org.convnet4j.transfer.Transfer;
import org.convnet4j.transfer.TransferAdvisor;
import org.convnet4j.transfer.TransferCase;
import org.convnet4j.transfer.TransferOptions;
import org.convnet4j.transfer.TransferPlan;
import org.convnet4j.transfer.TransferRun;

/**
 * Case 3's keep decision (keep phase 2's tuning or the head alone) made by folds, as `advise --try` measures cases
 * (docs/TRANSFER.md, "Case 3's keep decision by folds at 10 pictures per class"). Each cell (target, 10 pictures per
 * class, seed) is drawn as `experiment transfer` draws it and runs
 * <ul>
 *   <li>Case 1 (the bar's reference);</li>
 *   <li>Case 3 with `--keep-se 0` (phase 2 kept whenever its validation loss is lower and its accuracy not lower; its
 *       paired loss gain in standard errors is written, so today's rule, `--keep-se 1`, is scored offline as in
 *       score.py) and Case 3 with phase 2 never kept (the head alone);</li>
 *   <li>the same two on the training pictures' repeated stratified 5-fold cross-validation, exactly the folds and
 *       round seeds of `TransferAdvisor.heldOutAccuracy` (4 rounds: 200 answers on Fashion 5-9, 400 on the digits):
 *       the tuned one by `heldOutAccuracy` itself with `--keep-se 0`; the head alone by `FineTuning.fitHead` on each
 *       fold's training part (the model a run that drops its tuning refits), measured on the held-out part.</li>
 * </ul>
 * Right answers fold by fold go to the CSV; fold_score.py scores the rules.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp convnet4j.jar tools/keep-rule-study/FoldKeepStudy.java \
 *     BASE.c4j SEEDS(1,2,..) OUT.csv [PER_CLASS, default 10] [CASE 2 or 3, default 3]
 * </pre>
 */
public class FoldKeepStudy {
    public static void main(String[] a) throws Exception {
        Path basePath = Path.of(a[0]);
        Sequential base = (Sequential) ModelFiles.load(basePath);
        List<Long> seeds = java.util.Arrays.stream(a[1].split(",")).map(Long::parseLong).toList();
        Path out = Path.of(a[2]);
        int n = a.length > 3 ? Integer.parseInt(a[3]) : 10;
        // Case 2's keep decision by folds is the same question for the other two-phase case (not yet run)
        int c = a.length > 4 ? Integer.parseInt(a[4]) : 3;
        if (c != 2 && c != 3) {
            throw new IllegalArgumentException("FoldKeepStudy: the case is 2 or 3, not " + c);
        }
        Preprocessing prep = Preprocessing.forInput(base.inputShapes().get(0));
        FeatureCache cache = new FeatureCache(out.toAbsolutePath().resolveSibling("fold-keep-cache"));
        if (!Files.exists(out)) {
            Files.writeString(out, "base,target,per_class,seed,case,case1_accuracy,tuned_accuracy,head_accuracy,"
                    + "kept_at_0,gain_in_se,epochs,best_epoch,fold_answers,fold_tuned_right,fold_head_right,"
                    + "fold_runs_keeping_tuning,seconds\n");
        }
        for (String spec : List.of("fashion-mnist:5-9", "opencv-digits")) {
            DataSpec.Loaded full = DataSpec.of(spec).trainAndTest(prep, 42);
            Dataset test = DataSpec.perClass(full.test(), 100, 7);
            for (long seed : seeds) {
                long t0 = System.nanoTime();
                Dataset train = DataSpec.perClass(full.train(), n, seed);
                TransferOptions o = TransferOptions.forClasses(train.classNames()).withSeed(seed);
                FineTuneSettings s = FineTuneSettings.defaults().withSeed(seed);
                double case1 = run(base, 1, o.withCut(Transfer.defaultCut(base)), train, test, s, cache).accuracy();
                TransferRun.Outcome tuned = run(base, c, o, train, test, s.withKeepSe(0), cache);
                TransferRun.Outcome head = run(base, c, o, train, test, s.withKeepSe(1e9), cache);
                FineTuning.Phase p2 = tuned.phases().stream().filter(p -> p.number() == 2).findFirst().orElseThrow();
                boolean kept = FineTuning.tuningKept(tuned.phases(), tuned.refit());
                TransferAdvisor.HeldOut folds = TransferAdvisor.heldOutAccuracy(base, TransferCase.of(c), o, train,
                        s.withKeepSe(0), cache);
                List<Integer> headRight = headAloneFolds(base, c, o, train, s);
                // the fold runs' head alone is FineTuning.fitHead; on the whole cell it must give the run's head alone
                TransferPlan whole = Transfer.plan(TransferCase.of(c), Transfer.copyOf(base), o);
                FineTuning.fitHead(whole, train, s.headFit(), null);
                double check = Trainer.evaluate(whole.model(), test, 256).accuracy();
                if (Math.abs(check - head.accuracy()) > 1e-9) {
                    System.err.printf(Locale.ROOT, "warning: fitHead gives %.4f, the head-alone run %.4f (%s seed %d)%n",
                            check, head.accuracy(), spec, seed);
                }
                if (headRight.size() != folds.rightPerFold().size()) {
                    throw new IllegalStateException("fold counts differ: " + headRight.size() + " vs "
                            + folds.rightPerFold().size());
                }
                String row = String.format(Locale.ROOT, "%s,%s,%d,%d,%d,%.4f,%.4f,%.4f,%b,%.4f,%d,%d,%s,%s,%s,%d,%.1f%n",
                        basePath.toAbsolutePath().getParent().getFileName(), spec, n, seed, c, case1, tuned.accuracy(),
                        head.accuracy(), kept, p2.lossGainT(), p2.epochs(), p2.bestEpoch(), join(folds.answersPerFold()),
                        join(folds.rightPerFold()), join(headRight), folds.foldsKeepingTuning(),
                        (System.nanoTime() - t0) / 1e9);
                Files.writeString(out, row, StandardOpenOption.APPEND);
                System.out.print(row);
            }
        }
    }

    /** The head alone on every fold of heldOutAccuracy's repeated cross-validation (same folds, same order). */
    private static List<Integer> headAloneFolds(Sequential base, int c, TransferOptions o, Dataset data,
                                                FineTuneSettings s) {
        List<Integer> right = new ArrayList<>();
        int k = TransferAdvisor.FOLDS;
        int run = TransferAdvisor.foldsToRun(data.size(), k, TransferAdvisor.MIN_ANSWERS);
        int answers = 0;
        int rounds = 0;
        while (rounds == 0 || (run == k && answers < TransferAdvisor.MIN_ANSWERS && rounds < TransferAdvisor.MAX_ROUNDS)) {
            long seed = s.seed() + TransferAdvisor.ROUND_SEED_STEP * rounds;
            int[] fold = TransferAdvisor.stratifiedFolds(data, k, seed);
            for (int f = 0; f < run; f++) {
                List<Integer> tr = new ArrayList<>();
                List<Integer> te = new ArrayList<>();
                for (int i = 0; i < fold.length; i++) {
                    (fold[i] == f ? te : tr).add(i);
                }
                Dataset train = Datasets.view(data, tr.stream().mapToInt(Integer::intValue).toArray());
                Dataset held = Datasets.view(data, te.stream().mapToInt(Integer::intValue).toArray());
                TransferPlan plan = Transfer.plan(TransferCase.of(c), Transfer.copyOf(base), o);
                FineTuning.fitHead(plan, train, s.headFit(), null);
                double acc = Trainer.evaluate(plan.model(), held, 256).accuracy();
                right.add((int) Math.round(acc * held.size()));
                answers += held.size();
            }
            rounds++;
        }
        return right;
    }

    private static String join(List<Integer> v) {
        return v.stream().map(String::valueOf).collect(Collectors.joining(";"));
    }

    private static TransferRun.Outcome run(Sequential base, int c, TransferOptions o, Dataset train, Dataset test,
            FineTuneSettings s, FeatureCache cache) throws Exception {
        return TransferRun.run(Transfer.plan(TransferCase.of(c), Transfer.copyOf(base), o), train, test, "logreg", s,
                cache, null, List.of(), FeatureExtractor.Progress.NONE);
    }
}

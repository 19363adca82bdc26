import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Locale;
import org.convnet4j.data.Dataset;
import org.convnet4j.dataspec.DataSpec;
import org.convnet4j.model.ModelFiles;
import org.convnet4j.model.Preprocessing;
import org.convnet4j.nn.Sequential;
import org.convnet4j.transfer.FeatureCache;
import org.convnet4j.transfer.FeatureExtractor;
import org.convnet4j.transfer.FineTuneSettings;
import org.convnet4j.transfer.FineTuning;
import org.convnet4j.transfer.Transfer;
import org.convnet4j.transfer.TransferCase;
import org.convnet4j.transfer.TransferOptions;
import org.convnet4j.transfer.TransferRun;

/**
 * The keep rule of Cases 2 and 3 scored on many cells without `--try`'s folds (docs/TRANSFER.md, "Seed 2030's
 * Case 2 miss: the cause"): each cell (target, pictures per class, seed) is drawn as `experiment transfer` draws it
 * (the same training and test pictures for a seed: `--seed S` of the experiment is base S with data seed S) and runs
 * Case 1, then Cases 2 and 3 twice: with `--keep-se 0` (phase 2 kept whenever its validation loss is lower and its
 * accuracy not lower; its paired loss gain, standard error and epochs are written) and with phase 2 never kept (the
 * head alone). Any threshold T is then scored offline: a cell keeps the tuned accuracy when the `keep-se 0` run kept
 * it and its gain is >= T standard errors, else the head alone (score.py).
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp convnet4j.jar tools/keep-rule-study/KeepRuleStudy.java \
 *     BASE.c4j SEEDS(1,2,..) SIZES(10,100) OUT.csv
 * </pre>
 */
public class KeepRuleStudy {
    public static void main(String[] a) throws Exception {
        Path basePath = Path.of(a[0]);
        Sequential base = (Sequential) ModelFiles.load(basePath);
        List<Long> seeds = java.util.Arrays.stream(a[1].split(",")).map(Long::parseLong).toList();
        List<Integer> sizes = java.util.Arrays.stream(a[2].split(",")).map(Integer::parseInt).toList();
        Path out = Path.of(a[3]);
        Preprocessing prep = Preprocessing.forInput(base.inputShapes().get(0));
        FeatureCache cache = new FeatureCache(out.toAbsolutePath().resolveSibling("keep-rule-cache"));
        if (!Files.exists(out)) {
            Files.writeString(out, "base,target,per_class,seed,case,case1_accuracy,tuned_accuracy,head_accuracy,"
                    + "kept_at_0,loss_gain,loss_gain_se,gain_in_se,epochs,best_epoch\n");
        }
        for (String spec : List.of("fashion-mnist:5-9", "opencv-digits")) {
            DataSpec.Loaded full = DataSpec.of(spec).trainAndTest(prep, 42);
            Dataset test = DataSpec.perClass(full.test(), 100, 7);
            for (int n : sizes) {
                for (long seed : seeds) {
                    Dataset train = DataSpec.perClass(full.train(), n, seed);
                    TransferOptions o = TransferOptions.forClasses(train.classNames()).withSeed(seed);
                    FineTuneSettings s = FineTuneSettings.defaults().withSeed(seed);
                    double case1 = run(base, 1, o.withCut(Transfer.defaultCut(base)), train, test, s, cache).accuracy();
                    for (int c = 2; c <= 3; c++) {
                        TransferRun.Outcome tuned = run(base, c, o, train, test, s.withKeepSe(0), cache);
                        TransferRun.Outcome head = run(base, c, o, train, test, s.withKeepSe(1e9), cache);
                        FineTuning.Phase p2 = tuned.phases().stream().filter(p -> p.number() == 2).findFirst().orElseThrow();
                        boolean kept = !tuned.refit().isEmpty() && tuned.refit().stream().anyMatch(p -> p.number() == 2);
                        String row = String.format(Locale.ROOT, "%s,%s,%d,%d,%d,%.4f,%.4f,%.4f,%b,%.6f,%.6f,%.4f,%d,%d%n",
                                basePath.getParent().getFileName(), spec, n, seed, c, case1, tuned.accuracy(),
                                head.accuracy(), kept, p2.lossGain(), p2.lossGainSe(), p2.lossGainT(), p2.epochs(),
                                p2.bestEpoch());
                        Files.writeString(out, row, StandardOpenOption.APPEND);
                        System.out.print(row);
                    }
                }
            }
        }
    }

    private static TransferRun.Outcome run(Sequential base, int c, TransferOptions o, Dataset train, Dataset test,
            FineTuneSettings s, FeatureCache cache) throws Exception {
        return TransferRun.run(Transfer.plan(TransferCase.of(c), Transfer.copyOf(base), o), train, test, "logreg", s,
                cache, null, List.of(), FeatureExtractor.Progress.NONE);
    }
}

import java.nio.file.Files;
import java.nio.file.Path;
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
import org.convnet4j.transfer.Transfer;
import org.convnet4j.transfer.TransferAdvisor;
import org.convnet4j.transfer.TransferCase;
import org.convnet4j.transfer.TransferOptions;
import org.convnet4j.transfer.TransferRun;

/**
 * Measures estimators for {@code advise --try} (docs/TRANSFER.md, "Which estimator"): for each target and seed, every
 * case's test accuracy (100 pictures per class, the experiment's test set) and its stratified 5-fold
 * cross-validation on the training pictures, repeated with several fold seeds, right answers fold by fold.
 * The analysis (analyse.py) then scores choice rules by how far their pick falls below the best test accuracy.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp convnet4j-cli/target/convnet4j.jar tools/advisor-study/AdvisorStudy.java \
 *     BASE.c4j PER_CLASS SEEDS(1,2,..) REPEATS OUT.csv [spec,spec]
 * </pre>
 */
public class AdvisorStudy {
    public static void main(String[] a) throws Exception {
        Path basePath = Path.of(a[0]);
        int perClass = Integer.parseInt(a[1]);
        List<Long> seeds = java.util.Arrays.stream(a[2].split(",")).map(Long::parseLong).toList();
        int repeats = Integer.parseInt(a[3]);
        Path out = Path.of(a[4]);
        List<String> specs = a.length > 5 ? List.of(a[5].split(",")) : List.of("fashion-mnist:5-9", "opencv-digits");
        Sequential base = (Sequential) ModelFiles.load(basePath);
        Preprocessing prep = Preprocessing.forInput(base.inputShapes().get(0));
        FeatureCache cache = new FeatureCache(out.resolveSibling("advisor-study-cache"));
        if (!Files.exists(out)) {
            Files.writeString(out, "target,per_class,seed,case,test_accuracy,test_answers,repeat,fold_seed,right_per_fold,answers,seconds\n");
        }
        for (String spec : specs) {
            DataSpec.Loaded full = DataSpec.of(spec).trainAndTest(prep, 42);
            Dataset test = DataSpec.perClass(full.test(), 100, 7);
            for (long seed : seeds) {
                Dataset train = DataSpec.perClass(full.train(), perClass, seed);
                TransferOptions o = TransferOptions.forClasses(train.classNames()).withSeed(seed);
                FineTuneSettings s = FineTuneSettings.defaults().withSeed(seed);
                for (String label : TransferAdvisor.TRIED) {
                    TransferCase c = TransferCase.of(label.charAt(0) - '0');
                    TransferOptions lo = o.withCut(label.equals("1-early") ? Transfer.earlyCut(base)
                            : label.equals("1") ? Transfer.defaultCut(base) : null);
                    double acc = TransferRun.run(Transfer.plan(c, Transfer.copyOf(base), lo), train, test, "logreg", s,
                            cache, null, List.of(), FeatureExtractor.Progress.NONE).accuracy();
                    StringBuilder rows = new StringBuilder();
                    for (int r = 0; r < repeats; r++) {
                        long foldSeed = seed + 1000L * r; // r = 0: the fold seed the advisor uses today
                        long t = System.nanoTime();
                        TransferAdvisor.HeldOut h = TransferAdvisor.heldOutAccuracy(base, c, lo, train,
                                s.withSeed(foldSeed), cache);
                        rows.append(String.format(Locale.ROOT, "%s,%d,%d,%s,%.4f,%d,%d,%d,%s,%d,%.1f%n", spec, perClass,
                                seed, label, acc, test.size(), r, foldSeed, h.rightPerFold().stream().map(String::valueOf)
                                        .collect(java.util.stream.Collectors.joining(" ")), h.answers(),
                                (System.nanoTime() - t) / 1e9));
                    }
                    Files.writeString(out, rows.toString(), java.nio.file.StandardOpenOption.APPEND);
                    System.out.print(rows);
                    System.out.flush();
                }
            }
        }
    }
}

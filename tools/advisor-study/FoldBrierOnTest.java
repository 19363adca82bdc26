import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.convnet4j.data.Dataset;
import org.convnet4j.data.Datasets;
import org.convnet4j.dataspec.DataSpec;
import org.convnet4j.model.ModelFiles;
import org.convnet4j.model.Preprocessing;
import org.convnet4j.nn.Sequential;
import org.convnet4j.transfer.BrierScore;
import org.convnet4j.transfer.FeatureCache;
import org.convnet4j.transfer.FeatureExtractor;
import org.convnet4j.transfer.FineTuneSettings;
import org.convnet4j.transfer.Transfer;
import org.convnet4j.transfer.TransferAdvisor;
import org.convnet4j.transfer.TransferCase;
import org.convnet4j.transfer.TransferOptions;
import org.convnet4j.transfer.TransferRun;

/**
 * Where does the folds' Brier ranking of one cell go wrong (docs/TRANSFER.md, "Seed 2030 with the Brier ranking")?
 * The cell is drawn as FoldTestStudy draws it; every case's fold runs are carried out as
 * TransferAdvisor.heldOutAccuracy does (same folds, round seeds and settings), and each fold model is scored by
 * accuracy and mean Brier score both on its held-out training pictures (what --try ranks by) and on the cell's test
 * pictures; the final model (all training pictures) on the test pictures too. So the folds' error splits into the
 * pictures judged (held-out against test, the same fold models) and the training size (fold models against the final
 * model, both on the test set).
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp convnet4j.jar tools/advisor-study/FoldBrierOnTest.java \
 *     BASE.c4j SEED SPEC PER_CLASS [cases 1,1-early,2,3,4] [test pictures per class, 100]
 * </pre>
 */
public class FoldBrierOnTest {
    public static void main(String[] a) throws Exception {
        Path basePath = Path.of(a[0]);
        Sequential base = (Sequential) ModelFiles.load(basePath);
        long seed = Long.parseLong(a[1]);
        String spec = a[2];
        int perClass = Integer.parseInt(a[3]);
        List<String> cases = a.length > 4 ? List.of(a[4].split(",")) : List.of("1", "1-early", "2", "3", "4");
        Preprocessing prep = Preprocessing.forInput(base.inputShapes().get(0));
        DataSpec.Loaded full = DataSpec.of(spec).trainAndTest(prep, 42);
        Dataset test = DataSpec.perClass(full.test(), a.length > 5 ? Integer.parseInt(a[5]) : 100, 7);
        Dataset train = DataSpec.perClass(full.train(), perClass, seed);
        TransferOptions o = TransferOptions.forClasses(train.classNames()).withSeed(seed);
        FineTuneSettings s = FineTuneSettings.defaults().withSeed(seed);
        FeatureCache cache = new FeatureCache(basePath.toAbsolutePath().resolveSibling("fold-brier-cache"));
        System.out.println("case,held_accuracy,held_brier,fold_models_test_accuracy,fold_models_test_brier,"
                + "final_test_accuracy,final_test_brier");
        for (String label : cases) {
            TransferCase c = TransferCase.of(label.charAt(0) - '0');
            TransferOptions lo = o.withCut(label.equals("1-early") ? Transfer.earlyCut(base)
                    : label.equals("1") ? Transfer.defaultCut(base) : null);
            TransferRun.Outcome fin = TransferRun.run(Transfer.plan(c, Transfer.copyOf(base), lo), train, test,
                    "logreg", s, cache, null, List.of(), FeatureExtractor.Progress.NONE);
            double heldRight = 0;
            double heldBrier = 0;
            int heldN = 0;
            double testAcc = 0;
            double testBrier = 0;
            int runs = 0;
            for (int r = 0; r < TransferAdvisor.MAX_ROUNDS; r++) {
                FineTuneSettings rs = s.withSeed(s.seed() + TransferAdvisor.ROUND_SEED_STEP * r);
                int[] fold = TransferAdvisor.stratifiedFolds(train, TransferAdvisor.FOLDS, rs.seed());
                for (int f = 0; f < TransferAdvisor.FOLDS; f++) {
                    int[][] parts = parts(fold, f);
                    Dataset held = Datasets.view(train, parts[1]);
                    TransferRun.Outcome o2 = TransferRun.run(Transfer.plan(c, Transfer.copyOf(base), lo),
                            Datasets.view(train, parts[0]), held, "logreg", rs, cache, null, List.of(),
                            FeatureExtractor.Progress.NONE);
                    heldRight += Math.round(o2.accuracy() * held.size());
                    heldBrier += BrierScore.sum(o2.model(), held);
                    heldN += held.size();
                    testAcc += TransferRun.accuracyByName(o2.model(), test, null);
                    testBrier += BrierScore.sum(o2.model(), test) / test.size();
                    runs++;
                }
            }
            System.out.printf(Locale.ROOT, "%s,%.4f,%.4f,%.4f,%.4f,%.4f,%.4f%n", label, heldRight / heldN,
                    heldBrier / heldN, testAcc / runs, testBrier / runs, fin.accuracy(),
                    BrierScore.sum(fin.model(), test) / test.size());
            System.out.flush();
        }
    }

    private static int[][] parts(int[] fold, int f) {
        int held = 0;
        for (int v : fold) {
            held += v == f ? 1 : 0;
        }
        int[] train = new int[fold.length - held];
        int[] test = new int[held];
        int x = 0;
        int y = 0;
        for (int i = 0; i < fold.length; i++) {
            if (fold[i] == f) {
                test[y++] = i;
            } else {
                train[x++] = i;
            }
        }
        return new int[][] {train, test};
    }
}

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
import org.convnet4j.transfer.Transfer;
import org.convnet4j.transfer.TransferCase;
import org.convnet4j.transfer.TransferOptions;
import org.convnet4j.transfer.TransferRun;

/**
 * Test accuracy of Cases 1-4 with the fine-tuning defaults on small targets, over several seeds (docs/TRANSFER.md,
 * "Tiny targets"): the same training and test pictures as tools/advisor-study (100 test pictures per class, the
 * experiment's), so its CSVs hold the previous defaults' figures for the same cells.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp convnet4j-cli/target/convnet4j.jar tools/fine-tune-study/FineTuneStudy.java \
 *     BASE.c4j PER_CLASS SEEDS(1,2,..) OUT.csv [VARIANT] [spec,spec]
 * </pre>
 * VARIANT: {@code default} (the current defaults) or {@code gradient-head} (phase 1 by Adam, as before).
 */
public class FineTuneStudy {
    public static void main(String[] a) throws Exception {
        Sequential base = (Sequential) ModelFiles.load(Path.of(a[0]));
        int perClass = Integer.parseInt(a[1]);
        List<Long> seeds = java.util.Arrays.stream(a[2].split(",")).map(Long::parseLong).toList();
        Path out = Path.of(a[3]);
        String variant = a.length > 4 ? a[4] : "default";
        List<String> specs = a.length > 5 ? List.of(a[5].split(",")) : List.of("fashion-mnist:5-9", "opencv-digits");
        Preprocessing prep = Preprocessing.forInput(base.inputShapes().get(0));
        FeatureCache cache = new FeatureCache(out.toAbsolutePath().resolveSibling("fine-tune-study-cache"));
        if (!Files.exists(out)) {
            Files.writeString(out, "base,target,per_class,seed,variant,case,test_accuracy,seconds\n");
        }
        for (String spec : specs) {
            DataSpec.Loaded full = DataSpec.of(spec).trainAndTest(prep, 42);
            Dataset test = DataSpec.perClass(full.test(), 100, 7);
            for (long seed : seeds) {
                Dataset train = DataSpec.perClass(full.train(), perClass, seed);
                TransferOptions o = TransferOptions.forClasses(train.classNames()).withSeed(seed);
                FineTuneSettings s = FineTuneSettings.defaults().withSeed(seed);
                if (variant.equals("gradient-head")) {
                    s = s.withHeadFit(FineTuneSettings.HeadFit.GRADIENT);
                }
                for (int c = 1; c <= 4; c++) {
                    TransferOptions lo = c == 1 ? o.withCut(Transfer.defaultCut(base)) : o;
                    TransferRun.Outcome r = TransferRun.run(Transfer.plan(TransferCase.of(c), Transfer.copyOf(base), lo),
                            train, test, "logreg", s, cache, null, List.of(), FeatureExtractor.Progress.NONE);
                    String row = String.format(Locale.ROOT, "%s,%s,%d,%d,%s,%d,%.4f,%.1f%n", Path.of(a[0]).getParent(),
                            spec, perClass, seed, variant, c, r.accuracy(), r.seconds());
                    Files.writeString(out, row, StandardOpenOption.APPEND);
                    System.out.print(row);
                    System.out.flush();
                }
            }
        }
    }
}

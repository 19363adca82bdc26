package org.convnet4j.transfer;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.convnet4j.data.Dataset;
import org.convnet4j.dataspec.DataSpec;
import org.convnet4j.model.ModelFiles;
import org.convnet4j.model.Preprocessing;
import org.convnet4j.nn.Sequential;
import org.convnet4j.train.Trainer;

/**
 * Where Case 2 loses against Case 1 (docs/TRANSFER.md, "Seed 2030"): Case 1 (liblinear logreg), Case 2's phase-1 head
 * alone fitted on all the training pictures, Case 2 without refit, Case 2 with the defaults; the experiment's
 * pictures. In this package to reach FineTuning's head-only plan; compile and run beside the jar:
 * <pre>
 * javac -d cls -cp convnet4j.jar tools/fine-tune-study/diagnosis/org/convnet4j/transfer/HeadVsTuning.java
 * java --add-modules jdk.incubator.vector -cp cls:convnet4j.jar org.convnet4j.transfer.HeadVsTuning \
 *     seed-2030/base-fashion-0-4.c4j 2030 100 fashion-mnist:5-9
 * </pre>
 */
public class HeadVsTuning {
    public static void main(String[] a) throws Exception {
        Sequential base = (Sequential) ModelFiles.load(Path.of(a[0]));
        long seed = Long.parseLong(a[1]);
        int n = Integer.parseInt(a[2]);
        String spec = a[3];
        Preprocessing prep = Preprocessing.forInput(base.inputShapes().get(0));
        DataSpec.Loaded full = DataSpec.of(spec).trainAndTest(prep, 42);
        Dataset test = DataSpec.perClass(full.test(), 100, 7);
        Dataset train = DataSpec.perClass(full.train(), n, seed);
        TransferOptions o = TransferOptions.forClasses(train.classNames()).withSeed(seed);
        FineTuneSettings s = FineTuneSettings.defaults().withSeed(seed);
        TransferRun.Outcome c1 = TransferRun.run(Transfer.plan(TransferCase.BOTTLENECK, Transfer.copyOf(base), o), train, test,
                "logreg", s, null, null, List.of(), FeatureExtractor.Progress.NONE);
        System.out.printf(Locale.ROOT, "case1 logreg(liblinear) test %.4f%n", c1.accuracy());
        // head alone, fitted on all the training pictures
        TransferPlan p = Transfer.plan(TransferCase.FINE_TUNE_LAST, Transfer.copyOf(base), o);
        TransferPlan h = FineTuning.headOnly(p);
        org.convnet4j.train.History hist = new org.convnet4j.train.History();
        java.lang.reflect.Method m = FineTuning.class.getDeclaredMethod("convexPhase", TransferPlan.class, Dataset.class,
                Dataset.class, java.util.function.Consumer.class, FeatureExtractor.Progress.class,
                org.convnet4j.train.History.class, boolean.class, FineTuneSettings.HeadFit.class);
        m.setAccessible(true);
        m.invoke(null, h, train, null, (java.util.function.Consumer<String>) x -> { }, FeatureExtractor.Progress.NONE, hist, true,
                FineTuneSettings.HeadFit.LOGISTIC_REGRESSION);
        System.out.printf(Locale.ROOT, "case2 head alone (softmax regression, all data) test %.4f%n",
                Trainer.evaluate(p.model(), test, 256).accuracy());
        // validation-chosen (no refit)
        TransferPlan p2 = Transfer.plan(TransferCase.FINE_TUNE_LAST, Transfer.copyOf(base), o);
        FineTuning.Result r2 = FineTuning.fit(p2, train, s.withRefit(false), x -> System.out.println("   nr| " + x));
        System.out.printf(Locale.ROOT, "case2 no refit test %.4f (val %.4f)%n", Trainer.evaluate(r2.model(), test, 256).accuracy(), r2.validationAccuracy());
        TransferPlan p3 = Transfer.plan(TransferCase.FINE_TUNE_LAST, Transfer.copyOf(base), o);
        FineTuning.Result r3 = FineTuning.fit(p3, train, s, x -> System.out.println("   rf| " + x));
        System.out.printf(Locale.ROOT, "case2 default test %.4f%n", Trainer.evaluate(r3.model(), test, 256).accuracy());
    }
}

package org.convnet4j.transfer;

import org.convnet4j.model.RawJson;
import org.convnet4j.internal.json.Json;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import org.convnet4j.data.Dataset;
import org.convnet4j.data.Datasets;
import org.convnet4j.dataspec.DataSpec;
import org.convnet4j.model.ModelFiles;
import org.convnet4j.model.Preprocessing;
import org.convnet4j.nn.Sequential;
import org.convnet4j.tensor.Shape;
import org.convnet4j.train.TrainConfig;
import org.convnet4j.train.Trainer;
import org.convnet4j.train.optim.Adam;
import org.convnet4j.zoo.LeNet5;

/**
 * The transfer experiment: LeNet-5 pretrained on Fashion-MNIST classes 0-4, transferred with every case to a
 * similar target (Fashion-MNIST 5-9) and a dissimilar one (OpenCV's handwritten digits) at several sizes, with
 * the advisor's verdict for each setting. The {@code experiment transfer} command prints and charts the rows.
 */
public final class TransferExperiment {
    /** The case labels run per setting, in order. */
    public static final List<String> CASES = List.of("0", "1", "1-early", "2", "3", "4");

    /** Case 1's shallow classifiers compared side by side (convnet4j-ml's names). */
    public static final List<String> CLASSIFIERS = List.of("logreg", "svm", "rbf-svm", "knn", "forest");

    /**
     * Settings; {@code cases} may be a subset of {@link #CASES}. {@code classifiers} (may be empty) are compared
     * as Case 1 at the default cut on each target with {@code classifiersAt} training pictures per class.
     */
    public record Config(List<Integer> sizes, int pretrainPerClass, int pretrainEpochs, int testPerClass,
                         Map<String, String> targets, List<String> cases, FineTuneSettings fineTune,
                         TransferOptions options, List<String> classifiers, int classifiersAt) {
        public Config {
            classifiers = List.copyOf(classifiers);
            if (!classifiers.isEmpty() && classifiersAt < 1) {
                throw new IllegalArgumentException("experiment: the classifier comparison needs at least 1 picture"
                        + " per class, got " + classifiersAt);
            }
        }

        public static Config defaults() {
            Map<String, String> t = new LinkedHashMap<>();
            t.put("similar: Fashion-MNIST 5-9", "fashion-mnist:5-9");
            t.put("dissimilar: digits 0-9", "opencv-digits");
            return new Config(List.of(10, 100, 400), 1000, 4, 100, t, CASES, FineTuneSettings.defaults(),
                    TransferOptions.forClasses(List.of()), CLASSIFIERS, 100);
        }
    }

    /** Case 1 with one shallow classifier on one target. */
    public record ClassifierRow(String target, int perClass, String classifier, double accuracy, double seconds) {
    }

    /**
     * One measured case in one setting: its test accuracy, and the cross-validated held-out accuracy on the
     * training pictures that {@code advise --try} goes by ({@link TransferAdvisor#heldOutAccuracy}; NaN and 0
     * answers for Case 0).
     */
    public record Row(String target, int perClass, String caseLabel, String description, double accuracy,
                      double heldOutAccuracy, int heldOutAnswers, double seconds, int epochs) {
    }

    /** The advisor's verdict for one setting: the table's answer, the measured similarity, --try's choice. */
    public record Advice(String target, int perClass, TransferAdvisor.Recommendation table, String tried,
                         Map<String, Double> trialAccuracies) {
    }

    public record Report(List<Row> rows, List<Advice> advice, List<ClassifierRow> classifiers, double baseAccuracy,
                         double seconds) {
    }

    private TransferExperiment() {
    }

    /** Pretrains (or reuses) the base in {@code dir}, then runs every setting; {@code log} gets one line per row. */
    public static Report run(Config cfg, Path dir, FeatureCache cache, Consumer<String> log) throws IOException {
        long t0 = System.nanoTime();
        Path basePath = dir.resolve("base-fashion-0-4.c4j");
        double baseAcc = pretrain(cfg, basePath, log);
        Sequential base = (Sequential) ModelFiles.load(basePath);
        FeatureStatistics stats = FeatureStatistics.savedIn(ModelFiles.read(basePath).description(),
                FeatureStatistics.INPUT_KEY, basePath.toString()).orElseThrow(() -> new IllegalArgumentException(
                basePath + " holds no pixel statistics"));
        Preprocessing prep = Preprocessing.forInput(base.inputShapes().get(0));
        List<Row> rows = new ArrayList<>();
        List<Advice> advice = new ArrayList<>();
        for (Map.Entry<String, String> t : cfg.targets().entrySet()) {
            DataSpec.Loaded full = DataSpec.of(t.getValue()).trainAndTest(prep, 42);
            Dataset test = DataSpec.perClass(full.test(), cfg.testPerClass(), 7);
            for (int n : cfg.sizes()) {
                Dataset train = DataSpec.perClass(full.train(), n, 42);
                TransferAdvisor.Assessment similarity = TransferAdvisor.assess(Transfer.copyOf(base), stats, train, 42);
                TransferAdvisor.Recommendation rec = TransferAdvisor.measured(n, similarity);
                Map<String, Double> trial = new LinkedHashMap<>();
                Map<String, TransferAdvisor.HeldOut> heldOut = new LinkedHashMap<>();
                List<String> tried = cfg.cases().stream().filter(TransferAdvisor.TRIED::contains).toList();
                for (TransferAdvisor.Trial tr : TransferAdvisor.tryCases(base, train,
                        cfg.options().withClasses(train.classNames()), cfg.fineTune(), cache, Double.POSITIVE_INFINITY,
                        tried, line -> log.accept(String.format(Locale.ROOT, "%-28s %4d/class  %s", t.getKey(), n, line)))) {
                    trial.put(tr.label(), tr.accuracy());
                    heldOut.put(tr.label(), tr.heldOut());
                }
                for (String label : cfg.cases()) {
                    TransferCase c = TransferCase.of(label.charAt(0) - '0');
                    Sequential copy = Transfer.copyOf(base);
                    TransferOptions o = cfg.options().withClasses(c == TransferCase.PREDICT ? List.of()
                            : train.classNames()).withCut(label.equals("1-early") ? Transfer.earlyCut(copy) : null);
                    TransferPlan plan = Transfer.plan(c, copy, o);
                    TransferRun.Outcome r = TransferRun.run(plan, train, test, "logreg", cfg.fineTune(), cache, null,
                            List.of(), FeatureExtractor.Progress.NONE);
                    TransferAdvisor.HeldOut h = heldOut.get(label);
                    double val = h == null ? Double.NaN : h.accuracy();
                    int epochs = r.history().size();
                    String desc = describe(label, plan, r);
                    Row row = new Row(t.getKey(), n, label, desc, r.accuracy(), val, h == null ? 0 : h.answers(),
                            r.seconds(), epochs);
                    rows.add(row);
                    log.accept(String.format(Locale.ROOT, "%-28s %4d/class  %-44s test %.3f  held-out %.3f  %6.1f s",
                            t.getKey(), n, desc, r.accuracy(), val, r.seconds()));
                }
                String best = TransferAdvisor.best(trial);
                advice.add(new Advice(t.getKey(), n, rec, best, trial));
                log.accept(String.format(Locale.ROOT, "%-28s %4d/class  advisor: %s; %s; tried: case %s",
                        t.getKey(), n, similarity, label(rec), best));
            }
        }
        List<ClassifierRow> classifiers = new ArrayList<>();
        for (Map.Entry<String, String> t : cfg.targets().entrySet()) {
            if (cfg.classifiers().isEmpty()) {
                break;
            }
            DataSpec.Loaded full = DataSpec.of(t.getValue()).trainAndTest(prep, 42);
            Dataset test = DataSpec.perClass(full.test(), cfg.testPerClass(), 7);
            Dataset train = DataSpec.perClass(full.train(), cfg.classifiersAt(), 42);
            for (String name : cfg.classifiers()) {
                TransferPlan plan = Transfer.plan(TransferCase.BOTTLENECK, Transfer.copyOf(base),
                        cfg.options().withClasses(train.classNames()).withCut(null));
                TransferRun.Outcome r = TransferRun.run(plan, train, test, name, cfg.fineTune(), cache, null, List.of(),
                        FeatureExtractor.Progress.NONE);
                classifiers.add(new ClassifierRow(t.getKey(), cfg.classifiersAt(), name, r.accuracy(), r.seconds()));
                log.accept(String.format(Locale.ROOT, "%-28s %4d/class  case 1 (cut %s) with %-8s test %.3f  %6.1f s",
                        t.getKey(), cfg.classifiersAt(), plan.cut(), name, r.accuracy(), r.seconds()));
            }
        }
        return new Report(rows, advice, classifiers, baseAcc, (System.nanoTime() - t0) / 1e9);
    }

    /** "case 2" or "case 1 (early cut)". */
    public static String label(TransferAdvisor.Recommendation r) {
        return "table: case " + r.transferCase().number() + (r.earlyCut() ? " early cut" : "");
    }

    private static String describe(String label, TransferPlan plan, TransferRun.Outcome r) {
        return switch (label) {
            case "0" -> "0 (predict as is)";
            case "1" -> "1 (cut " + plan.cut() + ")";
            case "1-early" -> "1 (early cut " + plan.cut() + ")";
            default -> {
                StringBuilder b = new StringBuilder(label).append(" (");
                for (FineTuning.Phase p : r.phases()) {
                    b.append(p.number() == 1 ? "head " : plan.headLearningRate() > 0 ? ", tune " : "")
                            .append(p.epochs()).append(" ep @").append(Transfer.number(p.learningRate()));
                }
                if (!r.refit().isEmpty()) {
                    b.append("; refit ").append(r.refit().stream().map(p -> String.valueOf(p.epochs()))
                            .collect(java.util.stream.Collectors.joining("+"))).append(" ep");
                }
                yield b.append(')').toString();
            }
        };
    }

    /** LeNet-5 on Fashion-MNIST 0-4 with its penultimate feature statistics; reused when the file exists. */
    private static double pretrain(Config cfg, Path basePath, Consumer<String> log) throws IOException {
        if (java.nio.file.Files.exists(basePath)) {
            JsonObject d = Json.parseObject(ModelFiles.read(basePath).description(), basePath.toString());
            if (d.has("pretrain_per_class") && d.get("pretrain_per_class").getAsInt() == cfg.pretrainPerClass()
                    && d.get("pretrain_epochs").getAsInt() == cfg.pretrainEpochs()) {
                log.accept("reusing the base " + basePath);
                return d.get("pretrain_test_accuracy").getAsDouble();
            }
        }
        Sequential net = LeNet5.build(Shape.of(1, 28, 28), 5, LeNet5.Variant.MODERN);
        net.initialize(42);
        Preprocessing prep = Preprocessing.forInput(net.inputShapes().get(0));
        DataSpec.Loaded src = DataSpec.of("fashion-mnist:0-4").trainAndTest(prep, 42);
        Dataset train = DataSpec.perClass(src.train(), cfg.pretrainPerClass(), 42);
        net.setClassNames(train.classNames());
        long start = System.nanoTime();
        Trainer.fit(net, train, null, TrainConfig.builder(new Adam(net, 1e-3)).epochs(cfg.pretrainEpochs())
                .batchSize(32).seed(42).build());
        double acc = Trainer.evaluate(net, DataSpec.perClass(src.test(), 200, 7), 256).accuracy();
        FeatureStatistics stats = FeatureStatistics.compute(net, FeatureStatistics.penultimateLayer(net), train, 1000);
        Map<String, Object> extra = new java.util.LinkedHashMap<>();
        extra.put(FeatureStatistics.KEY, new RawJson(stats.toJson()));
        extra.put(FeatureStatistics.INPUT_KEY,
                new RawJson(FeatureStatistics.compute(net, FeatureStatistics.INPUT, train, 1000).toJson()));
        extra.put("pretrain_test_accuracy", acc);
        extra.put("pretrain_per_class", cfg.pretrainPerClass());
        extra.put("pretrain_epochs", cfg.pretrainEpochs());
        ModelFiles.save(net, basePath, prep, extra);
        log.accept(String.format(Locale.ROOT, "pretrained LeNet-5 on Fashion-MNIST 0-4 (%d pictures, %d epochs): test"
                        + " accuracy %.3f, %.0f s; saved %s with feature statistics of '%s'", train.size(),
                cfg.pretrainEpochs(), acc, (System.nanoTime() - start) / 1e9, basePath, stats.layer()));
        return acc;
    }

    static Datasets.Split trialSplit(Dataset train, FineTuneSettings s) {
        return Datasets.split(train, s.validationFraction(), s.seed());
    }
}

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
import org.convnet4j.dataspec.DataSpec;
import org.convnet4j.model.ModelFiles;
import org.convnet4j.model.Preprocessing;
import org.convnet4j.nn.Sequential;
import org.convnet4j.tensor.Shape;
import org.convnet4j.train.History;
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
    /** Seed of the held-out test pictures: the same in every run, whatever {@link Config#seed}. */
    static final long TEST_SEED = 7;

    /** The case labels run per setting, in order. */
    public static final List<String> CASES = List.of("0", "1", "1-early", "2", "3", "4");

    /** Case 1's shallow classifiers compared side by side (convnet4j-ml's names). */
    public static final List<String> CLASSIFIERS = List.of("logreg", "svm", "rbf-svm", "knn", "forest");

    /**
     * Settings; {@code cases} may be a subset of {@link #CASES} (another label is refused here).
     * {@code classifiers} (may be empty) are compared as Case 1 at the default cut on each target with
     * {@code classifiersAt} training pictures per class.
     * {@code seed} decides every random choice but the held-out test pictures (the same in every run, so runs
     * compare): the base's initial weights, its pretraining pictures and their order, the target's training
     * pictures, the validation splits and folds, the new layers' weights. It replaces the seeds of
     * {@code fineTune} and {@code options}.
     */
    public record Config(List<Integer> sizes, int pretrainPerClass, int pretrainEpochs, int testPerClass,
                         Map<String, String> targets, List<String> cases, FineTuneSettings fineTune,
                         TransferOptions options, List<String> classifiers, int classifiersAt, long seed) {
        /** The published experiment's seed. */
        public static final long DEFAULT_SEED = 42;

        public Config {
            classifiers = List.copyOf(classifiers);
            cases = List.copyOf(cases);
            for (String c : cases) { // an unknown label would fail after the pretraining, or run as another case
                if (!CASES.contains(c)) {
                    throw new IllegalArgumentException("cases " + c + ": expected some of " + CASES);
                }
            }
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
                    TransferOptions.forClasses(List.of()), CLASSIFIERS, 100, DEFAULT_SEED);
        }

        /** The same settings with another {@link #seed}. */
        public Config withSeed(long s) {
            return new Config(sizes, pretrainPerClass, pretrainEpochs, testPerClass, targets, cases, fineTune, options,
                    classifiers, classifiersAt, s);
        }

        FineTuneSettings seededFineTune() {
            return fineTune.withSeed(seed);
        }

        TransferOptions seededOptions() {
            return options.withSeed(seed);
        }
    }

    /** Case 1 with one shallow classifier on one target. */
    public record ClassifierRow(String target, int perClass, String classifier, double accuracy, double seconds) {
    }

    /**
     * One measured case in one setting: its test accuracy, and the cross-validated held-out accuracy on the
     * training pictures that {@code advise --try} goes by ({@link TransferAdvisor#heldOutAccuracy}; NaN and 0
     * answers for Case 0); {@code seconds} carries the case out once, {@code heldOutSeconds} is the
     * cross-validation's time (0 for Case 0), {@code heldOutRightPerFold} its right answers fold by fold,
     * {@code heldOutFoldsKeepingTuning} how many of those fold runs kept their fine-tuning (Cases 2 and 3; -1 otherwise).
     */
    public record Row(String target, int perClass, String caseLabel, String description, double accuracy,
                      double heldOutAccuracy, int heldOutAnswers, double seconds, int epochs, double heldOutSeconds,
                      List<Integer> heldOutRightPerFold, int heldOutFoldsKeepingTuning, List<String> frozen,
                      List<FineTuning.Phase> phases, List<FineTuning.Phase> refit, History history) {
        public Row {
            heldOutRightPerFold = List.copyOf(heldOutRightPerFold);
            frozen = List.copyOf(frozen);
            phases = List.copyOf(phases);
            refit = List.copyOf(refit);
            history = history == null ? new History() : history;
        }

        /** A row with its phases but without their per-epoch history. */
        public Row(String target, int perClass, String caseLabel, String description, double accuracy,
                   double heldOutAccuracy, int heldOutAnswers, double seconds, int epochs, double heldOutSeconds,
                   List<Integer> heldOutRightPerFold, int heldOutFoldsKeepingTuning, List<String> frozen,
                   List<FineTuning.Phase> phases, List<FineTuning.Phase> refit) {
            this(target, perClass, caseLabel, description, accuracy, heldOutAccuracy, heldOutAnswers, seconds, epochs,
                    heldOutSeconds, heldOutRightPerFold, heldOutFoldsKeepingTuning, frozen, phases, refit, null);
        }

        /** A row without its phases (a case not trained by gradient, or a report read back without them). */
        public Row(String target, int perClass, String caseLabel, String description, double accuracy,
                   double heldOutAccuracy, int heldOutAnswers, double seconds, int epochs, double heldOutSeconds,
                   List<Integer> heldOutRightPerFold, int heldOutFoldsKeepingTuning) {
            this(target, perClass, caseLabel, description, accuracy, heldOutAccuracy, heldOutAnswers, seconds, epochs,
                    heldOutSeconds, heldOutRightPerFold, heldOutFoldsKeepingTuning, List.of(), List.of(), List.of());
        }

        /** The case's gradient training phase by phase with each phase's epochs (empty for Cases 0 and 1). */
        public TransferHistory transferHistory() {
            return phases.isEmpty() ? TransferHistory.empty() : TransferHistory.of(frozen, phases, refit, history);
        }

        /**
         * What the case's training did, one line per phase ({@link TransferHistory#summaryLines}): what was frozen
         * and trained, the rate, the epochs run of the most allowed and whether early stopping ended it, the epoch
         * kept; for Cases 2 and 3 whether the tuned weights were kept over the head and why
         * ({@link FineTuning#keepReason}); then the refit. Empty for Cases 0 and 1.
         */
        public List<String> phaseDetails() {
            return transferHistory().summaryLines();
        }

        /** A row without the count of fold runs that kept their fine-tuning (-1). */
        public Row(String target, int perClass, String caseLabel, String description, double accuracy,
                   double heldOutAccuracy, int heldOutAnswers, double seconds, int epochs, double heldOutSeconds,
                   List<Integer> heldOutRightPerFold) {
            this(target, perClass, caseLabel, description, accuracy, heldOutAccuracy, heldOutAnswers, seconds, epochs,
                    heldOutSeconds, heldOutRightPerFold, -1);
        }
    }

    /**
     * The advisor's verdict for one setting: the table's answer (with the measured similarity), what --try
     * recommends ({@code tried}, from {@code choice}; null when no case was tried) and each tried case's held-out
     * accuracy.
     */
    public record Advice(String target, int perClass, TransferAdvisor.Recommendation table, String tried,
                         Map<String, Double> trialAccuracies, TransferAdvisor.Choice choice) {
    }

    /**
     * What {@link #run} measured, and its tables: {@link #markdown()} (results.md), {@link #csv()} (results.csv),
     * {@link #chartValues()} (the bars of the accuracy chart). {@code tests}: the test pictures each target's cases
     * were scored on (empty when not recorded).
     */
    public record Report(List<Row> rows, List<Advice> advice, List<ClassifierRow> classifiers, double baseAccuracy,
                         double seconds, Config config, List<TestSet> tests) {
        public Report {
            rows = List.copyOf(rows);
            advice = List.copyOf(advice);
            classifiers = List.copyOf(classifiers);
            tests = List.copyOf(tests);
        }

        /** A report without its test pictures' counts (results.md then names only the most asked per class). */
        public Report(List<Row> rows, List<Advice> advice, List<ClassifierRow> classifiers, double baseAccuracy,
                      double seconds, Config config) {
            this(rows, advice, classifiers, baseAccuracy, seconds, config, List.of());
        }

        /** File names {@link #write} gives the tables in its folder, in this order. */
        public static final List<String> FILES = List.of("results.md", "results.csv", "results.json");

        /**
         * Writes {@link #markdown()}, {@link #csv()} and {@link #toJson()} to {@code dir} as {@link #FILES} (each
         * atomically: an interrupted write leaves the earlier file); {@code dir} must exist.
         */
        public void write(Path dir) throws IOException {
            org.convnet4j.util.AtomicFiles.writeString(dir.resolve(FILES.get(0)), markdown());
            org.convnet4j.util.AtomicFiles.writeString(dir.resolve(FILES.get(1)), csv());
            org.convnet4j.util.AtomicFiles.writeString(dir.resolve(FILES.get(2)), toJson());
        }

        /** The cases' table: one row per target, size and case, header first. */
        public List<String[]> caseTable() {
            List<String[]> out = new ArrayList<>();
            out.add(new String[] {"target", "per class", "case", "test accuracy", "held-out accuracy (5-fold, answers)",
                "seconds", "5-fold seconds"});
            for (Row r : rows) {
                out.add(new String[] {r.target(), Integer.toString(r.perClass()), r.description(),
                    String.format(Locale.ROOT, "%.3f", r.accuracy()),
                    Double.isNaN(r.heldOutAccuracy()) ? "" : String.format(Locale.ROOT, "%.3f (%d)", r.heldOutAccuracy(),
                            r.heldOutAnswers()),
                    String.format(Locale.ROOT, "%.1f", r.seconds()),
                    Double.isNaN(r.heldOutAccuracy()) ? "" : String.format(Locale.ROOT, "%.1f", r.heldOutSeconds())});
            }
            return out;
        }

        /** The test accuracy of {@code label} in one setting (NaN if it did not run). */
        public double accuracy(String target, int perClass, String label) {
            return rows.stream().filter(r -> r.target().equals(target) && r.perClass() == perClass
                    && r.caseLabel().equals(label)).mapToDouble(Row::accuracy).findFirst().orElse(Double.NaN);
        }

        /** The best test accuracy of any case in one setting. */
        public double bestAccuracy(String target, int perClass) {
            return rows.stream().filter(r -> r.target().equals(target) && r.perClass() == perClass)
                    .mapToDouble(Row::accuracy).max().orElse(Double.NaN);
        }

        /** The advisor's table: similarity, the lecture table's case, --try's pick and how it scored. */
        public List<String[]> adviceTable() {
            List<String[]> out = new ArrayList<>();
            out.add(new String[] {"target", "per class", "similarity (bootstrap)", "table says", "--try picks",
                "its test accuracy", "best test accuracy", "--try's verdict"});
            for (Advice a : advice) {
                out.add(new String[] {a.target(), Integer.toString(a.perClass()), a.table().reasons().get(1),
                    "case " + a.table().transferCase().number() + (a.table().earlyCut() ? " early cut" : ""),
                    a.tried() == null ? "" : "case " + a.tried(),
                    a.tried() == null ? "" : String.format(Locale.ROOT, "%.3f", accuracy(a.target(), a.perClass(),
                            a.tried())),
                    String.format(Locale.ROOT, "%.3f", bestAccuracy(a.target(), a.perClass())),
                    a.choice() == null ? "" : a.choice().reason()});
            }
            return out;
        }

        /** Case 1's classifiers side by side: one row per classifier, accuracy and seconds per target. */
        public List<String[]> classifierTable() {
            List<String[]> out = new ArrayList<>();
            List<String> head = new ArrayList<>(List.of("classifier"));
            config.targets().keySet().forEach(n -> {
                head.add(n + ", " + config.classifiersAt() + "/class");
                head.add("seconds");
            });
            out.add(head.toArray(String[]::new));
            for (String c : config.classifiers()) {
                List<String> row = new ArrayList<>(List.of(c));
                for (String n : config.targets().keySet()) {
                    classifiers.stream().filter(r -> r.target().equals(n) && r.classifier().equals(c)).findFirst()
                            .ifPresentOrElse(r -> {
                                row.add(String.format(Locale.ROOT, "%.3f", r.accuracy()));
                                row.add(String.format(Locale.ROOT, "%.1f", r.seconds()));
                            }, () -> {
                                row.add("");
                                row.add("");
                            });
                }
                out.add(row.toArray(String[]::new));
            }
            return out;
        }

        /**
         * results.md's paragraph on the test pictures: per target how many in all and per class, and how many
         * classes; a target with fewer than {@link Config#testPerClass} in some class says so.
         */
        String testPictures() {
            StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "Test pictures (--test-per-class %d: at most"
                    + " %d of each class, drawn with their own seed; every case of a target is scored on the same"
                    + " ones):\n\n", config.testPerClass(), config.testPerClass()));
            if (tests.isEmpty()) {
                b.append("- not counted in this report\n");
            }
            for (TestSet t : tests) {
                b.append("- ").append(t.target()).append(": ").append(t.describe(config.testPerClass())).append('\n');
            }
            return b.append('\n').toString();
        }

        /**
         * results.md: the base, the test pictures per target, the cases' table, the advisor's table, the classifiers,
         * the total time.
         */
        public String markdown() {
            StringBuilder md = new StringBuilder();
            md.append(String.format(Locale.ROOT, "Base: LeNet-5 on Fashion-MNIST 0-4, %d per class, %d epochs: test"
                    + " accuracy %.3f.%s%n%n", config.pretrainPerClass(), config.pretrainEpochs(), baseAccuracy,
                    config.seed() == Config.DEFAULT_SEED ? "" : " Seed " + config.seed() + "."));
            md.append(testPictures());
            md.append(markdownTable(caseTable())).append('\n').append(markdownTable(adviceTable()));
            if (!config.classifiers().isEmpty()) {
                md.append("\nCase 1's classifiers side by side (default cut):\n\n").append(markdownTable(classifierTable()));
            }
            StringBuilder epochs = new StringBuilder();
            for (Row r : rows) {
                List<String> lines = r.transferHistory().epochLines();
                if (!lines.isEmpty()) {
                    epochs.append(r.target()).append(", ").append(r.perClass()).append("/class, case ")
                            .append(r.description()).append('\n');
                    lines.forEach(l -> epochs.append("  ").append(l).append('\n'));
                }
            }
            if (epochs.length() > 0) {
                md.append("\nPer-epoch history of the cases trained by gradient (each phase's epochs on the validation"
                        + " split, the kept epoch's value in [brackets], then the refit on all the training pictures;"
                        + " results.json holds the same under rows[].phases[].history):\n\n```\n").append(epochs)
                        .append("```\n");
            }
            md.append(String.format(Locale.ROOT, "%nTotal time %.0f s.%n", seconds));
            return md.toString();
        }

        /**
         * results.csv: the cases' table, every cell quoted, plus the cross-validation's right answers per fold and,
         * for Cases 2 and 3, how many fold runs kept their fine-tuning ("k/n").
         */
        public String csv() {
            StringBuilder csv = new StringBuilder();
            List<String[]> table = caseTable();
            for (int i = 0; i < table.size(); i++) {
                List<String> cells = new ArrayList<>(List.of(table.get(i)));
                cells.add(i == 0 ? "5-fold right answers per fold" : rows.get(i - 1).heldOutRightPerFold().stream()
                        .map(String::valueOf).collect(java.util.stream.Collectors.joining(" ")));
                Row r = i == 0 ? null : rows.get(i - 1);
                cells.add(i == 0 ? "5-fold runs keeping tuning" : r.heldOutFoldsKeepingTuning() < 0 ? ""
                        : r.heldOutFoldsKeepingTuning() + "/" + r.heldOutRightPerFold().size());
                csv.append(String.join(",", cells.stream().map(c -> "\"" + c + "\"").toList())).append('\n');
            }
            return csv.toString();
        }

        /**
         * The whole report as JSON (what {@code experiment transfer --json} prints and results.json holds): the
         * settings, the base's accuracy, the test pictures per target ({@code test_pictures}: {@code target},
         * {@code pictures}, {@code per_class} counts in class order), every case's row with its phases ({@code phases}: what was trained, rate,
         * epochs run, epoch kept and why, validation figures, each phase's {@code history}, in the words of
         * {@code transfer --json} and {@code train --json} ({@link TransferHistory#tree}); for phase 2 of Cases 2 and
         * 3 the paired comparison with the head and {@code tuning_kept} with its {@code keep_reason};
         * {@code refit_phases}, also under its old name {@code refit} for one release; {@code details}: the printed
         * lines), the advisor's verdicts and Case 1's classifiers.
         */
        public String toJson() {
            Map<String, Object> root = new LinkedHashMap<>();
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("seed", config.seed());
            c.put("sizes", config.sizes());
            c.put("cases", config.cases());
            c.put("targets", config.targets());
            c.put("pretrain_per_class", config.pretrainPerClass());
            c.put("pretrain_epochs", config.pretrainEpochs());
            c.put("test_per_class", config.testPerClass());
            c.put("head_fit", config.fineTune().headFit().optionName());
            c.put("validation_fraction", config.fineTune().validationFraction());
            c.put("patience", config.fineTune().patience());
            c.put("max_tune_epochs", config.fineTune().maxTuneEpochs());
            c.put("keep_z", config.fineTune().keepZ());
            c.put("keep_se", config.fineTune().keepSe());
            c.put("refit", config.fineTune().refit());
            root.put("config", c);
            root.put("base_accuracy", baseAccuracy);
            List<Object> ts = new ArrayList<>();
            for (TestSet t : tests) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("target", t.target());
                m.put("pictures", t.pictures());
                m.put("per_class", t.perClass());
                ts.add(m);
            }
            root.put("test_pictures", ts);
            List<Object> rs = new ArrayList<>();
            for (Row r : rows) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("target", r.target());
                m.put("per_class", r.perClass());
                m.put("case", r.caseLabel());
                m.put("description", r.description());
                m.put("test_accuracy", r.accuracy());
                if (!Double.isNaN(r.heldOutAccuracy())) {
                    m.put("held_out_accuracy", r.heldOutAccuracy());
                    m.put("held_out_answers", r.heldOutAnswers());
                    m.put("held_out_right_per_fold", r.heldOutRightPerFold());
                    m.put("held_out_seconds", r.heldOutSeconds());
                }
                if (r.heldOutFoldsKeepingTuning() >= 0) {
                    m.put("fold_runs_keeping_tuning", r.heldOutFoldsKeepingTuning());
                }
                m.put("seconds", r.seconds());
                if (!r.phases().isEmpty()) {
                    m.put("frozen", r.frozen());
                    TransferHistory h = r.transferHistory();
                    m.put("phases", TransferHistory.tree(h.phases(), true));
                    m.put("refit_phases", TransferHistory.tree(h.refit(), true)); // as transfer --json names them
                    m.put("refit", m.get("refit_phases")); // their old name here: remove in the next release
                    m.put("details", r.phaseDetails());
                }
                rs.add(m);
            }
            root.put("rows", rs);
            List<Object> as = new ArrayList<>();
            for (Advice a : advice) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("target", a.target());
                m.put("per_class", a.perClass());
                m.put("similarity", a.table().reasons().size() > 1 ? a.table().reasons().get(1) : "");
                m.put("table_case", a.table().transferCase().number() + (a.table().earlyCut() ? "-early" : ""));
                if (a.tried() != null) {
                    m.put("try_pick", a.tried());
                    m.put("try_pick_test_accuracy", accuracy(a.target(), a.perClass(), a.tried()));
                    m.put("held_out_accuracies", a.trialAccuracies());
                }
                m.put("best_test_accuracy", bestAccuracy(a.target(), a.perClass()));
                if (a.choice() != null) {
                    m.put("uncertain", a.choice().uncertain());
                    m.put("reason", a.choice().reason());
                }
                as.add(m);
            }
            root.put("advice", as);
            List<Object> cs = new ArrayList<>();
            for (ClassifierRow r : classifiers) {
                cs.add(Map.of("target", r.target(), "classifier", r.classifier(), "test_accuracy", r.accuracy(),
                        "seconds", r.seconds()));
            }
            root.put("classifiers", cs);
            root.put("seconds", seconds);
            return Json.toPretty(Json.toTree(root));
        }

        /**
         * The chart's bars: series "case LABEL", category "similar 10/class" (the built-in targets: "similar" or
         * "dissimilar", other targets by their name), value the test accuracy.
         */
        public List<ChartValue> chartValues() {
            return rows.stream().map(r -> new ChartValue("case " + r.caseLabel(),
                    (r.target().startsWith("similar:") ? "similar " : r.target().startsWith("dissimilar:")
                            ? "dissimilar " : r.target() + " ") + r.perClass() + "/class", r.accuracy())).toList();
        }

        private static String markdownTable(List<String[]> rows) {
            StringBuilder b = new StringBuilder();
            for (int i = 0; i < rows.size(); i++) {
                b.append("| ").append(String.join(" | ", rows.get(i))).append(" |\n");
                if (i == 0) {
                    b.append("|").append("---|".repeat(rows.get(0).length)).append('\n');
                }
            }
            return b.toString();
        }
    }

    /**
     * The held-out test pictures one target's cases were scored on: how many of each class, in class order.
     */
    public record TestSet(String target, List<Integer> perClass) {
        public TestSet {
            perClass = List.copyOf(perClass);
        }

        /** The test pictures of every class together. */
        public int pictures() {
            return perClass.stream().mapToInt(Integer::intValue).sum();
        }

        /** The counts of {@code test}'s classes. */
        static TestSet of(String target, Dataset test) {
            int[] count = new int[test.numClasses()];
            for (int i = 0; i < test.size(); i++) {
                count[test.label(i)]++;
            }
            return new TestSet(target, java.util.Arrays.stream(count).boxed().toList());
        }

        /**
         * "5000 pictures, 1000 per class, 5 classes"; uneven classes as "95-100 per class"; with {@code asked} more
         * than the most of a class, why there are fewer.
         */
        public String describe(int asked) {
            int fewest = perClass.stream().mapToInt(Integer::intValue).min().orElse(0);
            int most = perClass.stream().mapToInt(Integer::intValue).max().orElse(0);
            return String.format(Locale.ROOT, "%d pictures, %s per class, %d classes%s", pictures(),
                    fewest == most ? Integer.toString(most) : fewest + "-" + most, perClass.size(),
                    fewest < asked ? " (its test part has fewer than " + asked + " in "
                            + (most < asked ? "every class" : "some classes") + ")" : "");
        }
    }

    /** One bar of the accuracy chart. */
    public record ChartValue(String series, String category, double value) {
    }

    private TransferExperiment() {
    }

    /**
     * Refuses a size above the training pictures of {@code target}'s smallest class: {@link DataSpec#perClass} would
     * take fewer than the size says, and the tables would name the size.
     */
    static void requireSizes(String target, Dataset train, List<Integer> sizes) {
        int[] count = new int[train.numClasses()];
        for (int i = 0; i < train.size(); i++) {
            count[train.label(i)]++;
        }
        int smallest = 0;
        for (int c = 0; c < count.length; c++) {
            smallest = count[c] < count[smallest] ? c : smallest;
        }
        int fewest = count.length == 0 ? 0 : count[smallest];
        int largest = sizes.stream().mapToInt(Integer::intValue).max().orElse(0);
        if (largest > fewest) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "experiment: --sizes %d: %s has %d training"
                    + " pictures in its smallest class ('%s'); give sizes up to %d", largest, target, fewest,
                    train.classNames().isEmpty() ? String.valueOf(smallest) : train.classNames().get(smallest),
                    fewest));
        }
    }

    /** Pretrains (or reuses) the base in {@code dir}, then runs every setting; {@code log} gets one line per row. */
    public static Report run(Config cfg, Path dir, FeatureCache cache, Consumer<String> log) throws IOException {
        long t0 = System.nanoTime();
        // every target is read, and its sizes checked, before the base is pretrained (for LeNet-5's input, as
        // pretrain builds it): a target with fewer training pictures per class than a size asks for is refused now,
        // not after the pretraining, and not run quietly with fewer (perClass takes at most N)
        Preprocessing lenet = Preprocessing.forInput(Shape.of(1, 28, 28));
        Map<String, DataSpec.Loaded> targets = new LinkedHashMap<>();
        for (Map.Entry<String, String> t : cfg.targets().entrySet()) {
            // the split into training and test parts and the test pictures do not move with the seed
            DataSpec.Loaded full = DataSpec.of(t.getValue()).trainAndTest(lenet, Config.DEFAULT_SEED);
            requireSizes(t.getKey(), full.train(), cfg.sizes());
            targets.put(t.getKey(), full);
        }
        java.nio.file.Files.createDirectories(dir);
        Path basePath = dir.resolve("base-fashion-0-4.c4j");
        double baseAcc = pretrain(cfg, basePath, log);
        Sequential base = (Sequential) ModelFiles.load(basePath);
        FeatureStatistics stats = FeatureStatistics.savedIn(ModelFiles.read(basePath).description(),
                FeatureStatistics.INPUT_KEY, basePath.toString()).orElseThrow(() -> new IllegalArgumentException(
                basePath + " holds no pixel statistics"));
        Preprocessing prep = Preprocessing.forInput(base.inputShapes().get(0));
        List<Row> rows = new ArrayList<>();
        List<Advice> advice = new ArrayList<>();
        List<TestSet> tests = new ArrayList<>();
        for (Map.Entry<String, String> t : cfg.targets().entrySet()) {
            DataSpec.Loaded full = prep.equals(lenet) ? targets.get(t.getKey())
                    : DataSpec.of(t.getValue()).trainAndTest(prep, Config.DEFAULT_SEED);
            full.conversions().forEach(c -> log.accept(t.getKey() + ": converting: " + c));
            Dataset test = DataSpec.perClass(full.test(), cfg.testPerClass(), TEST_SEED);
            tests.add(TestSet.of(t.getKey(), test));
            if (test.size() < (long) cfg.testPerClass() * test.numClasses()) {
                // perClass takes at most N of each class: say how many the scores stand on (results.md lists them too)
                log.accept(String.format(Locale.ROOT, "%s: testing on %d pictures, not %d of each of its %d classes:"
                        + " its test part has fewer in some classes", t.getKey(), test.size(), cfg.testPerClass(),
                        test.numClasses()));
            }
            for (int n : cfg.sizes()) {
                Dataset train = DataSpec.perClass(full.train(), n, cfg.seed());
                TransferAdvisor.Assessment similarity = TransferAdvisor.assess(Transfer.copyOf(base), stats, train,
                        cfg.seed());
                TransferAdvisor.Recommendation rec = TransferAdvisor.measured(n, similarity);
                Map<String, Double> trial = new LinkedHashMap<>();
                Map<String, TransferAdvisor.Trial> heldOut = new LinkedHashMap<>();
                List<TransferAdvisor.Trial> trials = new ArrayList<>();
                List<String> tried = cfg.cases().stream().filter(TransferAdvisor.TRIED::contains).toList();
                for (TransferAdvisor.Trial tr : TransferAdvisor.tryCases(base, train,
                        cfg.seededOptions().withClasses(train.classNames()), cfg.seededFineTune(), cache, Double.POSITIVE_INFINITY,
                        tried, line -> log.accept(String.format(Locale.ROOT, "%-28s %4d/class  %s", t.getKey(), n, line)))) {
                    trial.put(tr.label(), tr.accuracy());
                    heldOut.put(tr.label(), tr);
                    trials.add(tr);
                }
                for (String label : cfg.cases()) {
                    TransferCase c = TransferCase.of(label.charAt(0) - '0');
                    Sequential copy = Transfer.copyOf(base);
                    // Case 0 on the dissimilar target knows none of its classes: the lecture's table row, scored
                    // on purpose (every answer wrong), so asked for explicitly
                    TransferOptions o = cfg.seededOptions().withClasses(c == TransferCase.PREDICT ? List.of()
                            : train.classNames()).withCut(label.equals("1-early") ? Transfer.earlyCut(copy) : null)
                            .withPartialClasses(c == TransferCase.PREDICT);
                    TransferPlan plan = Transfer.plan(c, copy, o);
                    TransferRun.Outcome r = TransferRun.run(plan, train, test, "logreg", cfg.seededFineTune(), cache, null,
                            List.of(), FeatureExtractor.Progress.NONE);
                    TransferAdvisor.Trial h = heldOut.get(label);
                    double val = h == null ? Double.NaN : h.accuracy();
                    // gradient epochs (Case 1's one history row, its classifier's fit, is no epoch)
                    int epochs = r.phases().isEmpty() ? 0 : r.history().size();
                    String desc = describe(label, plan, r);
                    Row row = new Row(t.getKey(), n, label, desc, r.accuracy(), val, h == null ? 0 : h.heldOut().answers(),
                            r.seconds(), epochs, h == null ? 0 : h.seconds(),
                            h == null ? List.of() : h.heldOut().rightPerFold(),
                            h == null ? -1 : h.heldOut().foldsKeepingTuning(),
                            plan.trainsByGradient() ? plan.frozenLayers() : List.of(), r.phases(), r.refit(),
                            r.history());
                    rows.add(row);
                    log.accept(String.format(Locale.ROOT, "%-28s %4d/class  %-44s test %.3f  held-out %.3f  %6.1f s",
                            t.getKey(), n, desc, r.accuracy(), val, r.seconds()));
                    for (String d : row.phaseDetails()) {
                        log.accept(String.format(Locale.ROOT, "%-28s %4d/class    %s", t.getKey(), n, d));
                    }
                }
                TransferAdvisor.Choice choice = trials.isEmpty() ? null
                        : TransferAdvisor.choose(trials, TransferAdvisor.labelOf(rec));
                advice.add(new Advice(t.getKey(), n, rec, choice == null ? null : choice.label(), trial, choice));
                log.accept(String.format(Locale.ROOT, "%-28s %4d/class  advisor: %s; %s; tried: %s",
                        t.getKey(), n, similarity, label(rec), choice == null ? "nothing" : "case " + choice.label()
                                + " (" + choice.reason() + ")"));
            }
        }
        List<ClassifierRow> classifiers = new ArrayList<>();
        for (Map.Entry<String, String> t : cfg.targets().entrySet()) {
            if (cfg.classifiers().isEmpty()) {
                break;
            }
            DataSpec.Loaded full = DataSpec.of(t.getValue()).trainAndTest(prep, Config.DEFAULT_SEED);
            Dataset test = DataSpec.perClass(full.test(), cfg.testPerClass(), TEST_SEED);
            Dataset train = DataSpec.perClass(full.train(), cfg.classifiersAt(), cfg.seed());
            for (String name : cfg.classifiers()) {
                TransferPlan plan = Transfer.plan(TransferCase.BOTTLENECK, Transfer.copyOf(base),
                        cfg.seededOptions().withClasses(train.classNames()).withCut(null));
                TransferRun.Outcome r = TransferRun.run(plan, train, test, name, cfg.seededFineTune(), cache, null, List.of(),
                        FeatureExtractor.Progress.NONE);
                classifiers.add(new ClassifierRow(t.getKey(), cfg.classifiersAt(), name, r.accuracy(), r.seconds()));
                log.accept(String.format(Locale.ROOT, "%-28s %4d/class  case 1 (cut %s) with %-8s test %.3f  %6.1f s",
                        t.getKey(), cfg.classifiersAt(), plan.cut(), name, r.accuracy(), r.seconds()));
            }
        }
        return new Report(rows, advice, classifiers, baseAcc, (System.nanoTime() - t0) / 1e9, cfg, tests);
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
            default -> fineTuneLabel(label, r.phases(), r.refit(), plan.headLearningRate() > 0);
        };
    }

    /**
     * The case column of a gradient case: its phases ("head logreg" for the logistic-regression head, "N ep @RATE"
     * otherwise), "not kept" on a tuning phase that validation dropped ({@link FineTuning#keepsTuning}), and the
     * refit's phases ("logreg", "N ep") joined by " + ".
     */
    static String fineTuneLabel(String label, List<FineTuning.Phase> phases, List<FineTuning.Phase> refit,
                                boolean twoPhases) {
        StringBuilder b = new StringBuilder(label).append(" (");
        FineTuning.Phase head = phases.stream().filter(p -> p.number() == 1).findFirst().orElse(null);
        for (FineTuning.Phase p : phases) {
            if (p.convex()) {
                b.append("head logreg");
                continue;
            }
            b.append(p.number() == 1 ? "head " : twoPhases ? ", tune " : "")
                    .append(p.epochs()).append(" ep @").append(Transfer.number(p.learningRate()));
            if (p.number() == 2 && head != null && !FineTuning.keepsTuning(head, p)) {
                b.append(" not kept");
            }
        }
        if (!refit.isEmpty()) {
            b.append("; refit ").append(refit.stream().map(p -> p.number() == 1 && p.learningRate() == 0
                    ? "logreg" : p.epochs() + " ep").collect(java.util.stream.Collectors.joining(" + ")));
        }
        return b.append(')').toString();
    }

    /** LeNet-5 on Fashion-MNIST 0-4 with its penultimate feature statistics; reused when the file exists. */
    private static double pretrain(Config cfg, Path basePath, Consumer<String> log) throws IOException {
        if (java.nio.file.Files.exists(basePath)) {
            JsonObject d = Json.parseObject(ModelFiles.read(basePath).description(), basePath.toString());
            if (d.has("pretrain_per_class") && d.get("pretrain_per_class").getAsInt() == cfg.pretrainPerClass()
                    && d.get("pretrain_epochs").getAsInt() == cfg.pretrainEpochs()
                    && (d.has("pretrain_seed") ? d.get("pretrain_seed").getAsLong() : Config.DEFAULT_SEED) == cfg.seed()) {
                log.accept("reusing the base " + basePath);
                return d.get("pretrain_test_accuracy").getAsDouble();
            }
        }
        Sequential net = LeNet5.build(Shape.of(1, 28, 28), 5, LeNet5.Variant.MODERN);
        net.initialize(cfg.seed());
        Preprocessing prep = Preprocessing.forInput(net.inputShapes().get(0));
        DataSpec.Loaded src = DataSpec.of("fashion-mnist:0-4").trainAndTest(prep, Config.DEFAULT_SEED);
        Dataset train = DataSpec.perClass(src.train(), cfg.pretrainPerClass(), cfg.seed());
        net.setClassNames(train.classNames());
        long start = System.nanoTime();
        Trainer.fit(net, train, null, TrainConfig.builder(new Adam(net, 1e-3)).epochs(cfg.pretrainEpochs())
                .batchSize(32).seed(cfg.seed()).build());
        double acc = Trainer.evaluate(net, DataSpec.perClass(src.test(), 200, TEST_SEED), 256).accuracy();
        FeatureStatistics stats = FeatureStatistics.compute(net, FeatureStatistics.penultimateLayer(net), train, 1000);
        Map<String, Object> extra = new java.util.LinkedHashMap<>();
        extra.put(FeatureStatistics.KEY, new RawJson(stats.toJson()));
        extra.put(FeatureStatistics.INPUT_KEY,
                new RawJson(FeatureStatistics.compute(net, FeatureStatistics.INPUT, train, 1000).toJson()));
        extra.put("pretrain_test_accuracy", acc);
        extra.put("pretrain_per_class", cfg.pretrainPerClass());
        extra.put("pretrain_epochs", cfg.pretrainEpochs());
        extra.put("pretrain_seed", cfg.seed());
        ModelFiles.save(net, basePath, prep, extra);
        log.accept(String.format(Locale.ROOT, "pretrained LeNet-5 on Fashion-MNIST 0-4 (%d pictures, %d epochs): test"
                        + " accuracy %.3f, %.0f s; saved %s with feature statistics of '%s'", train.size(),
                cfg.pretrainEpochs(), acc, (System.nanoTime() - start) / 1e9, basePath, stats.layer()));
        return acc;
    }

}

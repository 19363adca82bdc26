package org.convnet4j.run;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.convnet4j.data.Dataset;
import org.convnet4j.data.Datasets;
import org.convnet4j.data.Transform;
import org.convnet4j.nn.Model;
import org.convnet4j.tensor.Shape;
import org.convnet4j.train.History;
import org.convnet4j.train.Metrics;
import org.convnet4j.train.TrainConfig;
import org.convnet4j.train.Trainer;
import org.convnet4j.train.TrainingContext;
import org.convnet4j.train.TrainingListener;
import org.convnet4j.train.optim.Adam;
import org.convnet4j.train.optim.LrSchedule;
import org.convnet4j.train.optim.Optimizer;
import org.convnet4j.train.optim.Sgd;
import org.convnet4j.zoo.ModelZoo;
import org.convnet4j.zoo.ZooOptions;

/**
 * Trains one zoo model on Fashion-MNIST-like data and measures it: test accuracy, parameters, multiply-adds
 * per image and wall time per epoch. No augmentation; pixels are standardised with the training set's mean and
 * standard deviation and, if the model needs a larger input, resized bilinearly. The learning rate follows a
 * cosine from {@code lr} to 0 over all steps of the run.
 */
public final class ZooBenchmark {
    /** The models {@code convnet4j zoo-benchmark} trains by default. */
    public static final String DEFAULT_MODELS = "lenet5,alexnet,vgg16,resnet18,googlenet";

    /**
     * A whole benchmark: the models with their setups, the shared training settings, and the epochs and training
     * pictures per class per model ({@code limits}: null = all).
     */
    public record Plan(List<ZooModelSetup> setups, Training training, PerModel<Integer> epochs,
                       PerModel<Integer> limits) {
        public Plan {
            setups = List.copyOf(setups);
            java.util.Objects.requireNonNull(training, "training");
            java.util.Objects.requireNonNull(epochs, "epochs");
            java.util.Objects.requireNonNull(limits, "limits");
        }

        /**
         * Builds every model once (batch 1, 10 classes), so that an input too small for an architecture fails in
         * milliseconds rather than after the models before it have trained.
         *
         * @param hint what to add to the message for a model that cannot be built (given the model's name)
         * @throws IllegalArgumentException the architecture's refusal followed by " (HINT)"
         */
        public void requireBuildable(java.util.function.UnaryOperator<String> hint) {
            for (ZooModelSetup s : setups) {
                try {
                    ModelZoo.build(s.model(), s.options(1, 10));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(e.getMessage() + " (" + hint.apply(s.model()) + ")", e);
                }
            }
        }
    }

    /** Receives each model's finished result with all results so far (to rewrite a report after every model). */
    @FunctionalInterface
    public interface ResultSink {
        void accept(Result latest, List<Result> all) throws java.io.IOException;
    }
    /** When the test set is measured. */
    public enum Testing {
        /** After the last epoch only (the default). */
        AT_END,
        /** After every epoch too ({@link Result#epochTestAccuracy()}). */
        EVERY_EPOCH
    }

    /** What is done to training pictures before the standardisation. */
    public enum Augmentation {
        /** Nothing (the default). */
        NONE,
        /** A random crop of the picture padded by 2 background pixels on every side and a random left-right mirror. */
        CROP_AND_MIRROR
    }

    /** How to train: shared by every model of one benchmark. */
    public record Training(int epochs, int batchSize, String optimizer, double lr, long seed, Testing testing,
                           Augmentation augmentation) {
        /**
         * @deprecated {@code testEveryEpoch} and {@code augment} as positional booleans are unclear at the call site:
         *             use the constructor with {@link Testing} and {@link Augmentation}
         */
        @Deprecated
        public Training(int epochs, int batchSize, String optimizer, double lr, long seed, boolean testEveryEpoch,
                        boolean augment) {
            this(epochs, batchSize, optimizer, lr, seed, testEveryEpoch ? Testing.EVERY_EPOCH : Testing.AT_END,
                    augment ? Augmentation.CROP_AND_MIRROR : Augmentation.NONE);
        }

        /** True when the test set is measured after every epoch ({@link Testing#EVERY_EPOCH}). */
        public boolean testEveryEpoch() {
            return testing == Testing.EVERY_EPOCH;
        }

        /** True when training pictures are augmented ({@link Augmentation#CROP_AND_MIRROR}). */
        public boolean augment() {
            return augmentation == Augmentation.CROP_AND_MIRROR;
        }

        public Training {
            java.util.Objects.requireNonNull(testing, "testing");
            java.util.Objects.requireNonNull(augmentation, "augmentation");
            if (epochs < 1 || batchSize < 1 || !(lr > 0)) {
                throw new IllegalArgumentException("zoo benchmark: epochs and batch size must be >= 1 and lr > 0, got "
                        + epochs + ", " + batchSize + ", " + lr);
            }
            if (!optimizer.equals("adam") && !optimizer.equals("sgd")) {
                throw new IllegalArgumentException("zoo benchmark: optimizer '" + optimizer + "' is not adam or sgd");
            }
        }

        /**
         * The optimiser name in canonical form ("adam" or "sgd", any case and spacing accepted); anything else is
         * an IllegalArgumentException "'NAME' is not adam or sgd".
         */
        public static String optimizerName(String name) {
            String opt = name.trim().toLowerCase(java.util.Locale.ROOT);
            if (!opt.equals("adam") && !opt.equals("sgd")) {
                throw new IllegalArgumentException("'" + name + "' is not adam or sgd");
            }
            return opt;
        }

        /** The default peak learning rate of an optimiser: 0.05 for sgd, 0.001 for adam. */
        public static double defaultLr(String optimizer) {
            return optimizerName(optimizer).equals("sgd") ? 0.05 : 0.001;
        }

        /** The same settings for {@code n} epochs. */
        public Training withEpochs(int n) {
            return new Training(n, batchSize, optimizer, lr, seed, testing, augmentation);
        }
    }

    /** What was measured for one model. {@code epochTestAccuracy} is empty unless tested every epoch. */
    public record Result(String model, ZooModelSetup setup, long params, long macs, int trainImages, int testImages,
                         int epochs, double testAccuracy, double trainAccuracy, double secondsPerEpoch,
                         double trainImagesPerSecond, double testSeconds, List<Double> epochTestAccuracy,
                         List<Double> epochSeconds) {
    }

    private ZooBenchmark() {
    }

    /**
     * Zoo model names from a comma-separated list (case-insensitive, duplicates dropped, order kept); an unknown
     * name or an empty list is an IllegalArgumentException.
     */
    public static List<String> models(String list) {
        java.util.Set<String> names = new java.util.LinkedHashSet<>();
        for (String raw : list.split(",")) {
            String m = raw.trim().toLowerCase(java.util.Locale.ROOT);
            if (m.isEmpty()) {
                continue;
            }
            if (!ModelZoo.contains(m)) {
                throw new IllegalArgumentException("unknown model '" + raw.trim() + "'; known: "
                        + String.join(", ", ModelZoo.names()));
            }
            names.add(m);
        }
        if (names.isEmpty()) {
            throw new IllegalArgumentException("no model given");
        }
        return List.copyOf(names);
    }

    /**
     * One setup per model: its {@link ZooModelSetup#defaults default} input size and width unless {@code sizes} or
     * {@code widths} give one.
     */
    public static List<ZooModelSetup> setups(List<String> models, PerModel<Double> widths, PerModel<Integer> sizes) {
        List<ZooModelSetup> setups = new ArrayList<>();
        for (String m : models) {
            ZooModelSetup d = ZooModelSetup.defaults(m);
            setups.add(new ZooModelSetup(m, sizes.get(m, d.size()), widths.get(m, d.width())));
        }
        return setups;
    }

    /**
     * Runs a whole plan, model after model: each trains on at most its limit of {@code allTrain}'s pictures per
     * class (a choice seeded by the training seed) for its number of epochs and is tested on {@code test}.
     * {@code progress} receives a line before each model and one per epoch; {@code extra} makes one more listener
     * per model from its name and the prepared test set (a dashboard; return a no-op listener for none);
     * {@code sink} gets every result as soon as it is measured.
     */
    public static List<Result> run(Plan plan, Dataset allTrain, Dataset test, Consumer<String> progress,
                                   java.util.function.BiFunction<String, Dataset, TrainingListener> extra,
                                   ResultSink sink) throws java.io.IOException {
        List<Result> results = new ArrayList<>();
        for (ZooModelSetup s : plan.setups()) {
            int modelEpochs = plan.epochs().get(s.model(), 1);
            Integer modelLimit = plan.limits().get(s.model(), null);
            Dataset train = modelLimit == null ? allTrain
                    : org.convnet4j.dataspec.DataSpec.perClass(allTrain, modelLimit, plan.training().seed());
            progress.accept(String.format(java.util.Locale.ROOT, "%s: %dx%d, width %s, %d training and %d test images,"
                            + " %d epoch(s)", s.model(), s.size(), s.size(), s.width(), train.size(), test.size(),
                    modelEpochs));
            Result r = run(s, train, test, plan.training().withEpochs(modelEpochs), progress,
                    testIn -> extra.apply(s.model(), testIn));
            results.add(r);
            progress.accept(String.format(java.util.Locale.ROOT, "  %s: test accuracy %.4f, %.1f s per epoch",
                    s.model(), r.testAccuracy(), r.secondsPerEpoch()));
            sink.accept(r, List.copyOf(results));
        }
        return results;
    }

    /**
     * Notes on the machine for a report, in order: the command, the data, processors, JVM, OS and the load
     * average now ("load average at start").
     */
    public static Map<String, String> environment(String command, String data, int classes) {
        Map<String, String> env = new java.util.LinkedHashMap<>();
        env.put("command", command);
        env.put("data", data + " (" + classes + " classes)");
        env.put("processors", Integer.toString(Runtime.getRuntime().availableProcessors()));
        env.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
        env.put("os", System.getProperty("os.name") + " " + System.getProperty("os.arch"));
        env.put("load average at start", loadAverage());
        return env;
    }

    /** The 1-minute system load average as "1.23 (1-minute)", or "unknown". */
    public static String loadAverage() {
        double l = java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        return l < 0 ? "unknown" : String.format(java.util.Locale.ROOT, "%.2f (1-minute)", l);
    }

    /**
     * Refuses {@code --batch} when a training step of any of the models (as {@link #run} builds it for {@code train})
     * is over the memory budget, before the first model trains (the trainer checks each model again as it starts).
     */
    public static void requireBatchFits(List<ZooModelSetup> setups, Dataset train, Training t) {
        int batch = Math.max(1, Math.min(t.batchSize(), train.size()));
        for (ZooModelSetup setup : setups) {
            org.convnet4j.nn.ModelSummary summary = org.convnet4j.nn.ModelSummary.of(
                    ModelZoo.build(setup.model(), setup.options(train.sampleShape().dim(0), train.numClasses())));
            // Adam keeps two values per trainable value, SGD with (Nesterov) momentum one
            summary.requireTrainingBatch("--batch " + t.batchSize(), setup.model(), batch,
                    summary.trainableParams() * (t.optimizer().equals("sgd") ? 1 : 2));
        }
    }

    /**
     * Builds, trains and tests one model. {@code train} and {@code test} are [1, 28, 28] (or any [C, H, W])
     * samples; they are resized to the model's input. {@code progress} receives one line per epoch.
     */
    public static Result run(ZooModelSetup setup, Dataset train, Dataset test, Training t, Consumer<String> progress) {
        return run(setup, train, test, t, progress, testIn -> new TrainingListener() {
        });
    }

    /** As above, with one more listener made from the prepared test set (the training dashboard). */
    public static Result run(ZooModelSetup setup, Dataset train, Dataset test, Training t, Consumer<String> progress,
                             java.util.function.Function<Dataset, TrainingListener> extra) {
        Shape sample = train.sampleShape();
        ZooOptions options = setup.options(sample.dim(0), train.numClasses());
        Model model = ModelZoo.build(setup.model(), options);
        model.setClassNames(train.classNames());
        model.initialize(t.seed());

        Transform prep = preprocessing(train, sample, setup.size());
        Dataset trainIn = Datasets.transformed(train, t.augment() ? augmented(prep, setup.size()) : prep);
        Dataset testIn = Datasets.transformed(test, prep);

        int batchesPerEpoch = (train.size() + t.batchSize() - 1) / t.batchSize();
        long steps = (long) batchesPerEpoch * t.epochs();
        Optimizer opt = t.optimizer().equals("sgd")
                ? new Sgd(model, t.lr()).momentum(0.9).nesterov(true)
                : new Adam(model, t.lr());
        TrainConfig config = TrainConfig.builder(opt).epochs(t.epochs()).batchSize(t.batchSize()).seed(t.seed())
                .schedule(LrSchedule.cosine(t.lr(), 0, steps, LrSchedule.Unit.STEPS)).build();
        Trainer trainer = new Trainer(config).addListener(new TrainingListener() {
            @Override
            public void onEpochEnd(TrainingContext ctx, int epoch, Map<String, Double> record) {
                progress.accept(String.format(java.util.Locale.ROOT, "  %s epoch %d/%d: train loss %.4f acc %.4f%s, %.1f s"
                                + " (%.0f images/s)", setup.model(), epoch, t.epochs(), record.get(History.TRAIN_LOSS),
                        record.get(History.TRAIN_ACCURACY), record.containsKey(History.VAL_ACCURACY)
                                ? String.format(java.util.Locale.ROOT, ", test acc %.4f", record.get(History.VAL_ACCURACY)) : "",
                        record.get(History.SECONDS), record.get(History.IMAGES_PER_SECOND)));
            }
        });
        trainer.addListener(extra.apply(testIn));
        History history = trainer.fit(model, trainIn, t.testEveryEpoch() ? testIn : null);

        List<Double> epochSeconds = new ArrayList<>();
        for (Map<String, Double> r : history.epochs()) {
            epochSeconds.add(r.get(History.SECONDS));
        }
        double meanSeconds = epochSeconds.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
        List<Double> epochTest = new ArrayList<>();
        double testAccuracy;
        double testSeconds;
        if (t.testEveryEpoch()) {
            for (Map<String, Double> r : history.epochs()) {
                epochTest.add(r.get(History.VAL_ACCURACY));
            }
            testAccuracy = epochTest.get(epochTest.size() - 1);
            testSeconds = Double.NaN; // folded into the trainer's epochs, not timed separately
        } else {
            long start = System.nanoTime();
            Metrics m = Trainer.evaluate(model, testIn, 256);
            testSeconds = (System.nanoTime() - start) / 1e9;
            testAccuracy = m.accuracy();
        }
        return new Result(setup.model(), setup, model.trainableParameterCount(), model.totalMacs(), train.size(),
                test.size(), history.size(), testAccuracy, history.last().get(History.TRAIN_ACCURACY), meanSeconds,
                train.size() / meanSeconds, testSeconds, epochTest, epochSeconds);
    }

    /** Standardise with the training pixels' mean and deviation; resize first when the model wants another size. */
    static Transform preprocessing(Dataset train, Shape sample, int size) {
        double[] meanStd = meanStd(train);
        Transform normalize = new Transform.Normalize(new float[] {(float) meanStd[0]}, new float[] {(float) meanStd[1]});
        if (sample.dim(1) == size && sample.dim(2) == size) {
            return normalize;
        }
        return Transform.compose(new Transform.Resize(size, size), normalize);
    }

    /**
     * {@code --augment}: a random crop of the picture padded by 2 background (0) pixels on every side and a
     * random left-right mirror, before the standardisation (the usual CIFAR/MNIST augmentation; the published
     * ResNet18 figure used flips and shifts too). The test pictures go through {@code prep} alone.
     */
    static Transform augmented(Transform prep, int size) {
        Transform.Compose steps = prep instanceof Transform.Compose c ? c : new Transform.Compose(java.util.List.of(prep));
        java.util.List<Transform> all = new ArrayList<>(steps.steps());
        int at = all.get(0) instanceof Transform.Resize ? 1 : 0;
        all.add(at, new Transform.RandomCrop(size, size, 2));
        all.add(at + 1, new Transform.RandomHorizontalFlip(0.5));
        return new Transform.Compose(all);
    }

    /** Mean and standard deviation of all pixels of all samples, in double precision. */
    static double[] meanStd(Dataset data) {
        int n = data.size();
        int per = data.sampleShape().size();
        float[] buf = new float[per];
        double sum = 0;
        double sumSq = 0;
        for (int i = 0; i < n; i++) {
            data.copySample(i, buf, 0);
            for (float v : buf) {
                sum += v;
                sumSq += (double) v * v;
            }
        }
        double count = (double) n * per;
        double mean = sum / count;
        double var = Math.max(sumSq / count - mean * mean, 0);
        // a constant training set (only in tests) would divide by zero
        return new double[] {mean, Math.max(Math.sqrt(var), 1e-6)};
    }
}

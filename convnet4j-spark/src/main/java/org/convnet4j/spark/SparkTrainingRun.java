package org.convnet4j.spark;

import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;
import org.convnet4j.checkpoint.Checkpoint;
import org.convnet4j.data.Dataset;
import org.convnet4j.dataspec.DataSpec;
import org.convnet4j.internal.json.Json;
import org.convnet4j.model.Preprocessing;
import org.convnet4j.run.TrainingRun;
import org.convnet4j.run.TrainingSettings;
import org.convnet4j.train.KeptEpoch;
import org.convnet4j.train.Trainer;
import org.convnet4j.train.TrainingCheckpoints;
import org.convnet4j.train.TrainingListener;

/**
 * The run of {@code convnet4j spark train} as a library call: the {@code train} command's protocol
 * ({@link TrainingRun}: data spec, {@code --limit} per class, seeded validation split, best/last files, early stopping,
 * exact resume) with its steps computed on Spark ({@link SparkTrainer} as the run's engine), the test accuracy of a
 * built-in data set, and the run's summary as text and JSON.
 *
 * <p>Built-in data ({@code fashion-mnist[:CLASSES]}, {@code opencv-digits[:CLASSES]}) is loaded on the driver and
 * shipped as values; anything else is a picture folder on any Hadoop path, which the driver only lists
 * ({@link PictureFolder}) and the executors decode.
 *
 * <pre>
 *   TrainingSettings s = TrainingSettings.builder().data("hdfs:///pictures").epochs(5).out(Path.of("m.c4j")).build();
 *   SparkTrainingRun run = new SparkTrainingRun(s).partitions(8).exchange(SparkTrainer.Exchange.RING);
 *   run.listData(new Configuration());                 // optional: a missing folder fails before Spark starts
 *   SparkTrainingRun.Result r = run.run(spark, System.out::println);
 *   System.out.println(r.summary());                   // or r.toJson()
 * </pre>
 */
public final class SparkTrainingRun {
    private final TrainingSettings settings;
    private final List<TrainingListener> listeners = new ArrayList<>();
    private Checkpoint resumed;
    private String resumedFrom;
    private int partitions;
    private int localSteps = 1;
    private SparkTrainer.Exchange exchange = SparkTrainer.Exchange.TREE;
    private String checkpointDir;
    private boolean failFast;
    private Path plots;
    private PictureFolder folder;
    private TrainingRun started;

    /** A run with these settings (data, model, epochs, out, ...). */
    public SparkTrainingRun(TrainingSettings settings) {
        this.settings = Objects.requireNonNull(settings, "settings");
    }

    /** A checkpoint to resume and where it came from, with the run settings saved in it (if any). */
    public record Resumable(Checkpoint checkpoint, String origin, Optional<TrainingSettings> savedSettings) {
        /**
         * The run state in {@code c}.
         *
         * @throws IllegalArgumentException when the file holds no run state
         */
        public static Resumable of(Checkpoint c, String origin) {
            TrainingCheckpoints.read(c);
            return new Resumable(c, origin, TrainingSettings.savedIn(c));
        }

        /**
         * The run state in the checkpoint at {@code uri} (a local file or any Hadoop path).
         *
         * @throws IllegalArgumentException naming {@code uri} when the file holds no run state
         */
        public static Resumable read(String uri, Configuration conf) throws IOException {
            Checkpoint c = readCheckpoint(uri, conf);
            try {
                return of(c, uri);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(uri + ": " + e.getMessage(), e);
            }
        }

        /**
         * The folder this checkpoint was written to by a run's checkpoint directory ({@code --checkpoint-dir}: the file
         * is its {@code last.c4j} or an {@code epoch-NNN.c4j}, and holds the Spark settings only those checkpoints
         * carry), as a URI to write the next checkpoints to: the local folder of a local file, else the Hadoop parent
         * of {@link #origin()}. Empty for any other file (a run's {@code --out} or its {@code .last.c4j}).
         */
        public Optional<String> checkpointFolder() {
            String name = new org.apache.hadoop.fs.Path(origin).getName();
            if (!name.matches("last\\.c4j|epoch-[0-9]{3,}\\.c4j")) {
                return Optional.empty();
            }
            JsonObject d;
            try {
                d = Json.parseObject(checkpoint.description(), "description");
            } catch (RuntimeException e) {
                return Optional.empty();
            }
            if (!d.has(HadoopCheckpoints.SPARK_KEY)) {
                return Optional.empty();
            }
            if (!origin.matches("[A-Za-z][A-Za-z0-9+.-]*:.*") && Files.isRegularFile(Path.of(origin))) {
                String folder = Path.of(origin).toAbsolutePath().getParent().toUri().toString(); // file:///.../ckpt/
                return Optional.of(new org.apache.hadoop.fs.Path(folder.endsWith("/") ? folder.substring(0,
                        folder.length() - 1) : folder).toString());
            }
            return Optional.of(new org.apache.hadoop.fs.Path(origin).getParent().toString());
        }

        /**
         * The settings to continue from: the saved run's (its {@code out} included), or the defaults when the file
         * holds none (then the caller must at least set the model and the data).
         */
        public TrainingSettings.Builder settings() {
            return savedSettings.map(TrainingSettings::toBuilder).orElseGet(TrainingSettings::builder);
        }
    }

    /** A checkpoint from a local file or any Hadoop path. */
    public static Checkpoint readCheckpoint(String uri, Configuration conf) throws IOException {
        if (Files.isRegularFile(Path.of(uri))) {
            return Checkpoint.load(Path.of(uri));
        }
        // Read from the bytes: no temporary copy that a killed process would leave in the temporary folder.
        return Checkpoint.load(HadoopFiles.readAll(uri, conf), uri);
    }

    /**
     * Refuses to start a new run over an existing model file: throws when this run does not resume and its
     * {@code out} exists (call it before Spark starts; skip it to replace the file).
     */
    public SparkTrainingRun requireNewOutput() throws IOException {
        if (resumed == null && Files.exists(settings.out())) {
            throw new IOException(settings.out() + ": already exists (add --overwrite to replace it)");
        }
        return this;
    }

    /**
     * The message for a run that stopped with {@code e}: its cause and which checkpoint is left, as
     * {@link TrainingRun#divergenceMessage} says it.
     */
    public String divergenceMessage(org.convnet4j.train.TrainingDivergedException e) {
        return started == null ? e.getMessage() : started.divergenceMessage(e);
    }

    /**
     * Continues the run saved in {@code r} (with this run's settings). When {@code r} is a file of a checkpoint
     * directory ({@link Resumable#checkpointFolder}) and no {@link #checkpointDir} is set, the run keeps writing its
     * checkpoints to that folder, as the interrupted run did (set a checkpoint directory to write them elsewhere).
     */
    public SparkTrainingRun resume(Resumable r) {
        this.resumed = r.checkpoint();
        this.resumedFrom = r.origin();
        if (checkpointDir == null) {
            checkpointDir = r.checkpointFolder().orElse(null);
            checkpointsContinued = checkpointDir != null;
        }
        return this;
    }

    /** Whether the checkpoints continue in the folder of the resumed checkpoint (none was set). */
    private boolean checkpointsContinued;

    /** Data shards; 0 (the default): Spark's default parallelism (the task slots). */
    public SparkTrainingRun partitions(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("partitions: must be 0 (automatic) or more, got " + n);
        }
        this.partitions = n;
        return this;
    }

    /** 1 (the default): synchronous steps; K: weights averaged every K local steps. */
    public SparkTrainingRun localSteps(int k) {
        if (k < 1) {
            throw new IllegalArgumentException("local steps: must be 1 or more, got " + k);
        }
        this.localSteps = k;
        return this;
    }

    /** How the gradients are summed (default {@link SparkTrainer.Exchange#TREE}). */
    public SparkTrainingRun exchange(SparkTrainer.Exchange e) {
        this.exchange = Objects.requireNonNull(e, "exchange");
        return this;
    }

    /** Also writes {@code last.c4j} and {@code epoch-NNN.c4j} to this Hadoop directory after every epoch. */
    public SparkTrainingRun checkpointDir(String uri) {
        this.checkpointDir = uri;
        this.checkpointsContinued = false;
        return this;
    }

    /** The directory the checkpoints go to (set, or the resumed checkpoint's folder), or null for none. */
    public String checkpointDir() {
        return checkpointDir;
    }

    /**
     * Before training, the executors decode every picture of a folder once (and keep them: the training shards are cut
     * from that pass). False (the default): the ones that cannot be decoded are left out (counted in
     * {@link Result#skipped()}), as {@code ImageFolderDataset} with {@code OnBadFile.SKIP} does on one machine; true:
     * the run fails before training, naming the first of them.
     */
    public SparkTrainingRun failFast(boolean on) {
        this.failFast = on;
        return this;
    }

    /**
     * Draws the training curves to {@code dir/training-curves.png} after every epoch, as {@code train --plots} does
     * ({@link org.convnet4j.charts.PlotListener}); the folder is made if needed. Null: none. A picture that cannot be
     * written (a full disk) does not stop the training: no further picture is tried, the model is saved, and the
     * failure is in {@link Result#curvesFailure()}.
     */
    public SparkTrainingRun plots(Path dir) {
        this.plots = dir;
        return this;
    }

    /** Listeners for progress and logging (the driver calls them). */
    public SparkTrainingRun addListener(TrainingListener l) {
        listeners.add(Objects.requireNonNull(l, "listener"));
        return this;
    }

    public TrainingSettings settings() {
        return settings;
    }

    /** True for the data sets the driver loads itself (Fashion-MNIST, OpenCV digits); false for a picture folder. */
    public static boolean builtIn(String spec) {
        String lower = spec.toLowerCase(Locale.ROOT);
        for (String name : new String[] {DataSpec.FASHION_MNIST, DataSpec.OPENCV_DIGITS}) {
            if ((lower.equals(name) || lower.startsWith(name + ":")) && !Files.isDirectory(Path.of(spec))) {
                return true;
            }
        }
        return false;
    }

    /**
     * Lists a picture folder now (not decoded), so that a missing folder or an empty class fails before Spark starts;
     * nothing for built-in data. {@link #run} lists it itself otherwise.
     */
    public SparkTrainingRun listData(Configuration conf) throws IOException {
        if (!builtIn(settings.data())) {
            folder = PictureFolder.list(settings.data(), Preprocessing.forInput(settings.inputShape()), conf);
        }
        return this;
    }

    /**
     * The line that says how many pictures of the listed folder lie outside any class folder and were left out (as
     * {@code train} says it); empty if there are none, for built-in data, or before the folder is listed.
     */
    public Optional<String> outsideClassFolders() {
        return folder == null ? Optional.empty() : folder.outsideClassFoldersLine();
    }

    /**
     * What a run ended with: the library run's result, the test accuracy (built-in data with a test set, else
     * null) and where it ran; {@code curves} is the training-curves picture (null: none asked for) and
     * {@code curvesFailure} its first failed write (its message names the file and the cause), or null.
     */
    public record Result(TrainingSettings settings, TrainingRun.Result run, Double testAccuracy, String master,
                         int partitions, int localSteps, SparkTrainer.Exchange exchange,
                         List<PictureFolder.Skipped> skipped, Path curves, IOException curvesFailure) {
        /** How many skipped pictures the summary and the JSON name (all are counted). */
        public static final int NAMED = 5;

        private List<String> firstSkipped() {
            return skipped.stream().limit(NAMED).map(PictureFolder.Skipped::toString).toList();
        }

        /** The closing lines of {@code spark train}: best validation accuracy, test accuracy, files written. */
        public String summary() {
            StringBuilder s = new StringBuilder();
            if (!skipped.isEmpty()) {
                s.append(String.format(Locale.ROOT, "skipped %d picture(s) that cannot be decoded: %s%s%n",
                        skipped.size(), String.join("; ", firstSkipped()), skipped.size() > NAMED ? "; ..." : ""));
            }
            if (run.validation() != null && run.history().size() > 0) {
                s.append(String.format(Locale.ROOT, "best validation accuracy %.4f at epoch %d%n",
                        run.bestValidationAccuracy(), run.bestEpoch()));
            }
            s.append(String.format(Locale.ROOT, "%swrote %s (%s), %s (last epoch, for --resume)%s; %.1f s",
                    testAccuracy == null ? "" : String.format(Locale.ROOT, "test accuracy %.4f; ", testAccuracy),
                    run.out(), run.validation() == null ? "last epoch" : "best epoch", run.last(),
                    curves == null || curvesFailure != null ? "" : ", " + curves, run.seconds()));
            return s.toString();
        }

        /**
         * The epoch whose weights are in {@code out} and why, as {@code train --json} says it
         * ({@link TrainingRun.Report#kept()}: the highest validation accuracy, the first of equal ones, or the last
         * epoch without validation data).
         */
        public KeptEpoch kept() {
            return new TrainingRun.Report(settings, run).kept();
        }

        /**
         * The result as one pretty-printed JSON object: settings, sizes, skipped pictures, the epoch kept in
         * {@code out} and why in the keys every command's JSON uses for a fit ({@link KeptEpoch#tree}: {@code epochs},
         * {@code max_epochs}, {@code kept_epoch}, {@code kept_because}, {@code early_stop}, the kept epoch's
         * {@code val_loss} and {@code val_accuracy}), the test accuracy, the files and the per-epoch {@code history}.
         */
        public String toJson() {
            JsonObject o = new JsonObject();
            o.addProperty("model", settings.model());
            o.addProperty("data", settings.data());
            o.addProperty("master", master);
            o.addProperty("partitions", partitions);
            o.addProperty("local_steps", localSteps);
            o.addProperty("exchange", exchange.name().toLowerCase(Locale.ROOT));
            o.addProperty("train_samples", run.train().size());
            o.addProperty("val_samples", run.validation() == null ? 0 : run.validation().size());
            o.addProperty("skipped", skipped.size());
            com.google.gson.JsonArray first = new com.google.gson.JsonArray();
            firstSkipped().forEach(first::add);
            o.add("skipped_first", first);
            kept().tree().forEach((k, v) -> o.add(k, Json.toTree(v)));
            if (testAccuracy != null) {
                o.addProperty("test_accuracy", testAccuracy);
            }
            o.addProperty("out", run.out().toString());
            o.addProperty("last", run.last().toString());
            if (curves != null && curvesFailure == null) {
                o.addProperty("plots", curves.toString());
            }
            o.addProperty("seconds", run.seconds());
            o.add(KeptEpoch.HISTORY, Json.parseArray(run.history().toJson(), "history"));
            return Json.toPretty(o);
        }
    }

    /**
     * Trains (or resumes) on {@code spark}. {@code messages} gets the data conversions ("converting: ...") and the
     * heading line before the first epoch (pass {@code m -> { }} for none).
     *
     * @throws org.convnet4j.train.TrainingDivergedException when the loss stops being finite
     */
    public Result run(SparkSession spark, Consumer<String> messages) throws IOException {
        Preprocessing prep = Preprocessing.forInput(settings.inputShape());
        boolean builtIn = builtIn(settings.data());
        DataSpec.Loaded loaded = builtIn ? DataSpec.of(settings.data()).trainAndTest(prep, settings.seed()) : null;
        if (!builtIn && folder == null) {
            listData(spark.sparkContext().hadoopConfiguration());
        }
        int parts = partitions > 0 ? partitions : spark.sparkContext().defaultParallelism();
        List<PictureFolder.Skipped> skipped = List.of();
        Dataset pictures = builtIn ? loaded.train() : folder;
        if (!builtIn) {
            PictureFolder.Checked checked = folder.decodable(
                    org.apache.spark.api.java.JavaSparkContext.fromSparkContext(spark.sparkContext()), parts);
            if (failFast && !checked.skipped().isEmpty()) {
                // on the driver, in one line: a failed task would log Spark's ERROR lines and stack trace
                checked.folder().releaseDecoded();
                throw new IllegalArgumentException(checked.skipped().get(0) + (checked.skipped().size() == 1 ? ""
                        : " (and " + (checked.skipped().size() - 1) + " more picture(s) that cannot be decoded)"));
            }
            pictures = checked.folder();
            skipped = checked.skipped();
        }
        if (loaded != null) {
            loaded.conversions().forEach(n -> messages.accept("converting: " + n));
        }
        TrainingRun run = resumed != null ? TrainingRun.resume(resumed, Path.of(resumedFrom), settings, pictures)
                : new TrainingRun(settings, pictures);
        started = run;
        SparkTrainer engine = new SparkTrainer(spark).localSteps(localSteps).preprocessing(prep).exchange(exchange)
                .log(messages);
        if (partitions > 0) {
            engine.partitions(partitions);
        }
        run.engine(engine);
        if (checkpointDir != null) {
            run.addListener(engine.checkpointDir(checkpointDir).checkpointListener(settings));
        }
        listeners.forEach(run::addListener);
        Path curves = null;
        org.convnet4j.charts.PlotListener plotter = null;
        if (plots != null) {
            Files.createDirectories(plots);
            curves = plots.resolve("training-curves.png");
            // a picture is not worth the epochs: a failed write is kept for the Result, the run goes on
            plotter = new org.convnet4j.charts.PlotListener(curves).keepTrainingOnFailure();
            run.addListener(plotter);
        }
        TrainingRun.Split split = run.split();
        String exchangeName = exchange.name().toLowerCase(Locale.ROOT);
        messages.accept(String.format(Locale.ROOT, "%s %s on Spark (%s, %d partitions, %s): %d training, %s validation"
                        + " pictures of %s, %d classes; %s lr %s, batch %d, seed %d",
                resumed != null ? "Resuming" : "Training", settings.model(), spark.sparkContext().master(), parts,
                (localSteps == 1 ? "synchronous" : "averaging every " + localSteps + " steps") + ", " + exchangeName,
                split.train().size(), split.validation() == null ? "no" : Integer.toString(split.validation().size()),
                prep.outputShape(), pictures.numClasses(), settings.optimizer(), settings.lr(), settings.batch(),
                settings.seed()));
        if (checkpointsContinued) {
            messages.accept("checkpoints continue in " + checkpointDir + " (the folder of the resumed checkpoint; give"
                    + " --checkpoint-dir to write them elsewhere)");
        }
        TrainingRun.Result r;
        try {
            r = run.run();
        } finally {
            if (pictures instanceof PictureFolder checkedFolder) {
                checkedFolder.releaseDecoded(); // the check pass's decoded pictures, which the shards were cut from
            }
        }
        Double test = null;
        if (loaded != null && loaded.test() != loaded.train()) {
            test = Trainer.evaluate(r.model(), loaded.test(), 256).accuracy();
        }
        return new Result(settings, r, test, spark.sparkContext().master(), parts, localSteps, exchange, skipped, curves,
                plotter == null ? null : plotter.failure());
    }
}

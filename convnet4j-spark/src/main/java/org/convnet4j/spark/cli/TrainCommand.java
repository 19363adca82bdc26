package org.convnet4j.spark.cli;

import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.convnet4j.checkpoint.Checkpoint;
import org.convnet4j.internal.json.Json;
import org.convnet4j.data.Dataset;
import org.convnet4j.dataspec.DataSpec;
import org.convnet4j.model.Preprocessing;
import org.convnet4j.run.TrainingRun;
import org.convnet4j.run.TrainingSettings;
import org.convnet4j.spark.HadoopFiles;
import org.convnet4j.spark.PictureFolder;
import org.convnet4j.spark.SparkTrainer;
import org.convnet4j.tensor.Shape;
import org.convnet4j.train.LogListener;
import org.convnet4j.train.Trainer;
import org.convnet4j.train.TrainingCheckpoints;
import org.convnet4j.train.TrainingContext;
import org.convnet4j.train.TrainingDivergedException;
import org.convnet4j.train.TrainingListener;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code convnet4j spark train}: the {@code train} command's run ({@link TrainingRun}: data spec, --limit per class,
 * seeded validation split, best/last files, early stopping, exact resume) with the steps computed on Spark
 * ({@link SparkTrainer} as the run's engine). Picture folders are listed here and decoded on the executors.
 */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Synchronous data-parallel training on Spark; writes a normal model file (.c4j).",
                "The same run as 'convnet4j train' (same data specs, --limit, validation split, best/last files, "
                        + "--patience, --resume): each step every partition computes the gradient of its share of "
                        + "the global batch on pictures decoded and cached on the executors, the gradients are summed "
                        + "(treeReduce) and one optimiser step is taken. --local-steps K > 1 averages weights every K "
                        + "steps instead (less traffic)."},
        footer = {"", "Examples:",
                "  convnet4j spark train --master local[2] --data fashion-mnist --limit 500 --epochs 3 --out lenet5.c4j",
                "  convnet4j spark train --master spark://HOST:7077 --data hdfs:///pictures --input 3x64x64 \\",
                "      --model resnet18 --checkpoint-dir hdfs:///ckpt/run1 --out resnet18.c4j"})
final class TrainCommand extends SparkMain.SparkCommand {
    @Option(names = "--model", paramLabel = "NAME", description = "a zoo model (default lenet5)")
    String modelName;

    @Option(names = "--data", paramLabel = "SPEC", description = DataSpec.DATA_HELP
            + " A folder may be any Hadoop path (hdfs://, s3a://); its pictures are decoded on the executors.")
    String data;

    @Option(names = "--input", paramLabel = "CxHxW", description = "model input (default: the architecture's)")
    String input;

    @Option(names = "--epochs", paramLabel = "N", description = "epochs in total (default 10)")
    Integer epochs;

    @Option(names = "--batch", paramLabel = "B", description = "the global batch, split over the partitions (default 64)")
    Integer batch;

    @Option(names = "--optimizer", paramLabel = "sgd|adam", description = "default adam")
    String optimizer;

    @Option(names = "--lr", paramLabel = "LR", description = "learning rate (default: adam 0.001, sgd 0.1)")
    Double lr;

    @Option(names = "--momentum", paramLabel = "M", description = "SGD momentum (default 0)")
    Double momentum;

    @Option(names = "--seed", paramLabel = "S", description = "weights, split and data order (default 42)")
    Long seed;

    @Option(names = "--val-split", paramLabel = "F", description = "validation fraction, 0 for none (default 0.1)")
    Double valSplit;

    @Option(names = "--limit", paramLabel = "N", description = DataSpec.LIMIT_HELP)
    Integer limit;

    @Option(names = "--patience", paramLabel = "N", description = "early stopping after N epochs without a better"
            + " validation accuracy (default off)")
    Integer patience;

    @Option(names = "--partitions", defaultValue = "0", description = "data shards (default: the task slots)")
    int partitions;

    @Option(names = "--local-steps", defaultValue = "1", description = "1: synchronous; K: average weights every K steps")
    int localSteps;

    @Option(names = "--exchange", defaultValue = "tree", paramLabel = "tree|ring", description = "how the gradients are"
            + " summed: treeReduce to the driver (default) or a ring all-reduce among the tasks (barrier mode: needs a"
            + " task slot per partition)")
    String exchange;

    @Option(names = "--checkpoint-dir", paramLabel = "URI", description = "also write last.c4j and epoch-NNN.c4j there"
            + " after every epoch (any Hadoop path)")
    String checkpointDir;

    @Option(names = "--resume", paramLabel = "FILE|URI", description = "continue a run from its --out, .last or"
            + " --checkpoint-dir file (options not given come from the file)")
    String resume;

    @Option(names = {"-o", "--out"}, paramLabel = "FILE", description = "model file (default model.c4j); FILE.last.c4j"
            + " beside it after every epoch")
    Path out;

    @Option(names = "--overwrite", description = "replace an existing --out")
    boolean overwrite;

    @Option(names = "--json", description = "print the result as one JSON object instead of the epoch lines")
    boolean json;

    @Option(names = "--no-progress", description = "no progress line on stderr")
    boolean noProgress;

    private TrainingSettings settings;
    private Checkpoint resumed;
    private PictureFolder folder;

    @Override
    void check() throws IOException {
        Io.checkPartitions(partitions);
        TrainingSettings saved = null;
        if (resume != null) {
            resumed = readCheckpoint(resume);
            try {
                TrainingCheckpoints.read(resumed);
                saved = TrainingSettings.savedIn(resumed).orElse(null);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--resume " + resume + ": " + e.getMessage(), e);
            }
            if (saved == null && (modelName == null || data == null)) {
                throw new IllegalArgumentException(resume + " holds no run settings, so --model and --data must be"
                        + " given to resume it");
            }
        }
        TrainingSettings.Builder b = saved == null ? TrainingSettings.builder() : saved.toBuilder();
        if (saved != null && out == null) {
            b.out(saved.out());
        }
        try {
            settings = options(b).build();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--" + e.getMessage(), e);
        }
        if (resumed == null && Files.exists(settings.out()) && !overwrite) {
            throw new IOException(settings.out() + ": already exists (add --overwrite to replace it)");
        }
        if (!exchange.equals("tree") && !exchange.equals("ring")) {
            throw new IllegalArgumentException("--exchange " + exchange + ": tree or ring");
        }
        if (!builtIn(settings.data())) {
            // listed (not decoded) before Spark starts: a missing folder or an empty class fails at once
            folder = PictureFolder.list(settings.data(), Preprocessing.forInput(settings.inputShape()),
                    new org.apache.hadoop.conf.Configuration());
        }
    }

    @Override
    int run(SparkSession spark) throws Exception {
        Preprocessing prep = Preprocessing.forInput(settings.inputShape());
        boolean builtIn = builtIn(settings.data());
        DataSpec.Loaded loaded = builtIn ? DataSpec.of(settings.data()).trainAndTest(prep, settings.seed()) : null;
        Dataset pictures = builtIn ? loaded.train() : folder;
        if (loaded != null && !json) {
            loaded.conversions().forEach(n -> System.out.println("converting: " + n));
        }
        TrainingRun run = resumed != null ? TrainingRun.resume(resumed, Path.of(resume), settings, pictures)
                : new TrainingRun(settings, pictures);
        SparkTrainer engine = new SparkTrainer(spark).localSteps(localSteps).preprocessing(prep)
                .exchange(exchange.equals("ring") ? SparkTrainer.Exchange.RING : SparkTrainer.Exchange.TREE);
        if (partitions > 0) {
            engine.partitions(partitions);
        }
        run.engine(engine);
        if (checkpointDir != null) {
            run.addListener(engine.checkpointDir(checkpointDir).checkpointListener());
        }
        if (!json) {
            run.addListener(new LogListener(System.out));
        }
        if (!noProgress) {
            run.addListener(new ProgressLine());
        }
        TrainingRun.Split split = run.split();
        int parts = partitions > 0 ? partitions : spark.sparkContext().defaultParallelism();
        if (!json) {
            System.out.printf(Locale.ROOT, "%s %s on Spark (%s, %d partitions, %s): %d training, %s validation pictures"
                            + " of %s, %d classes; %s lr %s, batch %d, seed %d%n",
                    resumed != null ? "Resuming" : "Training", settings.model(), spark.sparkContext().master(), parts,
                    (localSteps == 1 ? "synchronous" : "averaging every " + localSteps + " steps") + ", " + exchange,
                    split.train().size(), split.validation() == null ? "no" : Integer.toString(split.validation().size()),
                    prep.outputShape(), pictures.numClasses(), settings.optimizer(), settings.lr(), settings.batch(),
                    settings.seed());
        }
        TrainingRun.Result r;
        try {
            r = run.run();
        } catch (TrainingDivergedException e) {
            throw new IllegalArgumentException(e.getMessage() + (Files.exists(settings.lastFile())
                    ? "; the last good checkpoint is " + settings.lastFile() : "; no epoch finished"), e);
        }
        Double test = null;
        if (loaded != null && loaded.test() != loaded.train()) {
            test = Trainer.evaluate(r.model(), loaded.test(), 256).accuracy();
        }
        if (json) {
            JsonObject o = new JsonObject();
            o.addProperty("model", settings.model());
            o.addProperty("data", settings.data());
            o.addProperty("master", spark.sparkContext().master());
            o.addProperty("partitions", parts);
            o.addProperty("local_steps", localSteps);
            o.addProperty("exchange", exchange);
            o.addProperty("train_samples", r.train().size());
            o.addProperty("val_samples", r.validation() == null ? 0 : r.validation().size());
            o.addProperty("epochs", r.history().size());
            o.addProperty("best_epoch", r.bestEpoch());
            if (!Double.isNaN(r.bestValidationAccuracy())) {
                o.addProperty("best_val_accuracy", r.bestValidationAccuracy());
            }
            if (test != null) {
                o.addProperty("test_accuracy", test);
            }
            o.addProperty("out", r.out().toString());
            o.addProperty("last", r.last().toString());
            o.addProperty("seconds", r.seconds());
            o.add("history", Json.parseArray(r.history().toJson(), "history"));
            System.out.println(Json.toPretty(o));
        } else {
            if (r.validation() != null && r.history().size() > 0) {
                System.out.printf(Locale.ROOT, "best validation accuracy %.4f at epoch %d%n",
                        r.bestValidationAccuracy(), r.bestEpoch());
            }
            System.out.printf(Locale.ROOT, "%swrote %s (%s), %s (last epoch, for --resume); %.1f s%n",
                    test == null ? "" : String.format(Locale.ROOT, "test accuracy %.4f; ", test), r.out(),
                    r.validation() == null ? "last epoch" : "best epoch", r.last(), r.seconds());
        }
        return 0;
    }

    private TrainingSettings.Builder options(TrainingSettings.Builder b) {
        if (input != null) {
            b.input(Shape.parsePicture(input));
        }
        if (optimizer != null) {
            b.optimizer(optimizer);
        }
        if (modelName != null) {
            b.model(modelName);
        }
        if (data != null) {
            b.data(data);
        }
        if (epochs != null) {
            b.epochs(epochs);
        }
        if (batch != null) {
            b.batch(batch);
        }
        if (lr != null) {
            b.lr(lr);
        }
        if (momentum != null) {
            b.momentum(momentum);
        }
        if (seed != null) {
            b.seed(seed);
        }
        if (valSplit != null) {
            b.valSplit(valSplit);
        }
        if (out != null) {
            b.out(out);
        }
        if (limit != null) {
            b.limit(limit);
        }
        if (patience != null) {
            b.patience(patience);
        }
        return b;
    }

    /** fashion-mnist[:CLASSES] and opencv-digits[:CLASSES] are loaded here; anything else is a picture folder. */
    static boolean builtIn(String spec) {
        String lower = spec.toLowerCase(Locale.ROOT);
        for (String name : new String[] {DataSpec.FASHION_MNIST, DataSpec.OPENCV_DIGITS}) {
            if ((lower.equals(name) || lower.startsWith(name + ":")) && !Files.isDirectory(Path.of(spec))) {
                return true;
            }
        }
        return false;
    }

    /** A checkpoint from a local file or any Hadoop path. */
    private static Checkpoint readCheckpoint(String uri) throws IOException {
        if (Files.isRegularFile(Path.of(uri))) {
            return Checkpoint.load(Path.of(uri));
        }
        byte[] bytes = HadoopFiles.readAll(uri, new org.apache.hadoop.conf.Configuration());
        Path tmp = Files.createTempFile("convnet4j-resume-", ".c4j");
        try {
            Files.write(tmp, bytes);
            return Checkpoint.load(tmp);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** One line on stderr, rewritten at most once a second: epoch, batch, running loss. */
    private static final class ProgressLine implements TrainingListener {
        private long shown;

        @Override
        public void onBatchEnd(TrainingContext ctx, int epoch, int batch, int batches, double loss) {
            long now = System.nanoTime();
            if (System.console() != null && now - shown > 1_000_000_000L || batch == batches) {
                shown = now;
                System.err.printf(Locale.ROOT, "\repoch %d: batch %d/%d, loss %.4f ", epoch, batch, batches,
                        ctx.runningMetrics() == null ? loss : ctx.runningMetrics().loss());
                System.err.flush();
            }
        }

        @Override
        public void onEpochEnd(TrainingContext ctx, int epoch, Map<String, Double> record) {
            if (System.console() == null) {
                return;
            }
            System.err.print("\r\033[K");
            System.err.flush();
        }
    }
}

package org.convnet4j.spark;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;
import org.convnet4j.checkpoint.Checkpoint;
import org.convnet4j.internal.json.Json;
import org.convnet4j.data.Dataset;
import org.convnet4j.model.ModelFiles;
import org.convnet4j.model.Preprocessing;
import org.convnet4j.nn.Model;
import org.convnet4j.nn.ModelSpec;
import org.convnet4j.nn.Parameter;
import org.convnet4j.spark.StepWork.Evaluation;
import org.convnet4j.spark.StepWork.Result;
import org.convnet4j.spark.StepWork.Step;
import org.convnet4j.train.ConfusionMatrix;
import org.convnet4j.train.History;
import org.convnet4j.train.Metrics;
import org.convnet4j.train.TrainConfig;
import org.convnet4j.train.Trainer;
import org.convnet4j.train.TrainingCheckpoints;
import org.convnet4j.train.TrainingContext;
import org.convnet4j.train.TrainingEngine;
import org.convnet4j.train.TrainingListener;
import org.convnet4j.train.loss.Loss;
import org.convnet4j.train.optim.Optimizer;

/**
 * Synchronous data-parallel training on Spark: the single-machine training step with a different gradient sum, as a
 * {@link TrainingEngine} — {@link Trainer} (and {@code run.TrainingRun} above it: split, best/last files, early
 * stopping, resuming) keep the protocol, this engine computes each epoch's steps and the validation on the cluster.
 *
 * <p>The training (and validation) pictures are cut into shards, one per partition, decoded and cached on the
 * executors ({@link ExecutorPictures}: the driver ships file names, or the values of in-memory data, and an executor
 * that dies has its shards rebuilt elsewhere from that lineage; a folder that {@link PictureFolder#decodable} checked
 * gives shards cut from the pictures its check pass decoded). Each step draws the global batch exactly as
 * {@link Trainer} does (a permutation from seed + epoch, consecutive slices of {@code batchSize}); every partition
 * computes the loss gradient on the samples of that batch it holds, weighted by its share
 * ({@code n_local / n_global}), and the gradients are summed. With {@link Exchange#TREE} ({@link TreeSteps}) they are
 * summed by {@code treeReduce} on the driver, which runs the same {@link Optimizer} step as a single machine; with
 * {@link Exchange#RING} ({@link RingSteps}) a ring all-reduce sums them among the tasks, and every task applies that
 * step to its own replica of the model and optimiser, so the weights stay on the executors and reach the driver once
 * per epoch. Either way the weights after N steps equal the in-process ones up to float rounding of the summation
 * order. Batch-norm running statistics are averaged over the partitions (weighted by their
 * sample counts), like PyTorch DDP without SyncBatchNorm; the batch statistics themselves are per partition.
 *
 * <p>With {@link #localSteps(int)} K &gt; 1 (the communication-saving mode, "local SGD" / DL4J's parameter averaging)
 * each partition takes K plain SGD steps on its own share of K consecutive global batches, at the schedule's learning
 * rate, and the driver averages the resulting weights: one exchange per K batches instead of one per batch; the
 * configured optimiser's own state (momentum, Adam moments) is not used in this mode.
 *
 * <p>{@link #fit}/{@link #resume} run a {@link Trainer} with this engine; after each epoch a complete model file with
 * the training state is written to {@code checkpointDir} (any Hadoop file system URI): {@code last.c4j} and
 * {@code epoch-NNN.c4j}; {@link #resume} continues from one of them (also {@code train --resume} can: the layout is
 * the one of {@code TrainingCheckpoints}).
 */
public final class SparkTrainer implements TrainingEngine, org.convnet4j.run.SavedFeatureStatistics.Computer {
    private final SparkSession spark;
    private final TrainConfig config;
    private int partitions;
    private int localSteps = 1;
    private String checkpointDir;
    private Preprocessing preprocessing;
    private Consumer<String> log = s -> { };
    private long bytesPerExchange;
    private long broadcastBytes;
    private int ringRebuilds;
    private RunPools.Released released;
    private Exchange exchange = Exchange.TREE;
    private Run run; // between start() and finish()

    /** How the partitions' gradients (or weights) are summed each step. */
    public enum Exchange {
        /** {@code treeReduce} towards the driver (default). */
        TREE,
        /**
         * Ring all-reduce over TCP among the tasks of a barrier stage ({@code RingAllReduce}); the first task brings
         * the sum to the driver. Needs a task slot per partition at once.
         */
        RING;

        /**
         * The exchange named {@code name}: {@code tree} or {@code ring} (any case).
         *
         * @throws IllegalArgumentException for any other name
         */
        public static Exchange parse(String name) {
            for (Exchange e : values()) {
                if (e.name().equalsIgnoreCase(name)) {
                    return e;
                }
            }
            throw new IllegalArgumentException("--exchange " + name + ": tree or ring");
        }
    }

    /** An engine for a {@link Trainer} or {@code TrainingRun} (which bring the configuration). */
    public SparkTrainer(SparkSession spark) {
        this(spark, null);
    }

    /** A trainer of its own: {@link #fit} and {@link #resume} with this configuration. */
    public SparkTrainer(SparkSession spark, TrainConfig config) {
        this.spark = spark;
        this.config = config;
        this.partitions = spark.sparkContext().defaultParallelism();
    }

    /** Number of data shards (default: Spark's default parallelism, i.e. the total task slots). */
    public SparkTrainer partitions(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("SparkTrainer: partitions must be >= 1, got " + n);
        }
        this.partitions = n;
        return this;
    }

    /** 1 (default): synchronous gradient sum every step; K &gt; 1: K local SGD steps, then parameter averaging. */
    public SparkTrainer localSteps(int k) {
        if (k < 1) {
            throw new IllegalArgumentException("SparkTrainer: local steps must be >= 1, got " + k);
        }
        this.localSteps = k;
        return this;
    }

    /** {@link Exchange#TREE} (default) or {@link Exchange#RING}. */
    public SparkTrainer exchange(Exchange e) {
        this.exchange = java.util.Objects.requireNonNull(e, "exchange");
        return this;
    }

    /** {@link #fit}/{@link #resume} write {@code last.c4j} and {@code epoch-NNN.c4j} there after every epoch. */
    public SparkTrainer checkpointDir(String uri) {
        this.checkpointDir = uri;
        return this;
    }

    /** Saved with the checkpoints so that they are complete model files (default: pixels scaled to 0..1). */
    public SparkTrainer preprocessing(Preprocessing p) {
        this.preprocessing = p;
        return this;
    }

    /** {@link #fit}/{@link #resume}: one line per epoch goes here; in ring mode also a line when replicas are rebuilt. */
    public SparkTrainer log(Consumer<String> sink) {
        this.log = sink;
        return this;
    }

    /**
     * Bytes per exchange, measured in the last run: with {@link Exchange#TREE}, what each partition sends towards the
     * driver (gradients or weights); with {@link Exchange#RING}, what the busiest ring link carries (a task to its
     * right neighbour: 2(P-1) chunks, about 2(P-1)/P of the vector).
     */
    public long bytesPerExchange() {
        return bytesPerExchange;
    }

    /**
     * Payload of the broadcasts the driver made in the last run (4 bytes per value): the weights of every exchange and
     * validation with {@link Exchange#TREE}; with {@link Exchange#RING} the replicas' start state, made at the start
     * and after each epoch (an executor reads it only to build a replica), and the validation weights.
     */
    long broadcastBytes() {
        return broadcastBytes;
    }

    /** What the end of the last run released: the model copies pooled in executor JVMs (and the driver's). */
    RunPools.Released released() {
        return released;
    }

    /** {@link Exchange#RING}: how often the last run rebuilt the replicas from the last epoch's state. */
    int ringRebuilds() {
        return ringRebuilds;
    }

    /**
     * The saved model's feature statistics, computed on the executors ({@link SparkFeatureStatistics} over this
     * trainer's partitions): a {@code TrainingRun} with this engine calls it instead of reading the pictures itself.
     */
    @Override
    public List<org.convnet4j.transfer.FeatureStatistics> compute(java.nio.file.Path file,
            org.convnet4j.nn.Sequential chain, List<String> layers, Dataset train, int samples) throws IOException {
        return new SparkFeatureStatistics(spark, partitions).compute(file, chain, layers, train, samples);
    }

    public History fit(Model model, Dataset train, Dataset val) {
        return trainer().fit(model, train, val);
    }

    /** Continues from a checkpoint this trainer (or {@code train}) wrote, at any Hadoop URI. */
    public History resume(String checkpointUri, Model model, Dataset train, Dataset val) throws IOException {
        Checkpoint checkpoint = SparkTrainingRun.readCheckpoint(checkpointUri,
                spark.sparkContext().hadoopConfiguration());
        ModelFiles.requireSameArchitecture(checkpoint, model, checkpointUri);
        return trainer().resume(checkpoint, model, train, val);
    }

    /**
     * The listener that writes {@code last.c4j} and {@code epoch-NNN.c4j} to {@link #checkpointDir} after every
     * epoch, for a {@link Trainer} or {@code TrainingRun} that uses this engine ({@link #fit} adds it itself).
     */
    public TrainingListener checkpointListener() {
        return checkpointListener(null);
    }

    /** As {@link #checkpointListener()}, the run's {@code settings} saved in each file (so it can be resumed from). */
    TrainingListener checkpointListener(org.convnet4j.run.TrainingSettings settings) {
        if (checkpointDir == null) {
            throw new IllegalStateException("SparkTrainer: no checkpointDir set");
        }
        return new HadoopCheckpoints(spark, checkpointDir, preprocessing, localSteps, partitions, settings);
    }

    private Trainer trainer() {
        if (config == null) {
            throw new IllegalStateException("SparkTrainer: fit and resume need a TrainConfig (new SparkTrainer(spark,"
                    + " config)); as an engine, give it to a Trainer or TrainingRun");
        }
        Trainer t = new Trainer(config).engine(this);
        t.addListener(new TrainingListener() {
            @Override
            public void onEpochEnd(TrainingContext ctx, int epoch, Map<String, Double> r) {
                Double val = r.get(History.VAL_ACCURACY);
                log.accept(String.format(Locale.ROOT, "epoch %d/%d: loss %.4f, accuracy %.4f%s, %.1f s", epoch,
                        ctx.config().epochs(), r.get(History.TRAIN_LOSS), r.get(History.TRAIN_ACCURACY),
                        val == null ? "" : String.format(Locale.ROOT, ", val accuracy %.4f", val),
                        r.get(History.SECONDS)));
            }
        });
        if (checkpointDir != null) {
            t.addListener(new HadoopCheckpoints(spark, checkpointDir, preprocessing, localSteps, partitions, null));
        }
        return t;
    }

    // ---- the engine -------------------------------------------------------------------------------

    /** What a run keeps between start() and finish(). */
    private record Run(TrainConfig config, RunPools.Key pools, Broadcast<String> architecture, List<String> trainable,
                       List<String> buffers, String lossClass, ExecutorPictures train, Dataset validation,
                       ExecutorPictures val, List<String> classNames, RingSteps ring) {
    }

    @Override
    public void start(Model model, TrainConfig cfg, Dataset train, Dataset validation) {
        List<String> trainable = new ArrayList<>(cfg.optimizer().trainableParameters().keySet());
        List<String> buffers = new ArrayList<>();
        model.namedParameters().forEach((k, p) -> {
            if (!p.isLearnable()) {
                buffers.add(k);
            }
        });
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        String lossClass = StepWork.lossClass(cfg.loss());
        Broadcast<String> architecture = jsc.broadcast(Json.toCompact(Json.toTree(ModelSpec.toMap(model))));
        ExecutorPictures t = ExecutorPictures.of(jsc, train, partitions);
        ExecutorPictures v = validation == null ? null : ExecutorPictures.of(jsc, validation, partitions);
        RingSteps ring = null;
        String runId = java.util.UUID.randomUUID().toString();
        if (exchange == Exchange.RING) {
            int values = 0;
            Map<String, Parameter> params = model.namedParameters();
            for (String name : trainable) {
                values += params.get(name).value().size();
            }
            for (String name : buffers) {
                values += params.get(name).value().size();
            }
            ring = new RingSteps(jsc, spark.sparkContext().getConf().get("spark.driver.host", "127.0.0.1"), runId,
                    architecture, Replicas.OptimizerRecipe.of(cfg.optimizer(), model, cfg.clipping()), t.shards(),
                    values, log);
        }
        broadcastBytes = 0;
        ringRebuilds = 0;
        run = new Run(cfg, RunPools.register(spark.sparkContext(), runId), architecture, trainable, buffers, lossClass,
                t, validation, v, names(train), ring);
    }

    @Override
    public void finish() {
        Run r = run;
        run = null;
        if (r != null) {
            r.train().release();
            if (r.val() != null) {
                r.val().release();
            }
            r.architecture().destroy();
            if (r.ring() != null) {
                broadcastBytes += r.ring().broadcastBytes();
                ringRebuilds = r.ring().rebuilds();
                r.ring().close();
            }
            // the model copies the run left in executor JVMs (StepWork's pool, ring replicas): one small job
            if (spark.sparkContext().isStopped()) {
                released = new RunPools.Released(RunPools.dropHere(r.pools().runId()), 0, List.of());
            } else {
                try {
                    released = RunPools.release(spark.sparkContext(), r.pools());
                } catch (RuntimeException e) { // e.g. the run failed because the cluster did: keep the run's own error
                    released = new RunPools.Released(RunPools.dropHere(r.pools().runId()), 0, List.of("all: " + e));
                }
            }
            if (released.executors() > 0) {
                log.accept("released the run's " + released.models() + " model copies on " + released.executors()
                        + " executors");
            }
            if (!released.missed().isEmpty()) {
                log.accept("could not reach executors " + released.missed() + " to release the run's model copies"
                        + " (they stay until the executor ends)");
            }
        }
    }

    @Override
    public void trainEpoch(TrainingEngine.Epoch epoch) {
        Run r = requireRun();
        TrainConfig cfg = r.config();
        Model model = epoch.model();
        int[][] all = epoch.batches();
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        for (int b = 0; b < all.length; b += localSteps) {
            int k = Math.min(localSteps, all.length - b);
            int[][] batchIndices = java.util.Arrays.copyOfRange(all, b, b + k);
            double rate = epoch.learningRate();
            Result res;
            if (r.ring() != null) {
                // the replicas on the executors step; the driver's model gets their state at the end of the epoch
                Step s = new Step(r.pools(), r.architecture(), null, r.trainable(), r.buffers(), batchIndices,
                        localSteps > 1 ? rate : 0, r.lossClass(), r.classNames());
                res = r.ring().step(s, rate, b + k >= all.length, model, cfg.optimizer());
                bytesPerExchange = res.linkBytes(); // the busiest ring link's payload
            } else {
                Step s = new Step(r.pools(), r.architecture(), null, r.trainable(), r.buffers(), batchIndices,
                        localSteps > 1 ? rate : 0, r.lossClass(), r.classNames());
                res = TreeSteps.step(jsc, r.train().shards(), s, rate, model, cfg);
                broadcastBytes += 4L * TreeSteps.values(model);
                bytesPerExchange = 4L * res.values().length; // float32 per value from each partition to the driver
            }
            if (res.metrics() != null) {
                epoch.metrics().addAll(res.metrics());
            }
            epoch.batchesDone(k, res.samples() == 0 ? 0 : res.lossSum() / res.samples(), (int) res.samples());
        }
    }

    @Override
    public Metrics evaluate(Model model, Dataset data, int batchSize, Loss loss) {
        Run r = run;
        if (r == null || r.val() == null || data != r.validation()) {
            return Trainer.evaluate(model, data, batchSize, loss); // not data this run shipped: in process
        }
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        Broadcast<Map<String, float[]>> w = jsc.broadcast(TreeSteps.weights(model));
        broadcastBytes += 4L * TreeSteps.values(model);
        try {
            Evaluation e = new Evaluation(r.pools(), r.architecture(), w, batchSize,
                    loss == null ? null : StepWork.lossClass(loss), names(data));
            return r.val().shards().map(e::compute).treeReduce(SparkTrainer::sum, 2);
        } finally {
            w.destroy();
        }
    }

    private Run requireRun() {
        if (run == null) {
            throw new IllegalStateException("SparkTrainer: trainEpoch before start (use it through a Trainer)");
        }
        return run;
    }

    private static Metrics sum(Metrics a, Metrics b) {
        a.addAll(b);
        return a;
    }

    private static List<String> names(Dataset d) {
        List<String> n = d.classNames();
        return n != null && n.size() == d.numClasses() ? List.copyOf(n) : ConfusionMatrix.numberedClasses(d.numClasses());
    }
}

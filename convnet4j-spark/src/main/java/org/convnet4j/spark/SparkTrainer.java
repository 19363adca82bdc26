package org.convnet4j.spark;

import com.google.gson.Gson;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Consumer;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.util.TaskCompletionListener;
import org.convnet4j.checkpoint.Checkpoint;
import org.convnet4j.internal.json.Json;
import org.convnet4j.data.Dataset;
import org.convnet4j.model.ModelFiles;
import org.convnet4j.model.Preprocessing;
import org.convnet4j.nn.GradMode;
import org.convnet4j.nn.Model;
import org.convnet4j.nn.ModelSpec;
import org.convnet4j.nn.Parameter;
import org.convnet4j.spark.ExecutorPictures.Shard;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
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
 * <p>The training (and validation) pictures are cut into contiguous shards, one per partition, decoded and cached on
 * the executors ({@link ExecutorPictures}: the driver ships file names, or the values of in-memory data, and an
 * executor that dies has its shards rebuilt elsewhere from that lineage). Each step draws the global batch exactly as
 * {@link Trainer} does (a permutation from seed + epoch, consecutive slices of {@code batchSize}); every partition
 * computes the loss gradient on the samples of that batch it holds, weighted by its share
 * ({@code n_local / n_global}), and the gradients are summed with {@code treeReduce}. The driver then runs the same
 * {@link Optimizer} step as a single machine, so the weights after N steps equal the in-process ones up to float
 * rounding of the summation order. Batch-norm running statistics are averaged over the partitions (weighted by their
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
        RING
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

    /** {@link #fit}/{@link #resume}: one line per epoch goes here. */
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
        byte[] bytes = HadoopFiles.readAll(checkpointUri, spark.sparkContext().hadoopConfiguration());
        java.nio.file.Path tmp = Files.createTempFile("convnet4j-resume-", ".c4j");
        Checkpoint checkpoint;
        try {
            Files.write(tmp, bytes);
            checkpoint = Checkpoint.load(tmp);
        } finally {
            Files.deleteIfExists(tmp);
        }
        ModelFiles.requireSameArchitecture(checkpoint, model, checkpointUri);
        return trainer().resume(checkpoint, model, train, val);
    }

    /**
     * The listener that writes {@code last.c4j} and {@code epoch-NNN.c4j} to {@link #checkpointDir} after every
     * epoch, for a {@link Trainer} or {@code TrainingRun} that uses this engine ({@link #fit} adds it itself).
     */
    public TrainingListener checkpointListener() {
        if (checkpointDir == null) {
            throw new IllegalStateException("SparkTrainer: no checkpointDir set");
        }
        return new HadoopCheckpoints();
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
            t.addListener(new HadoopCheckpoints());
        }
        return t;
    }

    // ---- the engine -------------------------------------------------------------------------------

    /** What a run keeps between start() and finish(). */
    private record Run(TrainConfig config, String runId, Broadcast<String> architecture, List<String> trainable,
                       List<String> buffers, String lossClass, ExecutorPictures train, Dataset validation,
                       ExecutorPictures val, List<String> classNames, RingAllReduce.Coordinator ring,
                       int values, long[] exchanges) {
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
        String lossClass = lossClass(cfg.loss());
        Broadcast<String> architecture = jsc.broadcast(Json.toCompact(Json.toTree(ModelSpec.toMap(model))));
        ExecutorPictures t = ExecutorPictures.of(jsc, train, partitions);
        ExecutorPictures v = validation == null ? null : ExecutorPictures.of(jsc, validation, partitions);
        RingAllReduce.Coordinator ring = null;
        if (exchange == Exchange.RING) {
            try {
                ring = new RingAllReduce.Coordinator(spark.sparkContext().getConf().get("spark.driver.host", "127.0.0.1"));
            } catch (IOException e) {
                throw new UncheckedIOException("ring all-reduce: cannot open the coordinator on the driver: "
                        + e.getMessage(), e);
            }
        }
        int values = 0;
        Map<String, Parameter> params = model.namedParameters();
        for (String name : trainable) {
            values += params.get(name).value().size();
        }
        for (String name : buffers) {
            values += params.get(name).value().size();
        }
        run = new Run(cfg, java.util.UUID.randomUUID().toString(), architecture, trainable, buffers, lossClass, t,
                validation, v, names(train), ring, values, new long[1]);
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
                try {
                    r.ring().close();
                } catch (IOException e) {
                    // closing a listening socket: nothing left to do
                }
            }
            IDLE.remove(r.runId()); // the driver's own pool, in local mode; executors drop theirs with the JVM
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
            // the weights travel once per executor per exchange (a broadcast), not once per task
            Broadcast<Map<String, float[]>> w = jsc.broadcast(weights(model));
            Step s = new Step(r.runId(), r.architecture(), w, r.trainable(), r.buffers(), batchIndices,
                    localSteps > 1 ? rate : 0, r.lossClass(), r.classNames());
            Result res;
            try {
                res = r.ring() == null ? r.train().shards().map(s::compute).treeReduce(Result::plus, 2)
                        : ringExchange(r, s);
            } finally {
                w.destroy();
            }
            // tree: float32 per value from each partition towards the driver; ring: the busiest link's payload
            bytesPerExchange = r.ring() == null ? 4L * res.values.length : res.linkBytes();
            if (res.samples > 0 && Double.isFinite(res.lossSum)) {
                if (localSteps == 1) {
                    applyGradients(model, cfg, r.trainable(), r.buffers(), res, rate);
                } else {
                    applyAverage(model.namedParameters(), r.trainable(), r.buffers(), res);
                }
            }
            if (res.metrics != null) {
                epoch.metrics().addAll(res.metrics);
            }
            epoch.batchesDone(k, res.samples == 0 ? 0 : res.lossSum / res.samples, (int) res.samples);
        }
    }

    @Override
    public Metrics evaluate(Model model, Dataset data, int batchSize, Loss loss) {
        Run r = run;
        if (r == null || r.val() == null || data != r.validation()) {
            return Trainer.evaluate(model, data, batchSize, loss); // not data this run shipped: in process
        }
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        Broadcast<Map<String, float[]>> w = jsc.broadcast(weights(model));
        try {
            Evaluation e = new Evaluation(r.runId(), r.architecture(), w, batchSize,
                    loss == null ? null : lossClass(loss), names(data));
            return r.val().shards().map(e::compute).treeReduce(SparkTrainer::sum, 2);
        } finally {
            w.destroy();
        }
    }

    /** One step in a barrier stage: every task computes, the tasks all-reduce, the first one returns the sum. */
    private static Result ringExchange(Run r, Step s) {
        int parties = r.train().shards().getNumPartitions();
        RingAllReduce.Meeting meeting = r.ring().meeting(r.runId() + "-" + (r.exchanges()[0]++) + "/" + parties,
                parties);
        int total = r.values();
        scala.reflect.ClassTag<Result> tag = scala.reflect.ClassTag$.MODULE$.apply(Result.class);
        List<Result> parts = new org.apache.spark.api.java.JavaRDD<>(r.train().shards().rdd().barrier()
                .mapPartitions(new RingTask(s, meeting, total), false, tag), tag).collect();
        float[] sum = parts.get(0).values();
        double weight = 0;
        double loss = 0;
        long samples = 0;
        long link = 0;
        Metrics metrics = null;
        for (Result p : parts) {
            link = Math.max(link, p.linkBytes());
            weight += p.weight();
            loss += p.lossSum();
            samples += p.samples();
            if (p.metrics() != null) {
                if (metrics == null) {
                    metrics = p.metrics();
                } else {
                    metrics.addAll(p.metrics());
                }
            }
        }
        return new Result(sum, weight, loss, samples, metrics, link);
    }

    /** The task of a ring step (a Scala function: barrier stages have no Java API). */
    private static final class RingTask
            extends scala.runtime.AbstractFunction1<scala.collection.Iterator<Shard>, scala.collection.Iterator<Result>>
            implements Serializable {
        private static final long serialVersionUID = 1L;
        private final Step step;
        private final RingAllReduce.Meeting meeting;
        private final int total;

        RingTask(Step step, RingAllReduce.Meeting meeting, int total) {
            this.step = step;
            this.meeting = meeting;
            this.total = total;
        }

        @Override
        public scala.collection.Iterator<Result> apply(scala.collection.Iterator<Shard> it) {
            Result local = step.compute(it.next());
            float[] v = local.values().length == total ? local.values() : new float[total];
            TaskContext tc = TaskContext.get();
            long sent = RingAllReduce.allReduce(v, tc.partitionId(), tc.stageAttemptNumber(), meeting,
                    org.apache.spark.SparkEnv.get().blockManager().blockManagerId().host());
            Result out = new Result(tc.partitionId() == 0 ? v : new float[0], local.weight(), local.lossSum(),
                    local.samples(), local.metrics(), sent);
            return scala.jdk.javaapi.CollectionConverters.asScala(List.of(out).iterator());
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

    private static Map<String, float[]> weights(Model model) {
        Map<String, float[]> w = new LinkedHashMap<>();
        model.stateDict().forEach((k, t) -> w.put(k, t.data().clone()));
        return w;
    }

    private static void applyGradients(Model model, TrainConfig cfg, List<String> trainable, List<String> buffers,
                                       Result r, double rate) {
        Optimizer opt = cfg.optimizer();
        Map<String, Parameter> params = model.namedParameters();
        opt.zeroGrad();
        int at = 0;
        for (String name : trainable) {
            Parameter p = params.get(name);
            float[] g = p.grad().data();
            System.arraycopy(r.values, at, g, 0, g.length);
            // (float[] on the wire: half the bytes of doubles; the sums of a few partitions lose nothing that matters)
            at += g.length;
        }
        copyBuffers(params, buffers, r, at);
        cfg.clipping().apply(opt);
        opt.setLearningRate(rate);
        opt.step();
    }

    private static void applyAverage(Map<String, Parameter> params, List<String> trainable, List<String> buffers,
                                     Result r) {
        int at = 0;
        for (String name : trainable) {
            float[] w = params.get(name).value().data();
            for (int i = 0; i < w.length; i++) {
                w[i] = (float) (r.values[at + i] / r.weight);
            }
            at += w.length;
        }
        copyBuffers(params, buffers, r, at);
    }

    private static void copyBuffers(Map<String, Parameter> params, List<String> buffers, Result r, int at) {
        for (String name : buffers) {
            float[] v = params.get(name).value().data();
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) (r.values[at + i] / r.weight);
            }
            at += v.length;
        }
    }

    /** After every epoch: the run's state as a complete model file, to {@code checkpointDir} on any file system. */
    private final class HadoopCheckpoints implements TrainingListener {
        @Override
        public void onEpochEnd(TrainingContext ctx, int epoch, Map<String, Double> record) {
            Model model = ctx.model();
            JsonObject d = Json.parseObject(ModelFiles.describe(model,
                    preprocessing != null ? preprocessing : ModelFiles.defaultPreprocessing(model)), "description");
            JsonObject spark = new JsonObject();
            spark.addProperty("local_steps", localSteps);
            spark.addProperty("partitions", partitions);
            d.add("spark", spark);
            Checkpoint c = TrainingCheckpoints.capture(ctx, Json.toCompact(d));
            try {
                java.nio.file.Path tmp = Files.createTempFile("convnet4j-checkpoint-", ".c4j");
                try {
                    Checkpoint.save(tmp, c);
                    byte[] bytes = Files.readAllBytes(tmp);
                    var conf = SparkTrainer.this.spark.sparkContext().hadoopConfiguration();
                    HadoopFiles.writeAtomically(new org.apache.hadoop.fs.Path(checkpointDir,
                            String.format(Locale.ROOT, "epoch-%03d.c4j", epoch)).toString(), bytes, conf);
                    HadoopFiles.writeAtomically(new org.apache.hadoop.fs.Path(checkpointDir, "last.c4j").toString(),
                            bytes, conf);
                } finally {
                    Files.deleteIfExists(tmp);
                }
            } catch (IOException e) {
                throw new UncheckedIOException("checkpoint to " + checkpointDir + ": " + e.getMessage(), e);
            }
        }
    }

    /** Losses are not serialisable; they travel as the class name and are made again (they hold no state). */
    private static String lossClass(Loss loss) {
        newLoss(loss.getClass().getName());
        return loss.getClass().getName();
    }

    static Loss newLoss(String className) {
        try {
            return (Loss) Class.forName(className).getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException e) {
            throw new IllegalArgumentException("SparkTrainer: the loss " + className
                    + " needs a public constructor without arguments to be made on the executors", e);
        }
    }

    // ---- what travels -----------------------------------------------------------------------------

    /** Sum over partitions: values (gradients or weights, times the partition's weight), loss, counts. */
    record Result(float[] values, double weight, double lossSum, long samples, Metrics metrics, long linkBytes)
            implements Serializable {
        Result(float[] values, double weight, double lossSum, long samples, Metrics metrics) {
            this(values, weight, lossSum, samples, metrics, 0);
        }

        Result plus(Result o) {
            if (o.samples == 0 && o.weight == 0) {
                return this;
            }
            if (samples == 0 && weight == 0) {
                return o;
            }
            float[] v = values.clone();
            for (int i = 0; i < v.length; i++) {
                v[i] += o.values[i];
            }
            Metrics m = metrics;
            if (m == null) {
                m = o.metrics;
            } else if (o.metrics != null) {
                m.addAll(o.metrics);
            }
            return new Result(v, weight + o.weight, lossSum + o.lossSum, samples + o.samples, m);
        }
    }

    /** Validation on one cached shard: the model with the broadcast weights, without gradients, in batches. */
    record Evaluation(String runId, Broadcast<String> architecture, Broadcast<Map<String, float[]>> weights,
                      int batchSize, String lossClass, List<String> classNames) implements Serializable {
        Metrics compute(Shard shard) {
            Loss loss = lossClass == null ? null : newLoss(lossClass);
            Model model = models(runId, architecture);
            Map<String, Parameter> params = model.namedParameters();
            weights.value().forEach((k, w) -> System.arraycopy(w, 0, params.get(k).value().data(), 0, w.length));
            Metrics m = new Metrics(classNames);
            int per = shard.sampleShape().size();
            for (int from = 0; from < shard.count(); from += batchSize) {
                int n = Math.min(batchSize, shard.count() - from);
                Tensor x = Tensor.zeros(shard.sampleShape().prepend(n));
                System.arraycopy(shard.x(), from * per, x.data(), 0, n * per);
                int[] y = java.util.Arrays.copyOfRange(shard.labels(), from, from + n);
                Tensor out = GradMode.withoutGradients(() -> model.forward(x, false));
                if (loss != null) {
                    m.addLoss(loss.compute(out, y).value(), n);
                }
                if (out.rank() == 2 && out.dim(1) == classNames.size()) {
                    m.add(out, y);
                }
            }
            return m;
        }
    }

    /** One exchange: the weights out, K batches of global indices, the computation on one shard. */
    record Step(String runId, Broadcast<String> architecture, Broadcast<Map<String, float[]>> weights, List<String> trainable,
                List<String> buffers, int[][] batches, double localRate, String lossClass, List<String> classNames)
            implements Serializable {

        Result compute(Shard shard) {
            Loss loss = newLoss(lossClass);
            Model model = models(runId, architecture);
            Metrics metrics = new Metrics(classNames);
            Map<String, Parameter> params = model.namedParameters();
            weights.value().forEach((k, w) -> System.arraycopy(w, 0, params.get(k).value().data(), 0, w.length));
            double lossSum = 0;
            long samples = 0;
            double[] gradSum = localRate == 0 ? new double[size(params, trainable)] : null;
            for (int[] batch : batches) {
                int[] mine = java.util.Arrays.stream(batch)
                        .filter(i -> i >= shard.start() && i < shard.start() + shard.count()).toArray();
                if (mine.length == 0) {
                    continue;
                }
                int per = shard.sampleShape().size();
                Tensor x = Tensor.zeros(shard.sampleShape().prepend(mine.length));
                int[] y = new int[mine.length];
                for (int j = 0; j < mine.length; j++) {
                    int local = mine[j] - shard.start();
                    System.arraycopy(shard.x(), local * per, x.data(), j * per, per);
                    y[j] = shard.labels()[local];
                }
                double[] stepLoss = new double[1];
                double share = (double) mine.length / batch.length;
                Runnable stepBody = () -> {
                    params.values().forEach(Parameter::zeroGrad);
                    Tensor out = model.forward(x, true);
                    Loss.LossValue l = loss.compute(out, y);
                    model.backwardParameters(l.gradient());
                    stepLoss[0] = l.value();
                    if (out.rank() == 2 && out.dim(1) == classNames.size()) {
                        metrics.add(out, y);
                    }
                    if (gradSum != null) {
                        int at = 0;
                        for (String name : trainable) {
                            float[] g = params.get(name).grad().data();
                            for (int i = 0; i < g.length; i++) {
                                gradSum[at + i] += share * g[i];
                            }
                            at += g.length;
                        }
                    } else {
                        for (String name : trainable) {
                            Parameter p = params.get(name);
                            float[] w = p.value().data();
                            float[] g = p.grad().data();
                            for (int i = 0; i < w.length; i++) {
                                w[i] -= (float) (localRate * g[i]);
                            }
                        }
                    }
                };
                stepBody.run();
                lossSum += stepLoss[0] * mine.length;
                samples += mine.length;
            }
            if (samples == 0) {
                return new Result(new float[0], 0, 0, 0, null);
            }
            // synchronous: the share-weighted gradients sum to the global batch's gradient (weight 1 per batch);
            // averaging: weights times this partition's sample count, divided by the total on the driver
            int total = size(params, trainable) + size(params, buffers);
            float[] v = new float[total];
            int at = 0;
            if (gradSum != null) {
                for (int i = 0; i < gradSum.length; i++) {
                    v[i] = (float) gradSum[i];
                }
                at = gradSum.length;
            } else {
                for (String name : trainable) {
                    float[] w = params.get(name).value().data();
                    for (int i = 0; i < w.length; i++) {
                        v[at + i] = w[i] * samples;
                    }
                    at += w.length;
                }
            }
            double bufferWeight = gradSum != null ? (double) samples / totalSamples(batches) : samples;
            for (String name : buffers) {
                float[] b = params.get(name).value().data();
                for (int i = 0; i < b.length; i++) {
                    v[at + i] = (float) (bufferWeight * b[i]);
                }
                at += b.length;
            }
            return new Result(v, bufferWeight, lossSum, samples, metrics);
        }

        private static int totalSamples(int[][] batches) {
            int n = 0;
            for (int[] b : batches) {
                n += b.length;
            }
            return n;
        }

        private static int size(Map<String, Parameter> params, List<String> names) {
            int n = 0;
            for (String name : names) {
                n += params.get(name).value().size();
            }
            return n;
        }
    }

    private static final Map<String, ConcurrentLinkedQueue<Model>> IDLE = new ConcurrentHashMap<>();

    /** A model instance of the run for this task: built once per task slot per executor, reused across steps. */
    private static Model models(String runId, Broadcast<String> architecture) {
        EngineThreads.configure();
        ConcurrentLinkedQueue<Model> idle = IDLE.computeIfAbsent(runId, k -> new ConcurrentLinkedQueue<>());
        Model m = idle.poll();
        if (m == null) {
            @SuppressWarnings("unchecked")
            Map<String, Object> spec = new Gson().fromJson(architecture.value(), Map.class);
            m = ModelSpec.fromMap(spec);
        }
        Model borrowed = m;
        TaskContext t = TaskContext.get();
        if (t != null) {
            t.addTaskCompletionListener((TaskCompletionListener) ctx -> idle.offer(borrowed));
        }
        return m;
    }
}

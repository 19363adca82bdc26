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
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.apache.spark.util.TaskCompletionListener;
import org.convnet4j.checkpoint.Checkpoint;
import org.convnet4j.internal.json.Json;
import org.convnet4j.data.DataLoader;
import org.convnet4j.data.Dataset;
import org.convnet4j.model.ModelFiles;
import org.convnet4j.model.Preprocessing;
import org.convnet4j.nn.Model;
import org.convnet4j.nn.ModelSpec;
import org.convnet4j.nn.Parameter;
import org.convnet4j.nn.StepBuffers;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.train.History;
import org.convnet4j.train.Metrics;
import org.convnet4j.train.TrainConfig;
import org.convnet4j.train.Trainer;
import org.convnet4j.train.TrainingCheckpoints;
import org.convnet4j.train.TrainingDivergedException;
import org.convnet4j.train.loss.Loss;
import org.convnet4j.train.optim.Optimizer;

/**
 * Synchronous data-parallel training on Spark: the single-machine training step with a different gradient sum.
 *
 * <p>The training samples are cut into contiguous shards, one per partition, cached on the executors. Each step
 * draws the global batch exactly as {@link Trainer} does ({@link DataLoader#order}: a permutation from seed + epoch,
 * consecutive slices of {@code batchSize}); every partition computes the loss gradient on the samples of that batch
 * it holds, weighted by its share ({@code n_local / n_global}), and the gradients are summed with
 * {@code treeReduce}. The driver then runs the same {@link Optimizer} step as a single machine, so the weights after
 * N steps equal the in-process ones up to float rounding of the summation order. Batch-norm running statistics are
 * averaged over the partitions (weighted by their sample counts), like PyTorch DDP without SyncBatchNorm; the batch
 * statistics themselves are per partition.
 *
 * <p>With {@link #localSteps(int)} K &gt; 1 (the communication-saving mode, "local SGD" / DL4J's parameter averaging)
 * each partition takes K plain SGD steps on its own share of K consecutive global batches, at the schedule's learning
 * rate, and the driver averages the resulting weights: one exchange per K batches instead of one per batch; the
 * configured optimiser's own state (momentum, Adam moments) is not used in this mode.
 *
 * <p>After each epoch a complete model file with the training state is written to {@code checkpointDir} (any Hadoop
 * file system URI): {@code last.c4j} and {@code epoch-NNN.c4j}; {@link #resume} continues from one of them (also
 * {@code train --resume} can, the layout is the one of {@code TrainingCheckpoints}).
 */
public final class SparkTrainer {
    private final SparkSession spark;
    private final TrainConfig config;
    private int partitions;
    private int localSteps = 1;
    private String checkpointDir;
    private Preprocessing preprocessing;
    private Consumer<String> log = s -> { };
    private long bytesPerExchange;

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

    /** Writes {@code last.c4j} and {@code epoch-NNN.c4j} there after every epoch (null: no checkpoints). */
    public SparkTrainer checkpointDir(String uri) {
        this.checkpointDir = uri;
        return this;
    }

    /** Saved with the checkpoints so that they are complete model files (default: pixels scaled to 0..1). */
    public SparkTrainer preprocessing(Preprocessing p) {
        this.preprocessing = p;
        return this;
    }

    /** One line per epoch (and other progress) goes here. */
    public SparkTrainer log(Consumer<String> sink) {
        this.log = sink;
        return this;
    }

    /** Bytes each partition sends to the driver per exchange (gradients or weights), measured in the last run. */
    public long bytesPerExchange() {
        return bytesPerExchange;
    }

    public History fit(Model model, Dataset train, Dataset val) {
        return run(model, train, val, new History(), 0, config.seed());
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
        TrainingCheckpoints.State state = TrainingCheckpoints.read(checkpoint);
        if (state.batchSize() != 0 && state.batchSize() != config.batchSize()) {
            throw new IllegalArgumentException(checkpointUri + " was trained with batch size " + state.batchSize()
                    + ", this run has " + config.batchSize() + "; the same batch size is needed to continue the same run");
        }
        TrainingCheckpoints.loadParameters(checkpoint, model);
        config.optimizer().loadState(checkpoint.optimizerState());
        return run(model, train, val, state.history(), state.step(), state.seed());
    }

    // ---- the run ----------------------------------------------------------------------------------

    private History run(Model model, Dataset train, Dataset val, History history, long step, long seed) {
        Optimizer opt = config.optimizer();
        List<String> trainable = new ArrayList<>(opt.trainableParameters().keySet());
        Map<String, Parameter> params = model.namedParameters();
        List<String> buffers = new ArrayList<>();
        params.forEach((k, p) -> {
            if (!p.isLearnable()) {
                buffers.add(k);
            }
        });
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        String runId = java.util.UUID.randomUUID().toString();
        Broadcast<String> architecture = jsc.broadcast(Json.toCompact(Json.toTree(ModelSpec.toMap(model))));
        // The samples go out once: parallelize() keeps the data inside its partition objects, which travel with every
        // task, so the shards are materialised on the executors and the lineage cut (localCheckpoint); later steps
        // ship only a partition number. The price: an executor lost during training loses its shard, and the run
        // fails (resume from the last epoch's checkpoint).
        JavaRDD<Shard> shards = jsc.parallelize(Shard.cut(train, partitions), partitions)
                .persist(StorageLevel.MEMORY_AND_DISK());
        shards.rdd().localCheckpoint();
        shards.count();
        DataLoader loader = DataLoader.builder(train).batchSize(config.batchSize()).shuffle(true).seed(seed).build();
        int batches = loader.numBatches();
        String lossClass = lossClass(config.loss());
        try {
            for (int epoch = history.size() + 1; epoch <= config.epochs(); epoch++) {
                long start = System.nanoTime();
                int[] order = loader.order(epoch - 1);
                double lr = config.schedule().learningRate(epoch - 1, step);
                Metrics metrics = new Metrics(names(train));
                long correct = 0; // the partitions return counts, not outputs, so accuracy is counted here
                for (int b = 0; b < batches; b += localSteps) {
                    int k = Math.min(localSteps, batches - b);
                    int[][] batchIndices = new int[k][];
                    for (int j = 0; j < k; j++) {
                        int from = (b + j) * config.batchSize();
                        batchIndices[j] = java.util.Arrays.copyOfRange(order, from,
                                Math.min(from + config.batchSize(), order.length));
                    }
                    double rate = config.schedule().learningRate(epoch - 1, step);
                    // the weights travel once per executor per exchange (a broadcast), not once per task
                    Broadcast<Map<String, float[]>> w = jsc.broadcast(weights(model));
                    Step s = new Step(runId, architecture, w, trainable, buffers, batchIndices,
                            localSteps > 1 ? rate : 0, lossClass);
                    Result r;
                    try {
                        r = shards.map(s::compute).treeReduce(Result::plus, 2);
                    } finally {
                        w.destroy();
                    }
                    bytesPerExchange = 4L * r.values.length; // float32 per value
                    if (!Double.isFinite(r.lossSum)) {
                        throw new TrainingDivergedException(epoch, b + 1, step, r.lossSum);
                    }
                    if (localSteps == 1) {
                        applyGradients(model, opt, trainable, buffers, r, rate);
                    } else {
                        applyAverage(params, trainable, buffers, r);
                        // keep the optimiser's step count in line with batches seen (schedules, checkpoints)
                    }
                    step += k;
                    metrics.addLoss(r.lossSum / r.samples, (int) r.samples);
                    correct += r.correct;
                }
                double seconds = (System.nanoTime() - start) / 1e9;
                double accuracy = (double) correct / train.size();
                Map<String, Double> record = new LinkedHashMap<>();
                record.put(History.EPOCH, (double) epoch);
                record.put(History.TRAIN_LOSS, metrics.loss());
                record.put(History.TRAIN_ACCURACY, accuracy);
                if (val != null) {
                    Metrics v = Trainer.evaluate(model, val, config.evalBatchSize(), config.loss());
                    record.put(History.VAL_LOSS, v.loss());
                    record.put(History.VAL_ACCURACY, v.accuracy());
                }
                record.put(History.LR, lr);
                record.put(History.SECONDS, seconds);
                record.put(History.IMAGES_PER_SECOND, train.size() / Math.max(seconds, 1e-9));
                history.add(record);
                log.accept(String.format(Locale.ROOT, "epoch %d/%d: loss %.4f, accuracy %.4f%s, %.1f s", epoch,
                        config.epochs(), metrics.loss(), accuracy,
                        val == null ? "" : String.format(Locale.ROOT, ", val accuracy %.4f", record.get(History.VAL_ACCURACY)),
                        seconds));
                if (checkpointDir != null) {
                    writeCheckpoint(model, history, step, seed, epoch);
                }
            }
        } finally {
            shards.unpersist(false);
            architecture.destroy();
        }
        return history;
    }

    private static List<String> names(Dataset d) {
        List<String> n = d.classNames();
        return n != null && n.size() == d.numClasses() ? n
                : org.convnet4j.train.ConfusionMatrix.numberedClasses(d.numClasses());
    }

    private static Map<String, float[]> weights(Model model) {
        Map<String, float[]> w = new LinkedHashMap<>();
        model.stateDict().forEach((k, t) -> w.put(k, t.data().clone()));
        return w;
    }

    private void applyGradients(Model model, Optimizer opt, List<String> trainable, List<String> buffers, Result r,
                                double rate) {
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
        config.clipping().apply(opt);
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

    private void writeCheckpoint(Model model, History history, long step, long seed, int epoch) {
        JsonObject d = Json.parseObject(
                ModelFiles.describe(model, preprocessing != null ? preprocessing : defaultPreprocessing(model)), "description");
        JsonObject t = new JsonObject();
        t.addProperty("epoch", history.size());
        t.addProperty("step", step);
        t.addProperty("seed", seed);
        t.addProperty("rng_state", "data order from seed + epoch");
        t.add("optimizer", Json.toTree(config.optimizer().config()));
        JsonObject metrics = new JsonObject();
        metrics.add("history", Json.parseArray(history.toJson(), "history"));
        t.add("metrics", metrics);
        JsonObject run = new JsonObject();
        run.addProperty("epochs", config.epochs());
        run.addProperty("batch_size", config.batchSize());
        run.addProperty("local_steps", localSteps);
        run.addProperty("partitions", partitions);
        t.add("run", run);
        d.add(TrainingCheckpoints.KEY, t);
        try {
            java.nio.file.Path tmp = Files.createTempFile("convnet4j-checkpoint-", ".c4j");
            try {
                Checkpoint.save(tmp, new Checkpoint(model.stateDict(), config.optimizer().state(), Json.toCompact(d)));
                byte[] bytes = Files.readAllBytes(tmp);
                var conf = spark.sparkContext().hadoopConfiguration();
                HadoopFiles.writeAtomically(new org.apache.hadoop.fs.Path(checkpointDir,
                        String.format(Locale.ROOT, "epoch-%03d.c4j", epoch)).toString(), bytes, conf);
                HadoopFiles.writeAtomically(new org.apache.hadoop.fs.Path(checkpointDir, "last.c4j").toString(), bytes, conf);
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("checkpoint to " + checkpointDir + ": " + e.getMessage(), e);
        }
    }

    private static Preprocessing defaultPreprocessing(Model model) {
        Shape in = model.inputShapes().get(0);
        return in.rank() == 3 && (in.dim(0) == 1 || in.dim(0) == 3) ? Preprocessing.forInput(in) : null;
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

    /** A contiguous run of training samples [start, start + count), materialised once and cached by Spark. */
    record Shard(int start, int count, int[] dims, float[] x, int[] labels) implements Serializable {
        Shape sampleShape() {
            return Shape.of(dims);
        }

        static List<Shard> cut(Dataset data, int parts) {
            int n = data.size();
            int per = data.sampleShape().size();
            List<Shard> out = new ArrayList<>();
            for (int p = 0; p < parts; p++) {
                int from = (int) ((long) n * p / parts);
                int to = (int) ((long) n * (p + 1) / parts);
                float[] x = new float[Math.multiplyExact(to - from, per)];
                int[] y = new int[to - from];
                for (int i = from; i < to; i++) {
                    data.copySample(i, x, (i - from) * per);
                    y[i - from] = data.label(i);
                }
                out.add(new Shard(from, to - from, data.sampleShape().dims(), x, y));
            }
            return out;
        }
    }

    /** Sum over partitions: values (gradients or weights, times the partition's weight), loss, counts. */
    record Result(float[] values, double weight, double lossSum, long samples, long correct) implements Serializable {
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
            return new Result(v, weight + o.weight, lossSum + o.lossSum, samples + o.samples, correct + o.correct);
        }
    }

    /** One exchange: the weights out, K batches of global indices, the computation on one shard. */
    record Step(String runId, Broadcast<String> architecture, Broadcast<Map<String, float[]>> weights, List<String> trainable,
                List<String> buffers, int[][] batches, double localRate, String lossClass) implements Serializable {

        Result compute(Shard shard) {
            Loss loss = newLoss(lossClass);
            Model model = models(this);
            Map<String, Parameter> params = model.namedParameters();
            weights.value().forEach((k, w) -> System.arraycopy(w, 0, params.get(k).value().data(), 0, w.length));
            double lossSum = 0;
            long samples = 0;
            long correct = 0;
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
                long[] stepCorrect = new long[1];
                double share = (double) mine.length / batch.length;
                Runnable stepBody = () -> {
                    params.values().forEach(Parameter::zeroGrad);
                    Tensor out = model.forward(x, true);
                    Loss.LossValue l = loss.compute(out, y);
                    model.backwardParameters(l.gradient());
                    stepLoss[0] = l.value();
                    stepCorrect[0] = correct(out, y);
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
                correct += stepCorrect[0];
            }
            if (samples == 0) {
                return new Result(new float[0], 0, 0, 0, 0);
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
            return new Result(v, bufferWeight, lossSum, samples, correct);
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

        private static long correct(Tensor out, int[] y) {
            if (out.rank() != 2) {
                return 0;
            }
            int k = out.dim(1);
            long c = 0;
            for (int i = 0; i < y.length; i++) {
                int best = 0;
                for (int j = 1; j < k; j++) {
                    if (out.data()[i * k + j] > out.data()[i * k + best]) {
                        best = j;
                    }
                }
                c += best == y[i] ? 1 : 0;
            }
            return c;
        }
    }

    private static final Map<String, ConcurrentLinkedQueue<Model>> IDLE = new ConcurrentHashMap<>();

    /** A model instance of the run for this task: built once per task slot per executor, reused across steps. */
    private static Model models(Step s) {
        EngineThreads.configure();
        ConcurrentLinkedQueue<Model> idle = IDLE.computeIfAbsent(s.runId(), k -> new ConcurrentLinkedQueue<>());
        Model m = idle.poll();
        if (m == null) {
            @SuppressWarnings("unchecked")
            Map<String, Object> spec = new Gson().fromJson(s.architecture().value(), Map.class);
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

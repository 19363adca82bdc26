package org.convnet4j.spark;

import java.io.Closeable;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.convnet4j.nn.Model;
import org.convnet4j.nn.Parameter;
import org.convnet4j.spark.ExecutorPictures.Shard;
import org.convnet4j.spark.Replicas.OptimizerRecipe;
import org.convnet4j.spark.Replicas.Replica;
import org.convnet4j.spark.StepWork.Result;
import org.convnet4j.spark.StepWork.Step;
import org.convnet4j.train.Metrics;
import org.convnet4j.train.optim.Optimizer;

/**
 * Ring mode ({@link SparkTrainer.Exchange#RING}) on the driver. Each exchange is a barrier stage: every task takes its
 * replica (model + optimiser, {@link Replicas}), computes its share of the gradient, joins the ring all-reduce and
 * applies the optimiser step itself, so every replica holds the new weights and no weights or gradients go through
 * the driver; the tasks return only the loss, the counts and the classification metrics. The driver's model and
 * optimiser receive the replicas' state only when asked ({@code fetch}: the last exchange of an epoch, before
 * validation and checkpoints).
 *
 * <p>That fetched state is also the driver's base: a broadcast (read by an executor only when it has to build a
 * replica) from which replicas start. A task whose replica does not hold the current state (a new executor, one
 * that missed exchanges, or was killed in the middle of one) says so at the rendezvous; then nobody steps, and the
 * driver rebuilds every replica: a new generation starts from the base (the state of the last epoch end, or the run's
 * start) and the exchanges since then are replayed with their batches and learning rates, before the exchange goes on.
 */
final class RingSteps implements Closeable {
    private static final int MAX_REBUILDS = 5;
    /** How long a failed exchange waits for Spark to report a lost executor before it counts as an error. */
    private static final long LOSS_NOTICE_MS = 20_000;

    private final JavaSparkContext jsc;
    private final RingAllReduce.Coordinator coordinator;
    private final String runId;
    private final Broadcast<String> architecture;
    private final OptimizerRecipe recipe;
    private final JavaRDD<Shard> shards;
    private final int values;
    private final Consumer<String> log;
    private final List<Done> sinceBase = new ArrayList<>();
    private Broadcast<Replicas.State> base;
    private long baseSeq;
    private long seq;
    private long generation;
    private long meetings;
    private long broadcastBytes;
    private int rebuilds;
    private final java.util.concurrent.atomic.AtomicLong executorsLost = new java.util.concurrent.atomic.AtomicLong();
    private final org.apache.spark.scheduler.SparkListener lossListener = new org.apache.spark.scheduler.SparkListener() {
        @Override
        public void onExecutorRemoved(org.apache.spark.scheduler.SparkListenerExecutorRemoved removed) {
            executorsLost.incrementAndGet();
        }
    };

    /** An exchange already applied since the base: what a rebuild replays. */
    private record Done(Step step, double rate) {
    }

    RingSteps(JavaSparkContext jsc, String driverHost, String runId, Broadcast<String> architecture,
              OptimizerRecipe recipe, JavaRDD<Shard> shards, int values, Consumer<String> log) {
        this.jsc = jsc;
        this.runId = runId;
        this.architecture = architecture;
        this.recipe = recipe;
        this.shards = shards;
        this.values = values;
        this.log = log;
        try {
            this.coordinator = new RingAllReduce.Coordinator(driverHost);
        } catch (IOException e) {
            throw new UncheckedIOException("ring all-reduce: cannot open the coordinator on the driver: "
                    + e.getMessage(), e);
        }
        jsc.sc().addSparkListener(lossListener);
    }

    /**
     * One exchange on the replicas: {@code step}'s batches, the optimiser step at {@code rate} (synchronous mode);
     * with {@code fetch} the driver's {@code model} and {@code optimizer} hold the replicas' state afterwards.
     * Returns the summed loss, counts and metrics, and the busiest link's bytes.
     */
    Result step(Step step, double rate, boolean fetch, Model model, Optimizer optimizer) {
        if (base == null) {
            rebase(Replicas.State.of(model, optimizer));
        }
        int[] tries = {0};
        while (true) {
            Outcome o = launch(step, rate, fetch);
            if (!o.stale()) {
                sinceBase.add(new Done(step, rate));
                seq++;
                if (fetch) {
                    o.state().loadInto(model, optimizer);
                    rebase(o.state());
                }
                return o.result();
            }
            rebuild(tries);
        }
    }

    /** Replicas rebuilt from the base so far in this run. */
    int rebuilds() {
        return rebuilds;
    }

    /** Payload of the state broadcasts made so far (4 bytes per value); executors read one only to build a replica. */
    long broadcastBytes() {
        return broadcastBytes;
    }

    private void rebase(Replicas.State state) {
        if (base != null) {
            base.destroy();
        }
        base = jsc.broadcast(state);
        broadcastBytes += 4 * state.values();
        baseSeq = seq;
        sinceBase.clear();
    }

    /** A new generation of replicas from the base, with the exchanges since then replayed. */
    private void rebuild(int[] tries) {
        List<Done> replay = List.copyOf(sinceBase);
        attempt:
        while (true) {
            if (++tries[0] > MAX_REBUILDS) {
                throw new IllegalStateException("SparkTrainer: ring exchange " + seq + ": model replicas lost "
                        + MAX_REBUILDS + " times in a row; giving up");
            }
            rebuilds++;
            generation++;
            seq = baseSeq;
            sinceBase.clear();
            log.accept("ring all-reduce: a replica is missing at exchange " + (baseSeq + replay.size())
                    + "; rebuilding the replicas from exchange " + baseSeq + " and replaying " + replay.size());
            for (Done d : replay) {
                if (launch(d.step(), d.rate(), false).stale()) {
                    continue attempt;
                }
                sinceBase.add(d);
                seq++;
            }
            return;
        }
    }

    private Outcome launch(Step step, double rate, boolean fetch) {
        int parties = shards.getNumPartitions();
        RingAllReduce.Meeting meeting = coordinator.meeting(runId + "-" + (meetings++) + "/" + parties, parties);
        Exchange x = new Exchange(step, runId, architecture, recipe, meeting, values, generation, seq, base,
                baseSeq, rate, fetch);
        scala.reflect.ClassTag<Outcome> tag = scala.reflect.ClassTag$.MODULE$.apply(Outcome.class);
        long lostBefore = executorsLost.get();
        List<Outcome> parts;
        try {
            parts = new JavaRDD<>(shards.rdd().barrier().mapPartitions(new RingTask(x), false, tag), tag).collect();
        } catch (Exception e) {
            // Spark does not retry a failed barrier result stage: the job fails. If an executor was lost meanwhile
            // (killed in the middle of the exchange), the exchange is run again as a new job after a rebuild of the
            // replicas (a survivor's replica may be half-way through the step); any other failure is an error
            if (!(e instanceof org.apache.spark.SparkException) || !executorLostSince(lostBefore)) {
                throw e;
            }
            log.accept("ring all-reduce: exchange " + seq + " failed, an executor was lost ("
                    + String.valueOf(e.getMessage()).lines().findFirst().orElse("") + ")");
            return Outcome.STALE;
        }
        double weight = 0;
        double loss = 0;
        long samples = 0;
        long link = 0;
        Metrics metrics = null;
        Replicas.State state = null;
        for (Outcome p : parts) {
            if (p.stale()) {
                return Outcome.STALE;
            }
            Result r = p.result();
            link = Math.max(link, r.linkBytes());
            weight += r.weight();
            loss += r.lossSum();
            samples += r.samples();
            if (r.metrics() != null) {
                if (metrics == null) {
                    metrics = r.metrics();
                } else {
                    metrics.addAll(r.metrics());
                }
            }
            if (p.state() != null) {
                state = p.state();
            }
        }
        return new Outcome(new Result(new float[0], weight, loss, samples, metrics, link), false, state);
    }

    /** Whether Spark reported a lost executor since the count was {@code before} (the report may come late). */
    private boolean executorLostSince(long before) {
        long deadline = System.nanoTime() + LOSS_NOTICE_MS * 1_000_000;
        while (executorsLost.get() == before && System.nanoTime() < deadline) {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return executorsLost.get() != before;
    }

    @Override
    public void close() {
        jsc.sc().removeSparkListener(lossListener);
        if (base != null) {
            base.destroy();
            base = null;
        }
        try {
            coordinator.close();
        } catch (IOException e) {
            // closing a listening socket: nothing left to do
        }
        // the replicas themselves: RunPools.release, with the run's other pools
    }

    /** What one task returns: its loss, counts and metrics; stale if some replica was not current. */
    record Outcome(Result result, boolean stale, Replicas.State state) implements Serializable {
        static final Outcome STALE = new Outcome(null, true, null);
    }

    /** Everything a task of one exchange needs. */
    record Exchange(Step step, String runId, Broadcast<String> architecture, OptimizerRecipe recipe,
                    RingAllReduce.Meeting meeting, int total, long generation, long seq,
                    Broadcast<Replicas.State> base, long baseSeq, double rate, boolean fetch) implements Serializable {

        /** The replica's update from the all-reduced sum: the optimiser step, or the average of the weights. */
        void apply(Replica rep, float[] v) {
            Map<String, Parameter> params = rep.model.namedParameters();
            Optimizer opt = rep.optimizer;
            int at = 0;
            if (step.localRate() == 0) {
                opt.zeroGrad();
                for (String name : step.trainable()) {
                    float[] g = params.get(name).grad().data();
                    System.arraycopy(v, at, g, 0, g.length);
                    at += g.length;
                }
                // buffers: each partition's running statistics times its share of the batch; the shares sum to 1
                for (String name : step.buffers()) {
                    float[] b = params.get(name).value().data();
                    System.arraycopy(v, at, b, 0, b.length);
                    at += b.length;
                    params.get(name).changed();
                }
                recipe.clippingRule().apply(opt);
                opt.setLearningRate(rate);
                opt.step();
            } else {
                double samples = Step.totalSamples(step.batches()); // every sample of the batches is in one shard
                for (String name : step.trainable()) {
                    at = average(params.get(name).value().data(), v, at, samples);
                    params.get(name).changed();
                }
                for (String name : step.buffers()) {
                    at = average(params.get(name).value().data(), v, at, samples);
                    params.get(name).changed();
                }
            }
        }

        private static int average(float[] w, float[] v, int at, double samples) {
            for (int i = 0; i < w.length; i++) {
                w[i] = (float) (v[at + i] / samples);
            }
            return at + w.length;
        }
    }

    /** The task of a ring exchange (a Scala function: barrier stages have no Java API). */
    private static final class RingTask
            extends scala.runtime.AbstractFunction1<scala.collection.Iterator<Shard>, scala.collection.Iterator<Outcome>>
            implements Serializable {
        private static final long serialVersionUID = 1L;
        private final Exchange x;

        RingTask(Exchange x) {
            this.x = x;
        }

        @Override
        public scala.collection.Iterator<Outcome> apply(scala.collection.Iterator<Shard> it) {
            Shard shard = it.next();
            TaskContext tc = TaskContext.get();
            Replica rep = Replicas.borrow(x.step().run(), x.architecture(), x.recipe());
            boolean ready = rep.holds(x.generation(), x.seq());
            if (!ready && x.seq() == x.baseSeq()) {
                x.base().value().loadInto(rep.model, rep.optimizer);
                rep.mark(x.generation(), x.seq());
                ready = true;
            }
            String host = SparkEnv.get().blockManager().blockManagerId().host();
            Outcome out;
            try (RingAllReduce.Ring ring = RingAllReduce.join(x.meeting(), tc.partitionId(), tc.stageAttemptNumber(),
                    host, ready)) {
                if (!ring.allReady()) {
                    out = Outcome.STALE;
                } else {
                    rep.mark(x.generation(), -1); // under way: batch norm's forward and local steps change it too
                    Result local = x.step().computeOn(shard, rep.model);
                    float[] v = local.values().length == x.total() ? local.values() : new float[x.total()];
                    long sent = ring.allReduce(v);
                    x.apply(rep, v);
                    rep.mark(x.generation(), x.seq() + 1);
                    Replicas.State state = x.fetch() && tc.partitionId() == 0
                            ? Replicas.State.of(rep.model, rep.optimizer) : null;
                    out = new Outcome(new Result(new float[0], local.weight(), local.lossSum(), local.samples(),
                            local.metrics(), sent), false, state);
                }
            }
            return scala.jdk.javaapi.CollectionConverters.asScala(List.of(out).iterator());
        }
    }
}

package org.convnet4j.spark;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.SparkContext;
import org.apache.spark.SparkEnv;
import org.apache.spark.SparkExecutorInfo;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.storage.BlockManagerId;
import org.apache.spark.util.AccumulatorV2;
import scala.Tuple2;

/**
 * The model instances a training run leaves in executor JVMs ({@link StepWork}'s pool of models, {@link Replicas}'
 * ring replicas), keyed by the run's id, and their release when the run ends.
 *
 * <p>Every task that takes a model from a pool records its executor (id, host, block manager port) in the run's
 * {@link Holders} accumulator. At the end of the run {@link #release} runs a small job with one task per recorded
 * executor, each preferring its executor ({@code executor_HOST_ID}, Spark's process-local placement); a task drops the
 * run's pools in the JVM it runs in and reports which executor that was. Spark does not promise placement (after
 * {@code spark.locality.wait} a task may run elsewhere), so executors that were missed get another task, up to
 * {@link #ROUNDS} rounds; an executor that is gone (no longer in the status tracker) took its pools with it.
 */
final class RunPools {
    static final int ROUNDS = 4;

    private RunPools() {
    }

    /** What tasks carry: the run's id (the pools' key) and the accumulator of the executors that hold its models. */
    record Key(String runId, Holders holders) implements Serializable {
        /** Records the executor this task runs in (no-op outside a Spark executor, e.g. a plain unit test). */
        void noteHolder() {
            SparkEnv env = SparkEnv.get();
            if (env != null && holders != null) {
                BlockManagerId bm = env.blockManager().blockManagerId();
                holders.add(bm.executorId() + " " + bm.host() + " " + bm.port());
            }
        }
    }

    /** A set of "executorId host port" strings, merged on the driver. */
    static final class Holders extends AccumulatorV2<String, Set<String>> {
        private static final long serialVersionUID = 1L;
        private final Set<String> set = ConcurrentHashMap.newKeySet();

        @Override
        public boolean isZero() {
            return set.isEmpty();
        }

        @Override
        public Holders copy() {
            Holders h = new Holders();
            h.set.addAll(set);
            return h;
        }

        @Override
        public void reset() {
            set.clear();
        }

        @Override
        public void add(String v) {
            set.add(v);
        }

        @Override
        public void merge(AccumulatorV2<String, Set<String>> other) {
            set.addAll(other.value());
        }

        @Override
        public Set<String> value() {
            return set;
        }
    }

    /** A new key with its accumulator registered on {@code sc}. */
    static Key register(SparkContext sc, String runId) {
        Holders h = new Holders();
        sc.register(h, "convnet4j model pools of run " + runId);
        return new Key(runId, h);
    }

    /** Model instances of the run pooled in this JVM. */
    static int pooledHere(String runId) {
        return StepWork.pooled(runId) + Replicas.pooled(runId);
    }

    /** Model instances of any run pooled in this JVM. */
    static int pooledHere() {
        return StepWork.pooled() + Replicas.pooled();
    }

    /** Drops the run's pools in this JVM; returns how many model instances they held. */
    static int dropHere(String runId) {
        int n = pooledHere(runId);
        StepWork.drop(runId);
        Replicas.drop(runId);
        return n;
    }

    /** What {@link #release} did: model instances dropped, executors reached, executors it could not reach. */
    record Released(int models, int executors, List<String> missed) {
    }

    /**
     * Drops the run's pools on every executor that recorded one (and in the driver's JVM, where local mode keeps
     * them). Best effort: an executor that stays busy or unreachable for {@link #ROUNDS} rounds is reported in
     * {@link Released#missed()}.
     */
    static Released release(SparkContext sc, Key key) {
        int models = dropHere(key.runId());
        Set<String> todo = new HashSet<>(key.holders().value());
        int reached = 0;
        String driverId = SparkEnv.get().executorId();
        todo.removeIf(h -> h.split(" ")[0].equals(driverId)); // the driver's JVM: done above
        for (int round = 0; round < ROUNDS && !todo.isEmpty(); round++) {
            todo.retainAll(alive(sc, todo));
            if (todo.isEmpty()) {
                break;
            }
            List<Tuple2<String, scala.collection.immutable.Seq<String>>> parts = new ArrayList<>();
            for (String h : todo) {
                String[] f = h.split(" ");
                parts.add(new Tuple2<>(h, scala.jdk.javaapi.CollectionConverters
                        .asScala(List.of("executor_" + f[1] + "_" + f[0])).toList()));
            }
            scala.reflect.ClassTag<String> tag = scala.reflect.ClassTag$.MODULE$.apply(String.class);
            String runId = key.runId();
            List<String> done = new JavaRDD<>(sc.makeRDD(scala.jdk.javaapi.CollectionConverters.asScala(parts).toList(),
                    tag), tag).map(h -> {
                        BlockManagerId bm = SparkEnv.get().blockManager().blockManagerId();
                        return bm.executorId() + " " + bm.host() + " " + bm.port() + " " + dropHere(runId);
                    }).collect();
            for (String d : done) {
                int cut = d.lastIndexOf(' ');
                if (todo.remove(d.substring(0, cut))) {
                    reached++;
                }
                models += Integer.parseInt(d.substring(cut + 1));
            }
        }
        return new Released(models, reached, List.copyOf(todo));
    }

    /** The holders whose block manager the status tracker still lists. */
    private static Set<String> alive(SparkContext sc, Set<String> holders) {
        Set<String> live = new HashSet<>();
        for (SparkExecutorInfo e : sc.statusTracker().getExecutorInfos()) {
            live.add(e.host() + " " + e.port());
        }
        Set<String> out = new HashSet<>();
        for (String h : holders) {
            String[] f = h.split(" ");
            if (live.contains(f[1] + " " + f[2])) {
                out.add(h);
            }
        }
        return out;
    }
}

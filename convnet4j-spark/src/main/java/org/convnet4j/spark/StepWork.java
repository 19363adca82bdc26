package org.convnet4j.spark;

import com.google.gson.Gson;
import java.io.Serializable;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.apache.spark.TaskContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.util.TaskCompletionListener;
import org.convnet4j.nn.GradMode;
import org.convnet4j.nn.Model;
import org.convnet4j.nn.ModelSpec;
import org.convnet4j.nn.Parameter;
import org.convnet4j.spark.ExecutorPictures.Shard;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.train.Metrics;
import org.convnet4j.train.loss.Loss;

/**
 * What the executors compute for {@link SparkTrainer}, and what travels between them and the driver: one exchange's
 * work on a shard ({@link Step}: gradients of the global batch's samples the shard holds, or K local SGD steps), its
 * result ({@link Result}, summed over the partitions), validation on a shard ({@link Evaluation}), and the pool of
 * model instances each executor keeps per run.
 */
final class StepWork {
    private StepWork() {
    }

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
    record Evaluation(RunPools.Key run, Broadcast<String> architecture, Broadcast<Map<String, float[]>> weights,
                      int batchSize, String lossClass, List<String> classNames) implements Serializable {
        Metrics compute(Shard shard) {
            Loss loss = lossClass == null ? null : newLoss(lossClass);
            Model model = models(run, architecture);
            Map<String, Parameter> params = model.namedParameters();
            weights.value().forEach((k, w) -> System.arraycopy(w, 0, params.get(k).value().data(), 0, w.length));
            model.weightsChanged(); // written through the arrays: packed inference weights are stale
            Metrics m = new Metrics(classNames);
            int per = shard.sampleShape().size();
            for (int from = 0; from < shard.count(); from += batchSize) {
                int n = Math.min(batchSize, shard.count() - from);
                Tensor x = Tensor.zeros(shard.sampleShape().prepend(n));
                for (int j = 0; j < n; j++) {
                    shard.copy(from + j, x.data(), j * per);
                }
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
    record Step(RunPools.Key run, Broadcast<String> architecture, Broadcast<Map<String, float[]>> weights, List<String> trainable,
                List<String> buffers, int[][] batches, double localRate, String lossClass, List<String> classNames)
            implements Serializable {

        /** This step with the weights of the driver's model (tree exchange). */
        Step withWeights(Broadcast<Map<String, float[]>> w) {
            return new Step(run, architecture, w, trainable, buffers, batches, localRate, lossClass, classNames);
        }

        /** On a pooled model of the run with the broadcast weights. */
        Result compute(Shard shard) {
            Model model = models(run, architecture);
            Map<String, Parameter> params = model.namedParameters();
            weights.value().forEach((k, w) -> System.arraycopy(w, 0, params.get(k).value().data(), 0, w.length));
            model.weightsChanged(); // written through the arrays: packed inference weights are stale
            return computeOn(shard, model);
        }

        /** On {@code model} as it is (ring mode: a replica that holds the current weights itself). */
        Result computeOn(Shard shard, Model model) {
            Loss loss = newLoss(lossClass);
            Metrics metrics = new Metrics(classNames);
            Map<String, Parameter> params = model.namedParameters();
            double lossSum = 0;
            long samples = 0;
            double[] gradSum = localRate == 0 ? new double[size(params, trainable)] : null;
            for (int[] batch : batches) {
                int[] mine = java.util.Arrays.stream(batch).map(shard::position).filter(j -> j >= 0).toArray();
                if (mine.length == 0) {
                    continue;
                }
                int per = shard.sampleShape().size();
                Tensor x = Tensor.zeros(shard.sampleShape().prepend(mine.length));
                int[] y = new int[mine.length];
                for (int j = 0; j < mine.length; j++) {
                    shard.copy(mine[j], x.data(), j * per);
                    y[j] = shard.labels()[mine[j]];
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
                            p.changed();
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

        static int totalSamples(int[][] batches) {
            int n = 0;
            for (int[] b : batches) {
                n += b.length;
            }
            return n;
        }

        static int size(Map<String, Parameter> params, List<String> names) {
            int n = 0;
            for (String name : names) {
                n += params.get(name).value().size();
            }
            return n;
        }
    }

    private static final Map<String, ConcurrentLinkedQueue<Model>> IDLE = new ConcurrentHashMap<>();

    /**
     * A model instance of the run for this task: built once per task slot per executor, reused across steps; the
     * executor is recorded as a holder of the run's pool ({@link RunPools}: released when the run ends).
     */
    private static Model models(RunPools.Key run, Broadcast<String> architecture) {
        run.noteHolder();
        ConcurrentLinkedQueue<Model> idle = IDLE.computeIfAbsent(run.runId(), k -> new ConcurrentLinkedQueue<>());
        Model m = idle.poll();
        if (m == null) {
            m = buildModel(architecture);
        }
        Model borrowed = m;
        TaskContext t = TaskContext.get();
        if (t != null) {
            t.addTaskCompletionListener((TaskCompletionListener) ctx -> idle.offer(borrowed));
        }
        return m;
    }

    /** Drops this JVM's pooled models of a run ({@link RunPools#release} calls it on every executor that holds some). */
    static void drop(String runId) {
        IDLE.remove(runId);
    }

    /** Models of the run pooled in this JVM (idle ones; none are borrowed between tasks). */
    static int pooled(String runId) {
        ConcurrentLinkedQueue<Model> q = IDLE.get(runId);
        return q == null ? 0 : q.size();
    }

    /** Models of any run pooled in this JVM. */
    static int pooled() {
        return IDLE.values().stream().mapToInt(ConcurrentLinkedQueue::size).sum();
    }

    /** A new instance of the run's network (weights to be loaded), with the engine's threads sized to the task. */
    static Model buildModel(Broadcast<String> architecture) {
        EngineThreads.configure();
        @SuppressWarnings("unchecked")
        Map<String, Object> spec = new Gson().fromJson(architecture.value(), Map.class);
        return ModelSpec.fromMap(spec);
    }

    /** Losses are not serialisable; they travel as the class name and are made again (they hold no state). */
    static String lossClass(Loss loss) {
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
}

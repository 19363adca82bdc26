package org.convnet4j.spark;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.convnet4j.nn.Model;
import org.convnet4j.nn.Parameter;
import org.convnet4j.spark.ExecutorPictures.Shard;
import org.convnet4j.spark.StepWork.Result;
import org.convnet4j.spark.StepWork.Step;
import org.convnet4j.train.TrainConfig;
import org.convnet4j.train.optim.Optimizer;

/**
 * The tree exchange ({@link SparkTrainer.Exchange#TREE}) on the driver: each exchange broadcasts the driver's weights,
 * every partition computes its share ({@link Step}), {@code treeReduce} sums the results towards the driver, and the
 * driver takes the optimiser step (or, with local steps, averages the partitions' weights) on its own model.
 */
final class TreeSteps {
    private TreeSteps() {
    }

    /** One exchange of {@code step} (its weights are the driver model's now); the driver's model is updated. */
    static Result step(JavaSparkContext jsc, JavaRDD<Shard> shards, Step step, double rate, Model model,
                       TrainConfig cfg) {
        // the weights travel once per executor per exchange (a broadcast), not once per task
        Broadcast<Map<String, float[]>> w = jsc.broadcast(weights(model));
        Result res;
        try {
            Step s = step.withWeights(w);
            res = shards.map(s::compute).treeReduce(Result::plus, 2);
        } finally {
            w.destroy();
        }
        if (res.samples() > 0 && Double.isFinite(res.lossSum())) {
            if (step.localRate() == 0) {
                applyGradients(model, cfg, step.trainable(), step.buffers(), res, rate);
            } else {
                applyAverage(model.namedParameters(), step.trainable(), step.buffers(), res);
            }
        }
        return res;
    }

    /** float32 values of the model's state (parameters and buffers): what a weights broadcast carries. */
    static long values(Model model) {
        long n = 0;
        for (var t : model.stateDict().values()) {
            n += t.size();
        }
        return n;
    }

    static Map<String, float[]> weights(Model model) {
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
            System.arraycopy(r.values(), at, g, 0, g.length);
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
                w[i] = (float) (r.values()[at + i] / r.weight());
            }
            params.get(name).changed();
            at += w.length;
        }
        copyBuffers(params, buffers, r, at);
    }

    private static void copyBuffers(Map<String, Parameter> params, List<String> buffers, Result r, int at) {
        for (String name : buffers) {
            float[] v = params.get(name).value().data();
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) (r.values()[at + i] / r.weight());
            }
            params.get(name).changed();
            at += v.length;
        }
    }
}

package org.convnet4j.cli.transfer;

import java.io.IOException;
import java.util.List;
import org.convnet4j.data.Dataset;
import org.convnet4j.nn.Sequential;
import org.convnet4j.train.ConfusionMatrix;
import org.convnet4j.train.TrainConfig;
import org.convnet4j.train.Trainer;
import org.convnet4j.train.TrainingListener;
import org.convnet4j.train.optim.Sgd;
import org.convnet4j.transfer.Bottleneck;
import org.convnet4j.transfer.FeatureCache;
import org.convnet4j.transfer.FeatureExtractor;
import org.convnet4j.transfer.Transfer;
import org.convnet4j.transfer.TransferCase;
import org.convnet4j.transfer.TransferOptions;
import org.convnet4j.transfer.TransferPlan;
import org.convnet4j.transfer.TransferTraining;

/** One transfer case carried out on target data and evaluated: shared by {@code transfer}, {@code advise --try} and the experiment. */
public final class TransferRun {
    /** What a run gives: the model to save, its held-out accuracy, training seconds and the plan. */
    public record Outcome(Sequential model, double accuracy, double seconds, TransferPlan plan, int cachedLayers) {
    }

    private TransferRun() {
    }

    public static Outcome run(Sequential base, TransferCase c, TransferOptions o, String classifier, TargetData data,
                              int epochs, int batch, FeatureCache cache, List<TrainingListener> listeners,
                              FeatureExtractor.Progress progress) throws IOException {
        TransferPlan plan = Transfer.plan(c, base, o);
        return run(plan, classifier, data, epochs, batch, cache, listeners, progress);
    }

    public static Outcome run(TransferPlan plan, String classifier, TargetData data, int epochs, int batch,
                              FeatureCache cache, List<TrainingListener> listeners, FeatureExtractor.Progress progress)
            throws IOException {
        long start = System.nanoTime();
        Sequential model;
        int cached = 0;
        switch (plan.transferCase()) {
            case PREDICT -> model = plan.model();
            case BOTTLENECK -> model = Bottleneck.fit(plan, data.train(), classifier, 1, cache, 256, progress);
            default -> {
                // the optimiser is replaced by the plan's groups; Sgd here only carries the config's shape
                TrainConfig cfg = TrainConfig.builder(new Sgd(List.of(), plan.learningRate())).epochs(epochs)
                        .batchSize(batch).seed(1).build();
                cached = TransferTraining.fit(plan, data.train(), null, cfg, true, listeners, progress).cachedLayers();
                model = plan.model();
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        double acc = plan.transferCase() == TransferCase.PREDICT ? accuracyByName(model, data.test())
                : Trainer.evaluate(model, data.test(), 256).accuracy();
        return new Outcome(model, acc, seconds, plan, cached);
    }

    /**
     * Case 0: the base answers with its own classes, so an answer is right when the predicted class has the same
     * name as the true one (0 when the base knows none of the target's classes).
     */
    static double accuracyByName(Sequential model, Dataset test) {
        List<String> own = model.classNames().isEmpty() ? ConfusionMatrix.numberedClasses(model.outputShape().dim(0))
                : model.classNames();
        int right = 0;
        int n = test.size();
        int size = test.sampleShape().size();
        for (int start = 0; start < n; start += 256) {
            int m = Math.min(256, n - start);
            org.convnet4j.tensor.Tensor x = org.convnet4j.tensor.Tensor.zeros(test.sampleShape().prepend(m));
            for (int i = 0; i < m; i++) {
                test.copySample(start + i, x.data(), i * size);
            }
            org.convnet4j.tensor.Tensor out = model.predict(x);
            int k = out.dim(1);
            for (int i = 0; i < m; i++) {
                int best = 0;
                for (int j = 1; j < k; j++) {
                    best = out.data()[i * k + j] > out.data()[i * k + best] ? j : best;
                }
                if (own.get(best).equals(test.classNames().get(test.label(start + i)))) {
                    right++;
                }
            }
        }
        return right / (double) n;
    }

}

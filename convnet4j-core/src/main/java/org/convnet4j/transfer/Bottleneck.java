package org.convnet4j.transfer;

import java.io.IOException;
import org.convnet4j.data.Dataset;
import org.convnet4j.nn.Sequential;
import org.convnet4j.tensor.RowOps;

/**
 * Case 1 carried out: features of the frozen network (from a {@link FeatureCache} when one is given), a shallow
 * classifier fitted on them, and the two joined into one model (the network up to the cut, then a
 * {@link ShallowClassifierLayer}) that saves and predicts like any other.
 */
public final class Bottleneck {
    private Bottleneck() {
    }

    /**
     * Fits {@code algorithm} on the features of {@code train} and returns the complete model, frozen, with the
     * training data's class names. {@code cache} may be null (features are then extracted in memory).
     */
    public static Sequential fit(TransferPlan plan, Dataset train, String algorithm, long seed, FeatureCache cache,
                                 int batchSize, FeatureExtractor.Progress progress) throws IOException {
        Sequential network = plan.model();
        Features f = features(plan, train, algorithm, cache, batchSize, progress);
        ShallowClassifier classifier = ShallowClassifiers.create(algorithm, seed);
        classifier.fit(rows(f), f.labels(), train.numClasses());
        return join(network, classifier, train.numClasses(), train.classNames());
    }

    /**
     * Case 1 carried out as {@link #fit} does, with how the fitted classifier does on its own training pictures: the
     * mean cross-entropy of its probabilities (each floored at 1e-12, as {@link ShallowClassifierLayer} outputs their
     * logarithm) and its accuracy, measured on the features the fit used (no second pass through the network).
     */
    public static Fitted fitScored(TransferPlan plan, Dataset train, String algorithm, long seed, FeatureCache cache,
                                   int batchSize, FeatureExtractor.Progress progress) throws IOException {
        Sequential network = plan.model();
        Features f = features(plan, train, algorithm, cache, batchSize, progress);
        ShallowClassifier classifier = ShallowClassifiers.create(algorithm, seed);
        float[][] x = rows(f);
        long t = System.nanoTime();
        classifier.fit(x, f.labels(), train.numClasses());
        double seconds = (System.nanoTime() - t) / 1e9;
        double[][] p = classifier.predictProba(x);
        double loss = 0;
        int right = 0;
        for (int i = 0; i < p.length; i++) {
            int y = f.labels()[i];
            loss -= Math.log(Math.max(p[i][y], 1e-12));
            right += RowOps.argmax(p[i]) == y ? 1 : 0;
        }
        return new Fitted(join(network, classifier, train.numClasses(), train.classNames()), loss / p.length,
                right / (double) p.length, f.size(), f.dim(), seconds);
    }

    /**
     * A Case 1 model and how its classifier did on the training pictures it was fitted on.
     *
     * @param trainLoss     mean cross-entropy of the classifier's probabilities on its training pictures
     * @param trainAccuracy its accuracy on them
     * @param pictures      training pictures
     * @param features      features per picture
     * @param fitSeconds    the classifier's fit alone (not the features)
     */
    public record Fitted(Sequential model, double trainLoss, double trainAccuracy, int pictures, int features,
                         double fitSeconds) {
    }

    /** The features Case 1 fits on, once the plan and the classifier's name are checked (both before any feature). */
    private static Features features(TransferPlan plan, Dataset train, String algorithm, FeatureCache cache,
                                     int batchSize, FeatureExtractor.Progress progress) throws IOException {
        if (plan.transferCase() != TransferCase.BOTTLENECK) {
            throw new IllegalArgumentException("Bottleneck.fit: needs a Case 1 plan, got " + plan.transferCase());
        }
        try { // before the features, which may take minutes
            ShallowClassifiers.requireKnown(algorithm);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Case 1's classifier " + e.getMessage(), e);
        }
        return cache == null ? FeatureExtractor.extract(plan.model(), train, batchSize, progress)
                : cache.features(plan.model(), train, batchSize, progress);
    }

    /** The network followed by the trained classifier, everything frozen. */
    public static Sequential join(Sequential network, ShallowClassifier trained, int classes,
                                  java.util.List<String> classNames) {
        Sequential model = new Sequential(network.inputShapes().get(0));
        if (network.name() != null) {
            model.named(network.name());
        }
        network.layers().forEach(model::add);
        model.add(ShallowClassifierLayer.of(trained, network.outputShape().size(), classes).named("classifier"));
        model.setTrainable(false);
        model.setClassNames(classNames);
        return model;
    }

    /** Feature rows as arrays, as the classifier interface takes them. */
    public static float[][] rows(Features f) {
        float[][] x = new float[f.size()][];
        for (int i = 0; i < x.length; i++) {
            x[i] = f.row(i);
        }
        return x;
    }
}

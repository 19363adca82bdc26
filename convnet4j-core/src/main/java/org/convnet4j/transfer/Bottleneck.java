package org.convnet4j.transfer;

import java.io.IOException;
import org.convnet4j.data.Dataset;
import org.convnet4j.nn.Sequential;

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
        if (plan.transferCase() != TransferCase.BOTTLENECK) {
            throw new IllegalArgumentException("Bottleneck.fit: needs a Case 1 plan, got " + plan.transferCase());
        }
        try { // before the features, which may take minutes
            ShallowClassifiers.requireKnown(algorithm);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Case 1's classifier " + e.getMessage(), e);
        }
        Sequential network = plan.model();
        Features f = cache == null ? FeatureExtractor.extract(network, train, batchSize, progress)
                : cache.features(network, train, batchSize, progress);
        ShallowClassifier classifier = ShallowClassifiers.create(algorithm, seed);
        classifier.fit(rows(f), f.labels(), train.numClasses());
        return join(network, classifier, train.numClasses(), train.classNames());
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

package org.convnet4j.ml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.convnet4j.data.Dataset;
import org.convnet4j.data.Datasets;
import org.convnet4j.data.FashionMnist;
import org.convnet4j.nn.GradMode;
import org.convnet4j.nn.Parameter;
import org.convnet4j.nn.Sequential;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.transfer.Bottleneck;
import org.convnet4j.transfer.FeatureExtractor;
import org.convnet4j.transfer.Features;
import org.convnet4j.transfer.FineTuneSettings;
import org.convnet4j.transfer.FineTuning;
import org.convnet4j.transfer.ShallowClassifier;
import org.convnet4j.transfer.ShallowClassifiers;
import org.convnet4j.transfer.Transfer;
import org.convnet4j.transfer.TransferCase;
import org.convnet4j.transfer.TransferOptions;
import org.convnet4j.transfer.TransferPlan;
import org.convnet4j.transfer.TransferRun;
import org.convnet4j.zoo.LeNet5;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Cases 2 and 3 start from Case 1's own classifier (FineTuneSettings.HeadFit.CASE_1): liblinear's one-vs-rest
 * logistic regression turned into the network's Dense head must predict what Case 1 predicts on the same pictures.
 * Real Fashion-MNIST pictures, LeNet-5 with random weights (the features need not be good, only the same).
 */
class CaseOneHeadTest {
    private static Dataset train;
    private static Dataset test;
    private static Sequential base;

    @BeforeAll
    static void data() throws Exception {
        Dataset all = FashionMnist.test();
        train = Datasets.subset(all, 300);
        test = Datasets.view(all, IntStream.range(6000, 6400).toArray());
        base = LeNet5.build();
        base.initialize(3);
    }

    @Test
    void linearScoresPredictWhatTheClassifierPredicts() {
        TransferPlan plan = Transfer.plan(TransferCase.BOTTLENECK, Transfer.copyOf(base),
                TransferOptions.forClasses(FashionMnist.CLASS_NAMES));
        Features tr = FeatureExtractor.extract(plan.model(), train, 100, FeatureExtractor.Progress.NONE);
        Features te = FeatureExtractor.extract(plan.model(), test, 100, FeatureExtractor.Progress.NONE);
        for (String algorithm : List.of("logreg", "svm")) {
            ShallowClassifier c = ShallowClassifiers.create(algorithm, 1);
            c.fit(Bottleneck.rows(tr), tr.labels(), 10);
            ShallowClassifier.LinearScores s = c.linearScores().orElseThrow();
            assertEquals(10, s.classes());
            assertEquals(te.dim(), s.features());
            double[][] p = c.predictProba(Bottleneck.rows(te));
            int ties = 0;
            for (int i = 0; i < te.size(); i++) {
                ties += agree(p[i], scores(s, te.row(i)), algorithm + " picture " + i) ? 0 : 1;
            }
            assertTrue(ties < te.size() / 20, algorithm + ": " + ties + " saturated ties");
        }
        // k-NN is not linear
        ShallowClassifier knn = ShallowClassifiers.create("knn", 1);
        knn.fit(Bottleneck.rows(tr), tr.labels(), 10);
        assertTrue(knn.linearScores().isEmpty());
    }

    @Test
    void withTwoClassesTheSoftmaxOfTheScoresIsLiblinearsProbability() {
        TransferPlan plan = Transfer.plan(TransferCase.BOTTLENECK, Transfer.copyOf(base),
                TransferOptions.forClasses(List.of("a", "b")));
        Features f = FeatureExtractor.extract(plan.model(), train, 100, FeatureExtractor.Progress.NONE);
        List<float[]> rows = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        for (int i = 0; i < f.size(); i++) {
            int y = f.labels()[i];
            if (y == 0 || y == 9) { // T-shirt/top against ankle boot
                rows.add(f.row(i));
                labels.add(y == 0 ? 1 : 0); // class 1 first in the data: liblinear's weight vector is for its first label
            }
        }
        float[][] x = rows.toArray(new float[0][]);
        int[] y = labels.stream().mapToInt(Integer::intValue).toArray();
        ShallowClassifier c = ShallowClassifiers.create("logreg", 1);
        c.fit(x, y, 2);
        ShallowClassifier.LinearScores s = c.linearScores().orElseThrow();
        double[][] p = c.predictProba(x);
        for (int i = 0; i < x.length; i++) {
            double[] z = scores(s, x[i]);
            double p1 = 1 / (1 + Math.exp(z[0] - z[1]));
            assertEquals(p[i][1], p1, 1e-4, "picture " + i);
        }
    }

    @Test
    void theCase1HeadOfCase2PredictsWhatCase1PredictsOnTheSamePictures() throws Exception {
        TransferOptions options = TransferOptions.forClasses(FashionMnist.CLASS_NAMES).withSeed(5);
        Sequential case1 = Bottleneck.fit(Transfer.plan(TransferCase.BOTTLENECK, Transfer.copyOf(base), options), train,
                "logreg", TransferRun.CASE_1_SEED, null, 256, FeatureExtractor.Progress.NONE);
        TransferPlan plan = Transfer.plan(TransferCase.FINE_TUNE_LAST, Transfer.copyOf(base), options);
        List<Boolean> frozen = plan.model().namedParameters().values().stream().map(Parameter::isFrozen).toList();
        List<String> log = new ArrayList<>();
        FineTuning.fitHead(plan, train, FineTuneSettings.HeadFit.CASE_1, log::add);
        assertTrue(String.join("\n", log).contains("one-vs-rest"), String.join("\n", log));
        assertEquals(frozen, plan.model().namedParameters().values().stream().map(Parameter::isFrozen).toList(),
                "the plan's freeze state is kept");
        double[][] expectedScores = outputs(case1, test);
        double[][] got = outputs(plan.model(), test);
        int ties = 0;
        for (int i = 0; i < got.length; i++) {
            ties += agree(expectedScores[i], got[i], "picture " + i) ? 0 : 1;
        }
        assertTrue(ties < got.length / 20, ties + " saturated ties");
        int[] expected = new int[got.length];
        for (int i = 0; i < got.length; i++) {
            expected[i] = argmax(expectedScores[i]);
        }
        // the multinomial head is the same model family, not the same model: it is allowed to differ, and is
        // reported so a reader sees what the conversion buys
        TransferPlan multinomial = Transfer.plan(TransferCase.FINE_TUNE_LAST, Transfer.copyOf(base), options);
        FineTuning.fitHead(multinomial, train, FineTuneSettings.HeadFit.LOGISTIC_REGRESSION, null);
        double[][] otherScores = outputs(multinomial.model(), test);
        int[] other = new int[otherScores.length];
        for (int i = 0; i < other.length; i++) {
            other[i] = argmax(otherScores[i]);
        }
        long differ = IntStream.range(0, other.length).filter(i -> other[i] != expected[i]).count();
        System.out.println("multinomial head differs from Case 1 on " + differ + " of " + other.length + " pictures");
    }

    /**
     * Whether the head's scores pick the classifier's answer. Where liblinear's one-vs-rest probabilities tie at the
     * top (each class's sigmoid saturated at 1.0 in double precision, pictures far outside the training features),
     * Tribuo answers the first tied class and the head the one with the largest decision value: then the head's
     * answer must be one of the tied classes, and false is returned (a tie, counted by the caller).
     */
    private static boolean agree(double[] probabilities, double[] scores, String what) {
        int head = argmax(scores);
        double top = probabilities[argmax(probabilities)];
        long tied = java.util.Arrays.stream(probabilities).filter(v -> v == top).count();
        if (tied == 1) {
            assertEquals(argmax(probabilities), head, what);
            return true;
        }
        assertEquals(top, probabilities[head], what + ": the head's answer is not among the tied classes");
        return false;
    }

    private static double[] scores(ShallowClassifier.LinearScores s, float[] x) {
        double[] z = new double[s.classes()];
        for (int k = 0; k < s.classes(); k++) {
            float v = s.bias()[k];
            for (int j = 0; j < s.features(); j++) {
                v += s.kernel()[k * s.features() + j] * x[j]; // float, as the Dense layer computes it
            }
            z[k] = v;
        }
        return z;
    }

    private static int argmax(double[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            best = v[i] > v[best] ? i : best;
        }
        return best;
    }

    private static double[][] outputs(Sequential model, Dataset data) {
        int n = data.size();
        int size = data.sampleShape().size();
        Tensor x = Tensor.zeros(data.sampleShape().prepend(n));
        for (int i = 0; i < n; i++) {
            data.copySample(i, x.data(), i * size);
        }
        Tensor y = GradMode.withoutGradients(() -> model.forward(x, false));
        int k = y.dim(1);
        double[][] out = new double[n][k];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < k; j++) {
                out[i][j] = y.data()[i * k + j];
            }
        }
        return out;
    }
}

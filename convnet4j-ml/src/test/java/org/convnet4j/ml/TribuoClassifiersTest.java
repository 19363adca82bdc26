package org.convnet4j.ml;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.convnet4j.data.Dataset;
import org.convnet4j.data.Datasets;
import org.convnet4j.data.FashionMnist;
import org.convnet4j.model.ImageClassifier;
import org.convnet4j.model.ModelFiles;
import org.convnet4j.model.Prediction;
import org.convnet4j.nn.Model;
import org.convnet4j.nn.Sequential;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.train.Trainer;
import org.convnet4j.transfer.Bottleneck;
import org.convnet4j.transfer.FeatureExtractor;
import org.convnet4j.transfer.Features;
import org.convnet4j.transfer.ShallowClassifier;
import org.convnet4j.transfer.ShallowClassifiers;
import org.convnet4j.transfer.Transfer;
import org.convnet4j.transfer.TransferCase;
import org.convnet4j.transfer.TransferOptions;
import org.convnet4j.transfer.TransferPlan;
import org.convnet4j.zoo.LeNet5;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Case 1's classifiers on real Fashion-MNIST bottleneck features (LeNet-5, random weights, cut at flatten). */
class TribuoClassifiersTest {
    private static Dataset train;
    private static Dataset test;
    private static Features trainFeatures;
    private static Features testFeatures;
    private static TransferPlan plan;

    @BeforeAll
    static void features() throws Exception {
        Dataset all = FashionMnist.test();
        train = Datasets.subset(all, 400);
        test = Datasets.view(all, java.util.stream.IntStream.range(5000, 5200).toArray());
        Sequential lenet = LeNet5.build();
        lenet.initialize(1);
        plan = Transfer.plan(TransferCase.BOTTLENECK, lenet, TransferOptions.forClasses(FashionMnist.CLASS_NAMES));
        trainFeatures = FeatureExtractor.extract(plan.model(), train, 200, FeatureExtractor.Progress.NONE);
        testFeatures = FeatureExtractor.extract(plan.model(), test, 200, FeatureExtractor.Progress.NONE);
    }

    @ParameterizedTest
    @ValueSource(strings = {"logreg", "svm", "rbf-svm", "knn", "forest"})
    void eachClassifierBeatsChanceAndSurvivesItsBytes(String algorithm) {
        ShallowClassifier c = ShallowClassifiers.create(algorithm, 1);
        // Tribuo's CART re-sorts all 400 features at every node: the forest gets half the rows to stay quick
        int rows = algorithm.equals("forest") ? 200 : trainFeatures.size();
        c.fit(java.util.Arrays.copyOf(Bottleneck.rows(trainFeatures), rows),
                java.util.Arrays.copyOf(trainFeatures.labels(), rows), 10);
        double[][] p = c.predictProba(Bottleneck.rows(testFeatures));
        int right = 0;
        for (int i = 0; i < p.length; i++) {
            double sum = 0;
            int best = 0;
            for (int k = 0; k < 10; k++) {
                sum += p[i][k];
                best = p[i][k] > p[i][best] ? k : best;
            }
            assertEquals(1.0, sum, 1e-6, algorithm + " row " + i);
            right += best == testFeatures.labels()[i] ? 1 : 0;
        }
        double acc = right / (double) p.length;
        assertTrue(acc > 0.4, algorithm + " accuracy " + acc + " (chance 0.1)");
        ShallowClassifier back = ShallowClassifiers.load(algorithm, c.toBytes());
        double[][] q = back.predictProba(Bottleneck.rows(testFeatures));
        for (int i = 0; i < p.length; i++) {
            assertArrayEquals(p[i], q[i], 1e-9, algorithm + " row " + i + " after reload");
        }
    }

    @Test
    void aCase1ModelFileIsAnOrdinaryModelForPredict(@TempDir Path dir) throws Exception {
        Sequential model = Bottleneck.fit(plan, train, "logreg", 1, null, 200, FeatureExtractor.Progress.NONE);
        Path f = dir.resolve("case1.c4j");
        ModelFiles.save(model, f);
        ImageClassifier classifier = ImageClassifier.load(f);
        Tensor picture = test.sample(0).copy();
        for (int i = 0; i < picture.size(); i++) {
            picture.data()[i] *= 255f; // pictures come as 0..255, Fashion-MNIST samples as 0..1
        }
        List<Prediction> top = classifier.predict(picture, 10);
        double[] p = ShallowClassifiers.load("logreg", ((org.convnet4j.transfer.ShallowClassifierLayer)
                model.layers().get(model.layers().size() - 1)).classifier().toBytes())
                .predictProba(new float[][] {testFeatures.row(0)})[0];
        assertEquals(p[top.get(0).label()], top.get(0).probability(), 1e-5);
        Model back = ModelFiles.load(f);
        assertEquals(Trainer.evaluate(model, test, 100).accuracy(), Trainer.evaluate(back, test, 100).accuracy());
        assertTrue(Trainer.evaluate(back, test, 100).accuracy() > 0.4);
    }

    @Test
    void damagedBytesAreRefusedWithAMessage() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ShallowClassifiers.load("knn", new byte[40]));
        assertTrue(e.getMessage().contains("knn"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ShallowClassifiers.create("xgboost", 1));
    }
}

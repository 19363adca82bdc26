package org.convnet4j.fusion;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.convnet4j.data.FashionMnist;
import org.convnet4j.model.ModelFiles;
import org.convnet4j.nn.Graph;
import org.convnet4j.nn.Model;
import org.convnet4j.nn.layers.DecisionFusion;
import org.convnet4j.train.Metrics;
import org.convnet4j.train.TrainConfig;
import org.convnet4j.train.Trainer;
import org.convnet4j.train.optim.Adam;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each fusion mode trained end to end on a small real subset (Fashion-MNIST pixels + Sobel edges) must beat
 * chance (10%) clearly on held-out test images, and survive a save/load unchanged.
 */
class FusionTrainingTest {
    private static MultiInputDataset train;
    private static MultiInputDataset test;

    @BeforeAll
    static void load() throws IOException {
        Assumptions.assumeTrue(Files.isDirectory(Path.of(FashionMnist.DEBIAN_DIR)),
                "Fashion-MNIST not installed at " + FashionMnist.DEBIAN_DIR);
        train = FashionMnistSobel.load(FusionSources.Part.TRAIN, 800);
        test = FashionMnistSobel.load(FusionSources.Part.TEST, 200);
    }

    private static double fitAndTest(Model model, MultiInputDataset data) {
        TrainConfig cfg = TrainConfig.builder(new Adam(model, 3e-3)).epochs(1).batchSize(32).seed(1).build();
        Trainer.fit(model, data, null, cfg);
        return Trainer.evaluate(model, test, 100).accuracy();
    }

    @Test
    void earlyFusionLearns(@TempDir Path dir) throws IOException {
        Graph g = EarlyFusion.build(train.shapesByName(), s -> FusionNets.smallCnn(s, 10));
        assertEquals(3, g.node("concat").shape().dim(0));
        double acc = fitAndTest(g, train);
        assertTrue(acc > 0.4, "early fusion accuracy " + acc);
        Path f = dir.resolve("early.c4j");
        ModelFiles.save(g, f, null);
        Model again = ModelFiles.load(f);
        assertEquals(acc, Trainer.evaluate(again, test, 100).accuracy(), 1e-12);
    }

    @Test
    void intermediateFusionLearnsWithEveryJoin() {
        for (Join join : Join.values()) {
            Graph g = IntermediateFusion.builder(10)
                    .branch("pixels", FusionNets.smallCnn(train.shapesByName().get("pixels"), 10), "pool2")
                    .branch("edges", FusionNets.smallCnn(train.shapesByName().get("edges"), 10), "pool2")
                    .join(join).build();
            double acc = fitAndTest(g, train.limit(join == Join.CONCAT ? 800 : 400));
            assertTrue(acc > 0.3, join + " join accuracy " + acc);
        }
    }

    @Test
    void frozenPretrainedBranchKeepsItsWeightsWhileTheRestLearns() {
        Model pre = FusionNets.smallCnn(train.shapesByName().get("pixels"), 10);
        Model fresh = FusionNets.smallCnn(train.shapesByName().get("edges"), 10);
        float[] frozenBefore = pre.namedParameters().get("conv1.kernel").value().data().clone();
        float[] trainedBefore = fresh.namedParameters().get("conv1.kernel").value().data().clone();
        Graph g = IntermediateFusion.builder(10)
                .frozenBranch("pixels", pre, "pool2")
                .branch("edges", fresh, "pool2")
                .join(Join.WEIGHTED).build();
        fitAndTest(g, train.limit(100));
        assertArrayEquals(frozenBefore, g.namedParameters().get("pixels_branch.conv1.kernel").value().data());
        assertFalse(java.util.Arrays.equals(trainedBefore,
                g.namedParameters().get("edges_branch.conv1.kernel").value().data()));
    }

    @Test
    void lateFusionOfSeparatelyTrainedMembersLearns(@TempDir Path dir) throws IOException {
        MultiInputDataset.Split split = train.split(0.2, 5);
        Map<String, Model> members = new LinkedHashMap<>();
        for (String name : train.inputNames()) {
            Model m = FusionNets.smallCnn(train.shapesByName().get(name), 10).setClassNames(train.classNames());
            Trainer.fit(m, split.train().input(name), null,
                    TrainConfig.builder(new Adam(m, 3e-3)).epochs(1).batchSize(32).seed(1).build());
            members.put(name, m);
        }
        for (DecisionFusion.Mode mode : DecisionFusion.Mode.values()) {
            Graph g = LateFusion.fit(members, split.validation(), mode);
            Metrics metrics = Trainer.evaluate(g, test, 200);
            assertTrue(metrics.accuracy() > 0.4, mode + " accuracy " + metrics.accuracy());
            if (mode == DecisionFusion.Mode.STACK || mode == DecisionFusion.Mode.WEIGHTED) {
                Path f = dir.resolve(mode.id() + ".c4j");
                ModelFiles.save(g, f, null);
                assertEquals(metrics.accuracy(), Trainer.evaluate(ModelFiles.load(f), test, 100).accuracy(), 1e-12);
            }
        }
    }
}

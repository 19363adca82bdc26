package org.convnet4j.zoo;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.convnet4j.data.Dataset;
import org.convnet4j.data.Datasets;
import org.convnet4j.data.FashionMnist;
import org.convnet4j.nn.Model;
import org.convnet4j.nn.ModelSpec;
import org.convnet4j.nn.Sequential;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.train.Metrics;
import org.convnet4j.train.TrainConfig;
import org.convnet4j.train.Trainer;
import org.convnet4j.train.optim.Adam;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** The LeCun et al. 1998 layout of LeNet-5: the paper's layer sizes and parameter counts, and that it learns. */
class LeNet5LeCun1998Test {

    @Test
    void hasThePapersLayersAndExactly60000TrainableParameters() {
        Sequential m = (Sequential) ModelZoo.build("lenet5-lecun1998", ZooOptions.defaults());
        Map<String, Long> perLayer = new LinkedHashMap<>();
        m.summaryRows().forEach(r -> perLayer.put(r.name(), r.params()));
        // the counts of section II.B of the paper, each from its own arithmetic
        assertEquals(6L * (5 * 5 + 1), perLayer.get("c1"));               // 156
        assertEquals(6L * 2, perLayer.get("s2"));                          // 12: coefficient + bias per map
        assertEquals((6L * 3 + 6 * 4 + 3 * 4 + 6) * 25 + 16, perLayer.get("c3")); // 1,516 (Table I)
        assertEquals(16L * 2, perLayer.get("s4"));                         // 32
        assertEquals(120L * (16 * 25 + 1), perLayer.get("c5"));            // 48,120
        assertEquals(84L * (120 + 1), perLayer.get("f6"));                 // 10,164
        assertEquals(0L, perLayer.get("output"));                          // RBF codes are fixed: 840 buffer values
        // 156 + 12 + 1,516 + 32 + 48,120 + 10,164 = 60,000: the paper's "about 60,000" exactly
        assertEquals(156 + 12 + 1516 + 32 + 48120 + 10164, m.parameterCount());
        assertEquals(60_000L, m.parameterCount());
        assertEquals(60_000L, m.trainableParameterCount());

        assertEquals(Shape.of(1, 32, 32), m.outputShapeAt(m.indexOf("pad"))); // 28x28 framed by 2 as in the paper
        assertEquals(Shape.of(6, 28, 28), m.outputShapeAt(m.indexOf("c1")));
        assertEquals(Shape.of(6, 14, 14), m.outputShapeAt(m.indexOf("s2")));
        assertEquals(Shape.of(16, 10, 10), m.outputShapeAt(m.indexOf("c3")));
        assertEquals(Shape.of(16, 5, 5), m.outputShapeAt(m.indexOf("s4")));
        assertEquals(Shape.of(120), m.outputShapeAt(m.indexOf("c5"))); // 5x5 kernels over the 5x5 S4 maps: 1x1 maps
        assertEquals(Shape.of(84), m.outputShapeAt(m.indexOf("f6")));
        assertEquals(Shape.of(10), m.outputShape());
        assertEquals(6, m.summaryRows().stream().filter(r -> r.type().equals("ScaledTanh")).count());
        // MACs: c1 28*28*6*25, s2 6*14*14, c3 10*10*60*25, s4 16*5*5, c5 120*400, f6 120*84, rbf 84*10
        assertEquals(117_600L + 1_176 + 150_000 + 400 + 48_000 + 10_080 + 840, m.totalMacs());
    }

    @Test
    void layoutOptionAliasAndDenseOutput() {
        Model viaLayout = ModelZoo.build("lenet5", ZooOptions.builder().layout("lecun1998").build());
        Model viaAlias = ModelZoo.build("lenet5-lecun1998", ZooOptions.defaults());
        assertEquals(ModelSpec.toMap(viaAlias), ModelSpec.toMap(viaLayout));
        Model dense = ModelZoo.build("lenet5", ZooOptions.builder().layout("lecun1998-dense").classes(7).build());
        assertEquals(60_000L + 84 * 7 + 7, dense.parameterCount());
        assertEquals(Shape.of(7), dense.outputShape());
        // an input of the paper's own size is not padded
        Sequential paper = (Sequential) ModelZoo.build("lenet5-lecun1998", ZooOptions.builder().input(1, 32, 32).build());
        assertEquals(-1, paper.indexOf("pad"));
        assertEquals(60_000L, paper.parameterCount());
        // a larger input keeps C5 a convolution (the paper's reason for calling it one): 36 -> 32 -> 16 -> 12 -> 6 -> 2
        Sequential big = (Sequential) ModelZoo.build("lenet5-lecun1998", ZooOptions.builder().input(1, 36, 36).build());
        assertEquals(Shape.of(120, 2, 2), big.outputShapeAt(big.indexOf("c5")));
        assertEquals(60_000L - 10_164 + 84 * (120 * 4 + 1), big.parameterCount());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ModelZoo.build("lenet5", ZooOptions.builder().layout("lecun1989").build()));
        assertTrue(e.getMessage().contains("lecun1998"), e.getMessage());
        assertTrue(ModelZoo.names().contains("lenet5-lecun1998"));
    }

    @Test
    void savedSpecRebuildsTheSameNetwork() {
        Model m = ModelZoo.build("lenet5-lecun1998", ZooOptions.defaults());
        m.initialize(3);
        Model back = ModelSpec.fromMap(ModelSpec.toMap(m));
        m.namedParameters().forEach((k, p) -> back.namedParameters().get(k).load(p.value()));
        Tensor x = Tensor.randn(new java.util.Random(4), 1f, 2, 1, 28, 28);
        assertEquals(0f, m.predict(x).maxAbsDiff(back.predict(x)));
    }

    @Test
    void learnsFashionMnistInOneShortEpoch() throws IOException {
        Assumptions.assumeTrue(Files.isDirectory(Path.of(FashionMnist.DEBIAN_DIR)),
                "Fashion-MNIST not installed at " + FashionMnist.DEBIAN_DIR);
        Dataset train = Datasets.subset(FashionMnist.train(), 2000);
        Dataset test = Datasets.subset(FashionMnist.test(), 1000);
        Model model = ModelZoo.build("lenet5-lecun1998", ZooOptions.defaults());
        model.initialize(1);
        TrainConfig config = TrainConfig.builder(new Adam(model, 1e-3)).epochs(1).batchSize(32).seed(7).build();
        Trainer.fit(model, train, null, config);
        Metrics metrics = Trainer.evaluate(model, test, 250);
        assertTrue(metrics.accuracy() > 0.5, "test accuracy " + metrics.accuracy() + " (chance 0.1)\n" + metrics);
    }
}

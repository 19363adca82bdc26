package org.convnet4j.serve;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.convnet4j.data.ArrayDataset;
import org.convnet4j.nn.GradMode;
import org.convnet4j.nn.Graph;
import org.convnet4j.nn.Layer;
import org.convnet4j.nn.layers.Add;
import org.convnet4j.nn.layers.BatchNorm2d;
import org.convnet4j.nn.layers.Conv2d;
import org.convnet4j.nn.layers.Dense;
import org.convnet4j.nn.layers.Flatten;
import org.convnet4j.nn.layers.MaxPool2d;
import org.convnet4j.nn.layers.ReLU;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.train.TrainConfig;
import org.convnet4j.train.Trainer;
import org.convnet4j.train.optim.Adam;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.support.ui.WebDriverWait;

/** Feature maps of graph models (a residual block) on the dashboard, at the first convolution or a chosen node. */
class DashboardGraphMapsTest {

    /** x -> conv1 -> bn1 -> relu1 -> conv2 -> (+ relu1) -> pool -> flatten -> dense: a small residual network. */
    static Graph residual() {
        Graph g = Graph.builder("tiny-res").input("x", Shape.of(1, 28, 28))
                .add("conv1", new Conv2d(4, 3).padding(1), "x")
                .add("bn1", new BatchNorm2d(), "conv1")
                .add("relu1", new ReLU(), "bn1")
                .add("conv2", new Conv2d(4, 3).padding(1), "relu1")
                .add("sum", new Add(), "conv2", "relu1")
                .add("pool", new MaxPool2d(4), "sum")
                .add("flatten", new Flatten(), "pool")
                .add("predictions", new Dense(10), "flatten")
                .output("predictions")
                .build();
        g.initialize(11);
        return g;
    }

    private static ArrayDataset data(int n, long seed) {
        Random r = new Random(seed);
        float[] x = new float[n * 784];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = r.nextInt(10);
            for (int j = 0; j < 784; j++) {
                x[i * 784 + j] = (float) (0.1 * y[i] * (j % 28 < 14 ? 1 : 0) + 0.2 * r.nextFloat());
            }
        }
        return ArrayDataset.ofFloats(x, Shape.of(1, 28, 28), y, TestModels.CLASSES);
    }

    @Test
    void graphFeatureMapsAreTheNodesValues() {
        Graph g = residual();
        Tensor sample = Tensor.uniform(new Random(2), 0, 1, 1, 28, 28);
        assertEquals("conv1", DashboardListener.firstConvolution(g));
        assertEquals(List.of("conv1", "bn1", "relu1", "conv2", "sum", "pool"), DashboardListener.mapLayers(g));
        // the maps at conv1 are what the convolution layer itself computes from the sample
        Layer conv1 = g.node("conv1").layer();
        Tensor expected = GradMode.withoutGradients(() -> conv1.forward(sample.reshape(1, 1, 28, 28), false));
        Tensor maps = DashboardListener.featureMaps(g, sample, "conv1");
        assertArrayEquals(new int[] {4, 1, 28, 28}, maps.shape().dims());
        assertArrayEquals(expected.data(), maps.data());
        // and at the residual sum: conv2's output plus relu1's, each computed layer by layer
        Tensor relu1 = GradMode.withoutGradients(() -> g.node("relu1").layer().forward(
                g.node("bn1").layer().forward(expected, false), false));
        Tensor conv2 = GradMode.withoutGradients(() -> g.node("conv2").layer().forward(relu1, false));
        Tensor sum = DashboardListener.featureMaps(g, sample, "sum");
        for (int i = 0; i < sum.size(); i++) {
            assertEquals(conv2.data()[i] + relu1.data()[i], sum.data()[i], 1e-6f, "element " + i);
        }
        assertNull(DashboardListener.featureMaps(g, sample, "predictions"), "a [10] output has no maps");
    }

    @Test
    void aChosenNodesMapsAppearOnTheDashboard() throws Exception {
        Browser.shared(); // starts while the run trains
        Graph model = residual();
        ArrayDataset train = data(64, 1);
        ArrayDataset val = data(20, 2);
        RunLog log = RunLog.create(null, "tiny-res");
        TrainConfig config = TrainConfig.builder(new Adam(model, 0.003)).epochs(2).batchSize(16).seed(4).build();
        // no validation set for the listener: no confusion matrix at the end; one added afterwards is shown instead
        DashboardListener listener = new DashboardListener(log, null, val.sample(0), "sum");
        new Trainer(config).addListener(listener).fit(model, train, val);
        listener.confusion(Trainer.evaluate(model, val, 8).confusion(), val.size());
        try (DashboardServer server = DashboardServer.start("127.0.0.1", 0, null)) {
            server.addRun(log);
            WebDriver browser = Browser.sharedNow();
            browser.get(server.url() + "/");
            WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(60));
            wait.until(d -> !d.findElements(By.cssSelector("img.feature-maps")).isEmpty());
            String title = browser.findElement(By.cssSelector("img.feature-maps")).findElement(By.xpath(".."))
                    .getText();
            assertTrue(title.contains("layer sum [4, 1, 28, 28]"), title);
            wait.until(d -> !d.findElements(By.cssSelector("table.confusion")).isEmpty());
            Number total = (Number) ((org.openqa.selenium.JavascriptExecutor) browser).executeScript("return [...document"
                    + ".querySelectorAll('table.confusion td')].reduce((n, td) => n + Number(td.textContent), 0)");
            assertEquals(val.size(), total.intValue(), "every validation sample once");
            // the picture decodes: four 28x28 maps side by side are wider than one
            wait.until(d -> ((Number) ((org.openqa.selenium.JavascriptExecutor) d).executeScript(
                    "const i = document.querySelector('img.feature-maps'); return i.complete ? i.naturalWidth : 0"))
                    .intValue() > 28);
        }

        // a node that is not there stops the run at its start, naming the candidates
        RunLog other = RunLog.create(null, "tiny-res");
        Graph fresh = residual();
        TrainConfig freshConfig = TrainConfig.builder(new Adam(fresh, 0.003)).epochs(1).batchSize(16).seed(4).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Trainer(freshConfig)
                .addListener(new DashboardListener(other, val, val.sample(0), "conv9")).fit(fresh, train, val));
        assertTrue(e.getMessage().contains("'conv9'") && e.getMessage().contains("conv1, bn1, relu1, conv2, sum, pool"),
                e.getMessage());
    }
}

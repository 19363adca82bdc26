package org.convnet4j.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.convnet4j.data.ArrayDataset;
import org.convnet4j.data.Dataset;
import org.convnet4j.model.ModelFiles;
import org.convnet4j.model.Preprocessing;
import org.convnet4j.model.SavedModel;
import org.convnet4j.nn.Model;
import org.convnet4j.tensor.Shape;
import org.convnet4j.train.TrainConfig;
import org.convnet4j.train.Trainer;
import org.convnet4j.train.optim.Adam;
import org.convnet4j.zoo.LeNet5;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** README's "Serving from Java" snippet, kept compiling and working (ports 0 instead of 8080 and 6006). */
class ReadmeServeExampleTest {
    @Test
    void readmeServingSnippetRuns(@TempDir Path dir) throws Exception {
        Model lenet = LeNet5.build().initialize(1).setClassNames(TestModels.CLASSES);
        ModelFiles.save(lenet, dir.resolve("lenet5.c4j"), Preprocessing.forInput(Shape.of(1, 28, 28)));
        float[] pixels = new float[16 * 784];
        int[] labels = new int[16];
        for (int i = 0; i < 16; i++) {
            labels[i] = i % 10;
            pixels[i * 784 + i] = 1;
        }
        Dataset train = ArrayDataset.ofFloats(pixels, Shape.of(1, 28, 28), labels, TestModels.CLASSES);
        Dataset validation = train;
        Model model = LeNet5.build().initialize(2);
        TrainConfig config = TrainConfig.builder(new Adam(model, 1e-3)).epochs(1).batchSize(8).build();
        String url;

        // --- as in README.md ---
        Map<String, SavedModel> models = Map.of("lenet", ModelFiles.read(dir.resolve("lenet5.c4j")));
        ModelServer.Options options = new ModelServer.Options();   // 127.0.0.1:8080, batches of up to 8
        options.port = 0;                                           // any free port
        try (ModelServer server = ModelServer.start(models, options)) {
            System.out.println("serving at " + server.url());      // POST server.url() + "/predictions/lenet"
            server.warmedUp().join();                               // warm-up passes done: /v2/health/ready answers 200
            url = server.url();
            assertEquals(200, ModelServerTest.get(server, "/v2/health/ready").statusCode());
        }                                                           // close(): drains requests in flight, then stops

        RunLog log = RunLog.create(dir.resolve("runs"), "lenet5");  // runs/lenet5-<time>/events.jsonl
        DashboardServer dashboard = DashboardServer.start("127.0.0.1", 0, null).addRun(log);
        new Trainer(config).addListener(new DashboardListener(log, validation, validation.sample(0))).fit(model, train, validation);
        // ---

        try {
            assertTrue(url.startsWith("http://127.0.0.1:"));
            String events = ModelServerTestHttp.get(dashboard.url() + "/api/runs/" + log.id() + "/events");
            assertTrue(events.contains("\"type\":\"end\""), events);
            log.close();
            try (var runs = Files.list(dir.resolve("runs"))) {
                Path run = runs.findFirst().orElseThrow();
                assertEquals(log.size(), Files.readAllLines(run.resolve(RunLog.EVENTS)).size());
            }
        } finally {
            dashboard.close();
        }
    }
}

package org.convnet4j.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.convnet4j.data.ArrayDataset;
import org.convnet4j.nn.Sequential;
import org.convnet4j.tensor.Shape;
import org.convnet4j.train.TrainConfig;
import org.convnet4j.train.Trainer;
import org.convnet4j.train.TrainingContext;
import org.convnet4j.train.TrainingListener;
import org.convnet4j.train.optim.Adam;
import org.convnet4j.zoo.LeNet5;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.support.ui.WebDriverWait;

/** The training dashboard in a real headless Chromium while a short run trains, then as a past run. */
class DashboardPageTest {

    static ArrayDataset randomData(int n, long seed) {
        Random r = new Random(seed);
        float[] x = new float[n * 784];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = r.nextInt(10);
            for (int j = 0; j < 784; j++) {
                // class-dependent brightness so that the run actually learns something
                x[i * 784 + j] = (float) (0.1 * y[i] * (j % 28 < 14 ? 1 : 0) + 0.2 * r.nextFloat());
            }
        }
        return ArrayDataset.ofFloats(x, Shape.of(1, 28, 28), y, TestModels.CLASSES);
    }

    private static int points(WebDriver d, String chart) {
        String p = d.findElement(By.id(chart)).getAttribute("data-points");
        return p == null || p.isEmpty() ? 0 : Integer.parseInt(p);
    }

    @Test
    void curvesUpdateWhileARunTrainsAndTheRunStaysReadable(@TempDir Path logdir) throws Exception {
        Browser.shared(); // starts while the run is set up
        ArrayDataset train = randomData(128, 1);
        ArrayDataset val = randomData(40, 2);
        Sequential model = LeNet5.build();
        model.initialize(3);
        RunLog log = RunLog.create(logdir, "lenet5");
        DashboardListener listener = new DashboardListener(log, val, val.sample(0));
        TrainConfig config = TrainConfig.builder(new Adam(model, 0.003)).epochs(3).batchSize(32).seed(4).build();
        Trainer trainer = new Trainer(config).addListener(listener).addListener(new TrainingListener() {
            @Override
            public void onBatchEnd(TrainingContext ctx, int epoch, int batch, int batches, double loss) {
                try {
                    Thread.sleep(150); // a slow run, so that the page sees it in progress
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        });
        try (DashboardServer server = DashboardServer.start("127.0.0.1", 0, null)) {
            server.addRun(log);
            WebDriver browser = Browser.sharedNow();
            WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(60));
            browser.get(server.url() + "/");
            CompletableFuture<Void> training = CompletableFuture.runAsync(() -> trainer.fit(model, train, val));

            wait.until(d -> points(d, "step-loss") > 0);
            int early = points(browser, "step-loss");
            assertFalse(training.isDone() && early == log.since(0).stream().filter(e -> "step".equals(
                    e.get("type").getAsString())).count(), "the page saw the run before it ended");
            wait.until(d -> points(d, "step-loss") > early);
            training.get();
            wait.until(d -> !d.findElements(By.cssSelector("table.confusion")).isEmpty());
            long steps = log.since(0).stream().filter(e -> "step".equals(e.get("type").getAsString())).count();
            wait.until(d -> points(d, "step-loss") == steps);
            assertEquals(3 * 2, points(browser, "epoch-loss"), "train and validation loss for 3 epochs");
            assertEquals(3 * 2, points(browser, "epoch-accuracy"));
            assertTrue(points(browser, "step-lr") > 0 && points(browser, "step-speed") > 0);
            // The runs table is redrawn as the log is polled, so an element found once can go stale before it is
            // read: read the cell's text in the page itself until it says the run finished (or the wait fails).
            wait.until(d -> "finished".equals(((JavascriptExecutor) d).executeScript(
                    "const td = document.querySelector('tr.run td:last-child'); return td ? td.textContent.trim() : null")));
            assertFalse(browser.findElements(By.cssSelector("img.kernels")).isEmpty());
            // titled by the layer they come from
            assertEquals("first layer kernels (conv1) [6, 1, 5, 5]", ((JavascriptExecutor) browser).executeScript(
                    "return document.querySelector('img.kernels').parentElement.firstChild.textContent"));
            assertFalse(browser.findElements(By.cssSelector("img.feature-maps")).isEmpty());
            // the confusion matrix counts every validation sample once
            Number total = (Number) ((JavascriptExecutor) browser).executeScript("return [...document.querySelectorAll("
                    + "'table.confusion td')].reduce((n, td) => n + Number(td.textContent), 0)");
            assertEquals(val.size(), total.intValue());
            log.close();
        }
        // the same run from its log directory, as 'convnet4j ui --logdir' shows it
        List<Path> runs;
        try (var s = Files.list(logdir)) {
            runs = s.toList();
        }
        assertEquals(1, runs.size());
        try (DashboardServer past = DashboardServer.start("127.0.0.1", 0, logdir)) {
            String listing = ModelServerTestHttp.get(past.url() + "/api/runs");
            assertTrue(listing.contains("\"finished\":true") && listing.contains(runs.get(0).getFileName().toString()),
                    listing);
            String events = ModelServerTestHttp.get(past.url() + "/api/runs/" + runs.get(0).getFileName() + "/events?from=0");
            assertEquals(log.size(), com.google.gson.JsonParser.parseString(events).getAsJsonObject()
                    .getAsJsonArray("events").size());
        }
    }

    /**
     * A learning rate decaying to 0.00075 and below: the y axis is as wide as its longest tick label in the axis'
     * font (a fixed 60 px cut "0.00075" at the left edge of the chart).
     */
    @Test
    void tickLabelsOfASmallLearningRateFitTheirAxis(@TempDir Path logdir) throws Exception {
        Browser.shared();
        RunLog log = RunLog.create(logdir, "decay");
        com.google.gson.JsonObject start = new com.google.gson.JsonObject();
        start.addProperty("type", "start");
        start.addProperty("run", log.id());
        start.addProperty("epochs", 1);
        log.append(start);
        for (int i = 1; i <= 10; i++) {
            com.google.gson.JsonObject e = new com.google.gson.JsonObject();
            e.addProperty("type", "step");
            e.addProperty("epoch", 1);
            e.addProperty("step", i);
            e.addProperty("loss", 2.0 / i);
            e.addProperty("lr", 0.001 * (1 - (i - 1) / 10.0)); // 0.001 down to 0.0001
            log.append(e);
        }
        try (DashboardServer server = DashboardServer.start("127.0.0.1", 0, null)) {
            server.addRun(log);
            WebDriver browser = Browser.sharedNow();
            browser.get(server.url() + "/");
            new WebDriverWait(browser, Duration.ofSeconds(30)).until(d -> points(d, "step-lr") == 10);
            @SuppressWarnings("unchecked")
            List<Object> fit = (List<Object>) ((JavascriptExecutor) browser).executeScript(
                    "const a = charts.get('step-lr').plot.axes[1]; const c = document.createElement('canvas').getContext('2d');"
                    + " c.font = a.font[0]; const w = Math.max(...a._values.map(v => c.measureText(String(v)).width)) / devicePixelRatio;"
                    + " return [a._values.join(' '), w, a._size, a.ticks.size + a.gap];");
            double widest = ((Number) fit.get(1)).doubleValue();
            double size = ((Number) fit.get(2)).doubleValue();
            double tickAndGap = ((Number) fit.get(3)).doubleValue();
            assertTrue(String.valueOf(fit.get(0)).contains("0.00"), "labels " + fit.get(0));
            assertTrue(widest + tickAndGap <= size, "labels " + fit.get(0) + ": widest " + widest + " px + tick and gap "
                    + tickAndGap + " px in an axis of " + size + " px");
        } finally {
            log.close();
        }
    }

    /**
     * With several runs shown the charts carry no legend (it listed every run's name, one per line, under each of
     * the six charts: longer than the chart itself; the runs table names the colours); with one run the legend is
     * back, as a line with no table rules. The x ticks of a 3-epoch run are 1, 2, 3 (they were 1, 1.5, 2, 2.5, 3).
     */
    @Test
    void severalRunsDrawNoRunListUnderEachChart(@TempDir Path logdir) throws Exception {
        Browser.shared();
        List<RunLog> logs = new java.util.ArrayList<>();
        try (DashboardServer server = DashboardServer.start("127.0.0.1", 0, null)) {
            for (String name : List.of("zoo-lenet5", "zoo-resnet18", "transfer-case2")) {
                RunLog log = RunLog.create(logdir, name);
                logs.add(log);
                log.append(com.google.gson.JsonParser.parseString("{\"type\":\"start\",\"epochs\":1}").getAsJsonObject());
                for (int i = 1; i <= 4; i++) {
                    log.append(com.google.gson.JsonParser.parseString("{\"type\":\"step\",\"epoch\":1,\"step\":" + i
                            + ",\"loss\":" + (2.0 / i) + ",\"lr\":0.001}").getAsJsonObject());
                }
                for (int e = 1; e <= 3; e++) {
                    log.append(com.google.gson.JsonParser.parseString("{\"type\":\"epoch\",\"epoch\":" + e
                            + ",\"record\":{\"train_loss\":" + (1.0 / e) + "}}").getAsJsonObject());
                }
                server.addRun(log);
            }
            WebDriver browser = Browser.sharedNow();
            browser.get(server.url() + "/");
            WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(30));
            wait.until(d -> points(d, "step-loss") == 12);
            JavascriptExecutor js = (JavascriptExecutor) browser;
            assertEquals(0L, js.executeScript("return document.querySelectorAll('#step-loss .u-legend').length"));
            // epochs (and steps) are whole numbers: no tick at 1.5 or 2.5 of a 3-epoch run
            wait.until(d -> points(d, "epoch-loss") == 9);
            assertEquals("1 2 3", js.executeScript("return charts.get('epoch-loss').plot.axes[0]._values"
                    + ".filter(v => v !== '').join(' ')"));
            // one run left: its chart is drawn again, with a legend of one line whose cells have no rule
            // one box at a time: each change rebuilds the table
            js.executeScript("for (let k = 0; k < 2; k++) [...document.querySelectorAll('tr.run input')].slice(1)"
                    + ".find(b => b.checked).click();");
            wait.until(d -> points(d, "step-loss") == 4);
            assertEquals(1L, js.executeScript("return document.querySelectorAll('#step-loss .u-legend').length"));
            assertEquals("0px", js.executeScript("return getComputedStyle("
                    + "document.querySelector('#step-loss .u-legend th')).borderBottomWidth"));
        } finally {
            for (RunLog log : logs) {
                log.close();
            }
        }
    }

    /**
     * A run that ended and then got its confusion matrix (as fuse adds it after training) is finished, on the page
     * and in /api/runs, live and read back from its folder: the state was taken from the last event alone, so
     * such runs showed "running" with an ETA of 0m00s forever.
     */
    @Test
    void aRunWithItsConfusionMatrixAfterTheEndIsFinished(@TempDir Path logdir) throws Exception {
        Browser.shared();
        RunLog log = RunLog.create(logdir, "fuse-intermediate");
        for (String json : List.of("{\"type\":\"start\",\"epochs\":1}",
                "{\"type\":\"step\",\"epoch\":1,\"step\":1,\"loss\":1.5,\"lr\":0.002,\"eta_seconds\":0}",
                "{\"type\":\"end\"}",
                "{\"type\":\"confusion\",\"confusion\":{\"classes\":[\"a\",\"b\"],\"matrix\":[[3,1],[0,4]],"
                        + "\"accuracy\":0.875,\"samples\":8,\"data\":\"test\"}}")) {
            log.append(com.google.gson.JsonParser.parseString(json).getAsJsonObject());
        }
        try (DashboardServer server = DashboardServer.start("127.0.0.1", 0, null)) {
            server.addRun(log);
            assertTrue(ModelServerTestHttp.get(server.url() + "/api/runs").contains("\"finished\":true"),
                    ModelServerTestHttp.get(server.url() + "/api/runs"));
            WebDriver browser = Browser.sharedNow();
            browser.get(server.url() + "/");
            WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(30));
            wait.until(d -> !d.findElements(By.cssSelector("table.confusion")).isEmpty());
            wait.until(d -> d.findElements(By.cssSelector("tr.run")).size() == 1);
            assertEquals("finished", ((JavascriptExecutor) browser).executeScript(
                    "return document.querySelector('tr.run td:last-child').textContent.trim()"));
            // the matrix says which pictures it counts (zoo-benchmark and transfer give their test set)
            String title = browser.findElement(By.cssSelector("table.confusion")).findElement(By.xpath("..")).getText();
            assertTrue(title.startsWith("confusion matrix (test;"), title);
        } finally {
            log.close();
        }
        try (DashboardServer past = DashboardServer.start("127.0.0.1", 0, logdir)) {
            String listing = ModelServerTestHttp.get(past.url() + "/api/runs");
            assertTrue(listing.contains("\"finished\":true"), listing);
        }
    }

    private static String cell(WebDriver d, String css) {
        Object t = ((JavascriptExecutor) d).executeScript("const td = document.querySelector('tr.run " + css + "');"
                + " return td ? td.textContent.trim() : ''");
        return String.valueOf(t);
    }

    /**
     * A transfer run (Case 2: the new head on the frozen base, fitted on the base's outputs, then fine-tuning), held
     * in phase 1 after the frozen layers' outputs are computed and before its first step: the page says which phase
     * runs and how far its preparation has come (it showed nothing until the head was fitted); then phase 2's epochs
     * are drawn after phase 1's (both counted from 1, they were drawn over each other).
     */
    @Test
    void aTransferRunSaysWhichPhaseRunsBeforeItsFirstStep(@TempDir Path logdir) throws Exception {
        Browser.shared();
        ArrayDataset train = randomData(96, 5);
        Sequential base = LeNet5.build();
        base.initialize(6);
        org.convnet4j.transfer.TransferPlan plan = org.convnet4j.transfer.Transfer.plan(
                org.convnet4j.transfer.TransferCase.FINE_TUNE_LAST, base,
                org.convnet4j.transfer.TransferOptions.forClasses(train.classNames()).withFineTuneLast(2));
        org.convnet4j.transfer.FineTuneSettings settings =
                new org.convnet4j.transfer.FineTuneSettings(5, 2, 2, 0.25, 16, 7, false);
        RunLog log = RunLog.create(logdir, "transfer-case2");
        DashboardListener listener = new DashboardListener(log, null, null);
        java.util.concurrent.CountDownLatch seen = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.atomic.AtomicBoolean held = new java.util.concurrent.atomic.AtomicBoolean();
        org.convnet4j.transfer.FeatureExtractor.Progress hold = (done, total) -> {
            if (done == total && held.compareAndSet(false, true)) {
                try {
                    seen.await(60, java.util.concurrent.TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        };
        try (DashboardServer server = DashboardServer.start("127.0.0.1", 0, null)) {
            server.addRun(log);
            WebDriver browser = Browser.sharedNow();
            WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(30));
            browser.get(server.url() + "/");
            CompletableFuture<org.convnet4j.transfer.FineTuning.Result> run = CompletableFuture.supplyAsync(() ->
                    org.convnet4j.transfer.FineTuning.fit(plan, train, settings, null, List.of(listener), hold));
            try {
                // held after all of phase 1's training pictures went through the frozen layers
                wait.until(d -> cell(d, "td.phase").matches(".*; outputs of the frozen layers ([1-9][0-9]*) / \\1"));
                String phase = cell(browser, "td.phase");
                assertTrue(phase.startsWith("1: new head only, base frozen"), phase);
                assertEquals("running", cell(browser, "td:last-child"));
                assertEquals(0, points(browser, "step-loss"), "no step yet");
            } finally {
                seen.countDown();
            }
            org.convnet4j.transfer.FineTuning.Result r = run.get(120, java.util.concurrent.TimeUnit.SECONDS);
            wait.until(d -> "finished".equals(cell(d, "td:last-child")));
            int epochs = r.history().size();
            assertTrue(epochs >= 2, "phase 1's fit and phase 2's epochs: " + epochs);
            wait.until(d -> points(d, "epoch-loss") == 2 * epochs);
            assertEquals(String.valueOf(epochs), browser.findElement(By.id("epoch-loss")).getAttribute("data-last-x"),
                    "phase 2's epochs after phase 1's");
            String phase = cell(browser, "td.phase");
            assertTrue(phase.startsWith("2: last ") && !phase.contains("frozen layers "), phase);
        } finally {
            log.close();
        }
    }

    /**
     * A transfer Case 0 run (the base answers with its own classes: nothing is trained, so no training event comes)
     * held after its test pictures are answered, then ended: the page says the phase only evaluates and how far it
     * has come, then shows it finished with its accuracy, the confusion matrix in the data's classes (and a column
     * for the base's other classes) and which of the base's classes answers for each class of the data. Such a run
     * logged nothing at all, so the page never showed it.
     */
    @Test
    void aTransferRunThatOnlyEvaluatesShowsItsResultAndClassMap(@TempDir Path logdir) throws Exception {
        Browser.shared();
        ArrayDataset test = randomData(40, 8);
        Sequential base = LeNet5.build();
        base.initialize(9);
        // the base's classes: one the same but for punctuation, one the data lacks ("Boot"), one the base lacks
        // ("Ankle boot")
        List<String> own = new java.util.ArrayList<>(TestModels.CLASSES);
        own.set(0, "t-shirt top");
        own.set(9, "Boot");
        base.setClassNames(own);
        org.convnet4j.transfer.TransferPlan plan = org.convnet4j.transfer.Transfer.plan(
                org.convnet4j.transfer.TransferCase.PREDICT, base,
                org.convnet4j.transfer.TransferOptions.forClasses(List.of()).withPartialClasses(true));
        RunLog log = RunLog.create(logdir, "transfer-case0");
        DashboardListener listener = new DashboardListener(log, test, null).dataName("test");
        java.util.concurrent.CountDownLatch seen = new java.util.concurrent.CountDownLatch(1);
        org.convnet4j.train.PhaseListener hold = new org.convnet4j.train.PhaseListener() {
            @Override
            public void onPhaseStart(int number, String title) {
            }

            @Override
            public void onPhaseProgress(String what, long done, long total) {
                if (done == total) {
                    try {
                        seen.await(60, java.util.concurrent.TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            }
        };
        try (DashboardServer server = DashboardServer.start("127.0.0.1", 0, null)) {
            server.addRun(log);
            WebDriver browser = Browser.sharedNow();
            WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(30));
            browser.get(server.url() + "/");
            CompletableFuture<org.convnet4j.transfer.TransferRun.Outcome> run = CompletableFuture.supplyAsync(() -> {
                try {
                    return org.convnet4j.transfer.TransferRun.run(plan, test, test, "knn", null, null, null,
                            List.of(listener, hold), org.convnet4j.transfer.FeatureExtractor.Progress.NONE);
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            double accuracy;
            try {
                wait.until(d -> cell(d, "td.phase").endsWith("; test pictures answered 40 / 40"));
                String phase = cell(browser, "td.phase");
                assertTrue(phase.startsWith("1: evaluation only: the base answers with its own 10 classes"), phase);
                assertEquals("running", cell(browser, "td:last-child"));
            } finally {
                seen.countDown();
            }
            accuracy = run.get(60, java.util.concurrent.TimeUnit.SECONDS).accuracy();
            wait.until(d -> "finished".equals(cell(d, "td:last-child")));
            wait.until(d -> !d.findElements(By.cssSelector("table.class-map")).isEmpty());
            assertEquals(String.format(java.util.Locale.ROOT, "%.4f", accuracy), cell(browser, "td:nth-child(6)"),
                    "the accuracy column");
            JavascriptExecutor js = (JavascriptExecutor) browser;
            // the confusion matrix: the data's 10 classes and the base's other class as rows and columns, every test
            // picture counted once, the diagonal its accuracy
            assertEquals(11L, js.executeScript("return document.querySelectorAll('table.confusion tr').length - 1"));
            assertEquals("10 (another class of the base)", js.executeScript(
                    "return document.querySelector('table.confusion tr:last-child th').textContent"));
            assertEquals(40L, js.executeScript("return [...document.querySelectorAll('table.confusion td')]"
                    + ".reduce((s, td) => s + Number(td.textContent), 0)"));
            long diagonal = (Long) js.executeScript("const rows = [...document.querySelectorAll('table.confusion tr')]"
                    + ".slice(1); return rows.reduce((s, tr, i) => s + Number(tr.querySelectorAll('td')[i].textContent),"
                    + " 0)");
            assertEquals(accuracy, diagonal / 40.0, 1e-9);
            String title = browser.findElement(By.cssSelector("table.confusion")).findElement(By.xpath("..")).getText();
            assertTrue(title.startsWith("confusion matrix (test;"), title);
            // the class map, one row per class of the data
            @SuppressWarnings("unchecked")
            List<String> rows = (List<String>) js.executeScript("return [...document.querySelectorAll("
                    + "'table.class-map tr')].slice(1).map(tr => tr.textContent)");
            assertEquals(10, rows.size(), String.valueOf(rows));
            assertEquals("T-shirt/topt-shirt top (same name but for case and punctuation)", rows.get(0));
            assertEquals("TrouserTrouser", rows.get(1));
            assertEquals("Ankle bootnone: the model does not know it (its pictures count as wrong)", rows.get(9));
        } finally {
            log.close();
        }
        try (DashboardServer past = DashboardServer.start("127.0.0.1", 0, logdir)) {
            String listing = ModelServerTestHttp.get(past.url() + "/api/runs");
            assertTrue(listing.contains("\"finished\":true"), listing);
        }
    }
}

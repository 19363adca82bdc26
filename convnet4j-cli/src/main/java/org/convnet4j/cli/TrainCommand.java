package org.convnet4j.cli;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.convnet4j.checkpoint.Checkpoint;
import org.convnet4j.checkpoint.Json;
import org.convnet4j.cli.train.DataSource;
import org.convnet4j.cli.train.PlotListener;
import org.convnet4j.cli.train.ProgressBarListener;
import org.convnet4j.cli.train.SavedFeatureStatistics;
import org.convnet4j.data.Dataset;
import org.convnet4j.data.Datasets;
import org.convnet4j.model.ModelFiles;
import org.convnet4j.model.Preprocessing;
import org.convnet4j.nn.Model;
import org.convnet4j.tensor.Shape;
import org.convnet4j.train.CheckpointListener;
import org.convnet4j.train.EarlyStopping;
import org.convnet4j.train.History;
import org.convnet4j.train.LogListener;
import org.convnet4j.train.Monitor;
import org.convnet4j.train.TrainConfig;
import org.convnet4j.train.Trainer;
import org.convnet4j.train.TrainingCheckpoints;
import org.convnet4j.train.TrainingDivergedException;
import org.convnet4j.train.optim.Adam;
import org.convnet4j.train.optim.Optimizer;
import org.convnet4j.train.optim.Sgd;
import org.convnet4j.zoo.ModelZoo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Trains a model of the zoo on Fashion-MNIST or an image folder, with a progress bar, one line per epoch,
 * best/last checkpoints, early stopping, resume and training curves.
 */
@Command(name = "train", mixinStandardHelpOptions = true, versionProvider = VersionInfo.class, sortOptions = false,
        header = "Train a CNN (LeNet-5 or any zoo model) on Fashion-MNIST or a picture folder; save a model file.",
        description = {
            "Trains with a live progress bar on stderr and one line per epoch on stdout. A fraction of the training "
                + "pictures (--val-split) is held out for validation; the model file --out keeps the epoch with the "
                + "best validation accuracy (without validation: the last epoch), and FILE with '.last' before the "
                + "extension is rewritten after every epoch. Either file can be given to --resume, which continues "
                + "the run with its saved settings (a resumed run gives the same weights as an uninterrupted one).",
            ""
        },
        footer = {
            "",
            "Examples:",
            "  convnet4j train --model lenet5 --data fashion-mnist --epochs 10 --out lenet5.c4j --plots plots",
            "  convnet4j train --model lenet5-classic --optimizer sgd --lr 0.9 --batch 256 --out classic.c4j",
            "  convnet4j train --data my-pictures/ --val-split 0.2 --patience 3 --out mine.c4j",
            "  convnet4j train --resume lenet5.last.c4j --epochs 15"
        })
final class TrainCommand implements Callable<Integer> {
    static final String RUN_KEY = "cli_run";

    @Spec
    CommandSpec spec;

    @Option(names = "--model", paramLabel = "NAME", description = "Architecture: lenet5 (ReLU, max pooling), "
            + "lenet5-classic (sigmoid, average pooling) or another zoo name ('convnet4j summary' shows them; the "
            + "big ones are slow on this engine). Default: lenet5.")
    String model;

    @Option(names = "--data", paramLabel = "fashion-mnist|DIR", description = "fashion-mnist (default) or a folder "
            + "with one sub-folder of pictures per class (pictures are converted and resized to the model input).")
    String data;

    @Option(names = "--input", paramLabel = "CxHxW", description = "Model input, e.g. 1x32x32 or 3x28x28. Default: "
            + "the architecture's (1x28x28 for LeNet-5).")
    String input;

    @Option(names = "--epochs", paramLabel = "N", description = "Epochs in total (a resumed run continues up to N). Default: 10.")
    Integer epochs;

    @Option(names = "--batch", paramLabel = "B", description = "Batch size. Default: 64.")
    Integer batch;

    @Option(names = "--optimizer", paramLabel = "sgd|adam", description = "Default: adam.")
    String optimizer;

    @Option(names = "--lr", paramLabel = "LR", description = "Learning rate. Default: 0.001 for adam, 0.1 for sgd.")
    Double lr;

    @Option(names = "--momentum", paramLabel = "M", description = "SGD momentum. Default: 0.")
    Double momentum;

    @Option(names = "--seed", paramLabel = "S", description = "Seed of the weights, the validation split and the "
            + "data order. Default: 42.")
    Long seed;

    @Option(names = "--val-split", paramLabel = "F", description = "Fraction of the training pictures held out for "
            + "validation, 0 for none. Default: 0.1.")
    Double valSplit;

    @Option(names = "--limit", paramLabel = "N", description = "Use only the first N training pictures (quick runs).")
    Integer limit;

    @Option(names = "--patience", paramLabel = "N", description = "Stop when the validation accuracy has not improved "
            + "for N epochs (early stopping). Default: off.")
    Integer patience;

    @Option(names = {"-o", "--out"}, paramLabel = "FILE", description = "Model file to write. Default: model.c4j.")
    Path out;

    @Option(names = "--resume", paramLabel = "CHECKPOINT", description = "Continue the run saved in this file "
            + "(--out or its .last file); options not given are taken from the file.")
    Path resume;

    @Option(names = "--plots", paramLabel = "DIR", description = "Write the training curves to DIR/training-curves.png "
            + "(redrawn after every epoch).")
    Path plots;

    @Option(names = "--json", description = "Print the result as one JSON object on stdout instead of the epoch lines.")
    boolean json;

    @Option(names = "--no-progress", description = "No progress bar on stderr.")
    boolean noProgress;

    @Mixin
    DashboardOptions dashboard;

    /** What the run ended with, for the demo. */
    Result result;

    record Result(Model model, Preprocessing preprocessing, History history, Path out, Path last, int bestEpoch,
                  Dataset train, Dataset validation, double seconds) {
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter stdout = spec.commandLine().getOut();
        PrintWriter stderr = spec.commandLine().getErr();
        Checkpoint resumed = null;
        if (resume != null) {
            resumed = Checkpoint.load(resume);
            try {
                TrainingCheckpoints.read(resumed);
            } catch (IllegalArgumentException e) {
                throw new BadInputException("--resume " + resume + ": " + e.getMessage(), e);
            }
            applySavedRun(resumed.description());
        }
        applyDefaults();
        validate();

        Shape inputShape = input != null ? parseInput(input) : ModelZoo.defaultInput(model);
        Preprocessing prep = Preprocessing.forInput(inputShape);
        Dataset all = DataSource.training(data, prep);
        if (limit != null) {
            all = Datasets.subset(all, limit);
        }
        Dataset train = all;
        Dataset val = null;
        if (valSplit > 0) {
            Datasets.Split split = Datasets.split(all, valSplit, seed);
            train = split.train();
            val = split.validation();
        }
        Model net = ModelZoo.build(model, inputShape, all.numClasses());
        net.setClassNames(all.classNames());
        net.initialize(seed);
        if (resumed != null) {
            ModelFiles.requireSameArchitecture(resumed, net, resume.toString());
        }
        Optimizer opt = optimizer.equals("sgd") ? new Sgd(net, lr).momentum(momentum) : new Adam(net, lr);
        TrainConfig config = TrainConfig.builder(opt).epochs(epochs).batchSize(batch).seed(seed).build();

        Path last = lastFile(out);
        JsonObject run = savedRun();
        CheckpointListener checkpoints = new CheckpointListener()
                .describedBy(m -> {
                    JsonObject d = ModelFiles.describe(m, prep);
                    d.add(RUN_KEY, run);
                    return d;
                })
                .saveLast(last);
        if (val != null) {
            checkpoints.saveBest(out, Monitor.of(History.VAL_ACCURACY));
        }
        Trainer trainer = new Trainer(config);
        ProgressBarListener progress = null;
        if (!noProgress) {
            progress = new ProgressBarListener(new PrintStream(new WriterOutputStream(stderr), true,
                    StandardCharsets.UTF_8), System.console() != null);
            trainer.addListener(progress);
        }
        if (!json) {
            trainer.addListener(new LogListener(new PrintStream(new WriterOutputStream(stdout), true,
                    StandardCharsets.UTF_8)));
        }
        if (patience != null) {
            trainer.addListener(new EarlyStopping(History.VAL_ACCURACY, patience, false));
        }
        trainer.addListener(checkpoints);
        if (plots != null) {
            Files.createDirectories(plots);
            trainer.addListener(new PlotListener(plots.resolve("training-curves.png")));
        }
        DashboardOptions.Session ui = dashboard.open(stdout);
        trainer.addListener(ui.run(model, val));
        if (!json) {
            stdout.printf(Locale.ROOT, "%s %s: %d training, %s validation pictures of %s, %d classes; %s lr %s, batch %d,"
                            + " seed %d%s%n", resumed != null ? "Resuming" : "Training", model, train.size(),
                    val == null ? "no" : Integer.toString(val.size()), prep.outputShape(), all.numClasses(), optimizer,
                    lr, batch, seed, resumed != null ? " (from " + resume + ", epoch " + TrainingCheckpoints.read(resumed)
                            .epochsCompleted() + ")" : "");
        }
        long start = System.nanoTime();
        History history;
        try {
            history = resumed != null ? trainer.resume(resumed, net, train, val) : trainer.fit(net, train, val);
        } catch (TrainingDivergedException e) {
            throw new BadInputException(e.getMessage() + (Files.exists(last) ? "; the last good checkpoint is " + last
                    : "; no epoch finished, so no checkpoint was written"));
        } finally {
            if (progress != null) {
                progress.close();
            }
            ui.close();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        if (val == null && Files.exists(last)) {
            // without validation the last epoch is the model to keep
            Files.copy(last, out, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        if (Files.exists(out)) {
            // for 'advise --base': how the kept model's penultimate features spread on its own training data
            SavedFeatureStatistics.addTo(out, train, SavedFeatureStatistics.SAMPLES);
        }
        int bestEpoch = val == null ? history.size() : checkpoints.bestEpoch();
        result = new Result(net, prep, history, out, last, bestEpoch, train, val, seconds);
        if (json) {
            stdout.println(Json.toPretty(resultJson(history, bestEpoch, train, val, seconds)));
        } else {
            if (history.size() > 0 && val != null) {
                stdout.printf(Locale.ROOT, "best validation accuracy %.4f at epoch %d%n",
                        history.epochs().get(bestEpoch - 1).get(History.VAL_ACCURACY), bestEpoch);
            }
            stdout.printf(Locale.ROOT, "wrote %s (%s), %s (last epoch, for --resume)%s; %.1f s%n", out,
                    val == null ? "last epoch" : "best epoch", last,
                    plots == null ? "" : ", " + plots.resolve("training-curves.png"), seconds);
        }
        return 0;
    }

    private JsonObject resultJson(History history, int bestEpoch, Dataset train, Dataset val, double seconds) {
        JsonObject o = new JsonObject();
        o.addProperty("model", model);
        o.addProperty("data", data);
        o.addProperty("train_samples", train.size());
        o.addProperty("val_samples", val == null ? 0 : val.size());
        o.addProperty("epochs", history.size());
        o.addProperty("best_epoch", bestEpoch);
        if (history.size() > 0) {
            Map<String, Double> best = history.epochs().get(Math.max(bestEpoch, 1) - 1);
            if (best.containsKey(History.VAL_ACCURACY)) {
                o.addProperty("best_val_accuracy", best.get(History.VAL_ACCURACY));
            }
        }
        o.addProperty("out", out.toString());
        o.addProperty("last", lastFile(out).toString());
        o.addProperty("seconds", seconds);
        o.add("history", history.toJson());
        return o;
    }

    /** model.c4j → model.last.c4j; a name without extension gets ".last". */
    static Path lastFile(Path out) {
        String name = out.getFileName().toString();
        int dot = name.lastIndexOf('.');
        String lastName = dot > 0 ? name.substring(0, dot) + ".last" + name.substring(dot) : name + ".last";
        return out.resolveSibling(lastName);
    }

    /** The options of this run, saved in every checkpoint so that --resume can continue it. */
    private JsonObject savedRun() {
        JsonObject o = new JsonObject();
        o.addProperty("model", model);
        o.addProperty("data", data);
        if (input != null) {
            o.addProperty("input", input);
        }
        o.addProperty("epochs", epochs);
        o.addProperty("batch", batch);
        o.addProperty("optimizer", optimizer);
        o.addProperty("lr", lr);
        o.addProperty("momentum", momentum);
        o.addProperty("seed", seed);
        o.addProperty("val_split", valSplit);
        if (limit != null) {
            o.addProperty("limit", limit);
        }
        if (patience != null) {
            o.addProperty("patience", patience);
        }
        o.addProperty("out", out.toString());
        return o;
    }

    /** Options not given on the command line come from the checkpoint's saved run. */
    private void applySavedRun(JsonObject description) {
        JsonElement e = description.get(RUN_KEY);
        if (e == null || !e.isJsonObject()) {
            if (model == null || data == null) {
                throw new BadInputException(resume + " was not written by 'convnet4j train', so --model and --data must"
                        + " be given to resume it");
            }
            return;
        }
        JsonObject r = e.getAsJsonObject();
        try {
            model = model != null ? model : r.get("model").getAsString();
            data = data != null ? data : r.get("data").getAsString();
            input = input != null ? input : r.has("input") ? r.get("input").getAsString() : null;
            epochs = epochs != null ? epochs : r.get("epochs").getAsInt();
            batch = batch != null ? batch : r.get("batch").getAsInt();
            optimizer = optimizer != null ? optimizer : r.get("optimizer").getAsString();
            lr = lr != null ? lr : r.get("lr").getAsDouble();
            momentum = momentum != null ? momentum : r.get("momentum").getAsDouble();
            seed = seed != null ? seed : r.get("seed").getAsLong();
            valSplit = valSplit != null ? valSplit : r.get("val_split").getAsDouble();
            limit = limit != null ? limit : r.has("limit") ? r.get("limit").getAsInt() : null;
            patience = patience != null ? patience : r.has("patience") ? r.get("patience").getAsInt() : null;
            out = out != null ? out : Path.of(r.get("out").getAsString());
        } catch (RuntimeException ex) {
            throw new BadInputException(resume + ": its saved run settings are incomplete (" + ex.getMessage() + ")", ex);
        }
    }

    private void applyDefaults() {
        model = model != null ? model : "lenet5";
        data = data != null ? data : DataSource.FASHION_MNIST;
        epochs = epochs != null ? epochs : 10;
        batch = batch != null ? batch : 64;
        optimizer = optimizer != null ? optimizer.toLowerCase(Locale.ROOT) : "adam";
        lr = lr != null ? lr : optimizer.equals("sgd") ? 0.1 : 0.001;
        momentum = momentum != null ? momentum : 0.0;
        seed = seed != null ? seed : 42L;
        valSplit = valSplit != null ? valSplit : 0.1;
        out = out != null ? out : Path.of("model.c4j");
    }

    private void validate() {
        if (!ModelZoo.contains(model)) {
            throw new BadInputException("--model: unknown model '" + model + "'; known: " + String.join(", ", ModelZoo.names()));
        }
        if (!optimizer.equals("sgd") && !optimizer.equals("adam")) {
            throw new BadInputException("--optimizer: '" + optimizer + "' is not sgd or adam");
        }
        positive("--epochs", epochs);
        positive("--batch", batch);
        if (limit != null) {
            positive("--limit", limit);
        }
        if (patience != null) {
            positive("--patience", patience);
        }
        if (!(lr > 0) || Double.isInfinite(lr)) {
            throw new BadInputException("--lr: must be a positive number, got " + lr);
        }
        if (!(momentum >= 0 && momentum < 1)) {
            throw new BadInputException("--momentum: must be in [0, 1), got " + momentum);
        }
        if (!(valSplit >= 0 && valSplit < 1)) {
            throw new BadInputException("--val-split: must be in [0, 1), got " + valSplit);
        }
        if (patience != null && valSplit == 0) {
            throw new BadInputException("--patience needs validation data (--val-split above 0)");
        }
        Path dir = out.toAbsolutePath().getParent();
        if (dir == null || !Files.isDirectory(dir)) {
            throw new BadInputException("--out " + out + ": directory " + dir + " does not exist");
        }
        if (Files.isDirectory(out)) {
            throw new BadInputException("--out " + out + ": is a directory; give a file name such as " + out.resolve("model.c4j"));
        }
    }

    private static void positive(String option, int v) {
        if (v < 1) {
            throw new BadInputException(option + ": must be at least 1, got " + v);
        }
    }

    /** "1x28x28" → [1, 28, 28]. */
    static Shape parseInput(String text) {
        String[] parts = text.trim().toLowerCase(Locale.ROOT).split("x");
        if (parts.length != 3) {
            throw new BadInputException("--input: '" + text + "' is not CxHxW, e.g. 1x28x28");
        }
        List<Integer> dims = new ArrayList<>();
        for (String p : parts) {
            try {
                int d = Integer.parseInt(p.trim());
                if (d < 1) {
                    throw new NumberFormatException();
                }
                dims.add(d);
            } catch (NumberFormatException e) {
                throw new BadInputException("--input: '" + text + "' is not CxHxW with positive whole numbers, e.g. 1x28x28");
            }
        }
        if (dims.get(0) != 1 && dims.get(0) != 3) {
            throw new BadInputException("--input: pictures have 1 (grey) or 3 (RGB) channels, not " + dims.get(0));
        }
        return Shape.of(dims.get(0), dims.get(1), dims.get(2));
    }
}

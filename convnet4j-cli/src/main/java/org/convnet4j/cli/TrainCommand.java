package org.convnet4j.cli;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.convnet4j.checkpoint.Checkpoint;
import org.convnet4j.data.OnBadFile;
import org.convnet4j.internal.json.Json;
import org.convnet4j.cli.train.DataSource;
import org.convnet4j.charts.PlotListener;
import org.convnet4j.cli.train.ProgressBarListener;
import org.convnet4j.data.Dataset;
import org.convnet4j.model.Preprocessing;
import org.convnet4j.run.TrainingRun;
import org.convnet4j.run.TrainingSettings;
import org.convnet4j.tensor.Shape;
import org.convnet4j.train.LogListener;
import org.convnet4j.train.TrainingCheckpoints;
import org.convnet4j.train.TrainingDivergedException;
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

    @Spec
    CommandSpec spec;

    @Option(names = "--model", paramLabel = "NAME", description = "Architecture: lenet5 (ReLU, max pooling), "
            + "lenet5-classic (sigmoid, average pooling) or another zoo name ('convnet4j summary' shows them; the "
            + "big ones are slow on this engine). Default: lenet5.")
    String model;

    @Option(names = "--data", paramLabel = "SPEC", description = org.convnet4j.dataspec.DataSpec.DATA_HELP
            + " Default: fashion-mnist (its training set; a folder: all of it).")
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

    @Option(names = "--limit", paramLabel = "N", description = org.convnet4j.dataspec.DataSpec.LIMIT_HELP
            + " Quick runs.")
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

    @Option(names = "--fail-fast", description = "Stop at the first picture of a --data folder that cannot be decoded"
            + " (default: leave it out, counted and named in the summary).")
    boolean failFast;

    @Mixin
    DashboardOptions dashboard;

    /** What the run ended with, for the demo. */
    TrainingRun.Result result;

    @Override
    public Integer call() throws Exception {
        PrintWriter stdout = spec.commandLine().getOut();
        PrintWriter stderr = spec.commandLine().getErr();
        Checkpoint resumed = resume == null ? null : Checkpoint.load(resume);
        TrainingSettings settings;
        try {
            TrainingSettings.Builder base = TrainingSettings.builder();
            if (resumed != null) {
                try {
                    base = TrainingSettings.resuming(resumed, resume).orElse(null);
                } catch (IllegalArgumentException e) {
                    throw new BadInputException("--resume " + resume + ": " + e.getMessage(), e);
                }
                if (base == null && (model == null || data == null)) {
                    throw new BadInputException(resume + " was not written by 'convnet4j train', so --model and --data"
                            + " must be given to resume it");
                }
            }
            settings = options(base == null ? TrainingSettings.builder() : base).build();
        } catch (IllegalArgumentException e) {
            throw new BadInputException("--" + e.getMessage(), e);
        }
        Preprocessing prep = Preprocessing.forInput(settings.inputShape());
        Dataset pictures = DataSource.training(settings.data(), prep,
                n -> (json ? stderr : stdout).println("converting: " + n), failFast ? OnBadFile.FAIL : OnBadFile.SKIP);
        TrainingRun run = resumed != null ? TrainingRun.resume(resumed, resume, settings, pictures)
                : new TrainingRun(settings, pictures);
        ProgressBarListener progress = null;
        if (!noProgress) {
            progress = new ProgressBarListener(new PrintStream(new WriterOutputStream(stderr), true,
                    StandardCharsets.UTF_8), System.console() != null);
            run.addListener(progress);
        }
        if (!json) {
            run.addListener(new LogListener(new PrintStream(new WriterOutputStream(stdout), true,
                    StandardCharsets.UTF_8)));
        }
        if (plots != null) {
            Files.createDirectories(plots);
            run.addListener(new PlotListener(plots.resolve("training-curves.png")));
        }
        TrainingRun.Split split = run.split();
        DashboardOptions.Session ui = dashboard.open(stdout);
        run.addListener(ui.run(settings.model(), split.validation()));
        if (!json) {
            stdout.printf(Locale.ROOT, "%s %s: %d training, %s validation pictures of %s, %d classes; %s lr %s, batch %d,"
                            + " seed %d%s%n", resumed != null ? "Resuming" : "Training", settings.model(),
                    split.train().size(), split.validation() == null ? "no" : Integer.toString(split.validation().size()),
                    prep.outputShape(), pictures.numClasses(), settings.optimizer(), settings.lr(), settings.batch(),
                    settings.seed(), resumed != null ? " (from " + resume + ", epoch " + run.resumedEpochs() + ")" : "");
        }
        Path last = settings.lastFile();
        try {
            result = run.run();
        } catch (TrainingDivergedException e) {
            throw new BadInputException(e.getMessage() + (Files.exists(last) ? "; the last good checkpoint is " + last
                    : "; no epoch finished, so no checkpoint was written"));
        } catch (IllegalArgumentException e) {
            throw new BadInputException("--" + e.getMessage(), e);
        } finally {
            if (progress != null) {
                progress.close();
            }
            ui.close();
        }
        TrainReport.print(stdout, settings, result, json, plots);
        return 0;
    }

    /** The options given on the command line over {@code base} (the saved run's settings, or the defaults). */
    private TrainingSettings.Builder options(TrainingSettings.Builder b) {
        if (input != null) {
            b.input(parseInput(input));
        }
        setIf(optimizer, b::optimizer); // without --lr: the optimiser's default rate (a resumed run: the saved one)
        setIf(model, b::model);
        setIf(data, b::data);
        setIf(epochs, b::epochs);
        setIf(batch, b::batch);
        setIf(lr, b::lr);
        setIf(momentum, b::momentum);
        setIf(seed, b::seed);
        setIf(valSplit, b::valSplit);
        setIf(out, b::out);
        if (limit != null) {
            b.limit(limit);
        }
        if (patience != null) {
            b.patience(patience);
        }
        return b;
    }

    private static <T> void setIf(T value, java.util.function.Consumer<T> setter) {
        if (value != null) {
            setter.accept(value);
        }
    }

    /** model.c4j → model.last.c4j. */
    static Path lastFile(Path out) {
        return TrainingSettings.lastFile(out);
    }

    /** "1x28x28" → [1, 28, 28]: a picture shape with 1 (grey) or 3 (RGB) channels. */
    static Shape parseInput(String text) {
        try {
            return Shape.parseGreyOrRgbPicture(text);
        } catch (IllegalArgumentException e) {
            throw new BadInputException("--input: " + e.getMessage());
        }
    }
}

package org.convnet4j.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Function;
import java.util.function.Supplier;
import org.convnet4j.cli.viz.Charts;
import org.convnet4j.data.Dataset;
import org.convnet4j.dataspec.DataSpec;
import org.convnet4j.model.Preprocessing;
import org.convnet4j.run.PerModel;
import org.convnet4j.run.ZooBenchmark;
import org.convnet4j.run.ZooModelSetup;
import org.convnet4j.run.ZooReport;
import org.convnet4j.tensor.Shape;
import org.convnet4j.zoo.ModelZoo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code convnet4j zoo-benchmark}: trains zoo models on Fashion-MNIST and tabulates accuracy, size and speed. */
@Command(name = "zoo-benchmark", mixinStandardHelpOptions = true, versionProvider = VersionInfo.class,
        sortOptions = false,
        header = "Train zoo models on Fashion-MNIST (or any --data) at CPU-friendly sizes; table of accuracy, parameters, MACs, time.",
        description = {
            "Trains each model from scratch (augmentation only with --augment; pixels standardised with the training set's mean and",
            "deviation, resized when the model needs a larger input; Adam or SGD with a cosine schedule), tests it on",
            "the test part of --data (Fashion-MNIST's test set by default) and writes OUT/zoo-results.md,",
            "OUT/zoo-results.json and OUT/zoo-accuracy.png (on the whole Fashion-MNIST, test accuracy next to the figures",
            "published in its README). The files are rewritten after",
            "every model, so an interrupted run keeps what it finished.",
            "",
            "Default sizes: lenet5 28x28 width 1; resnet* 28x28 width 0.25 with the CIFAR stem; vgg* 32x32 width 0.25",
            "with batch norm; googlenet 32x32 width 0.25 (torchvision layout, batch norm); alexnet 64x64 width 0.25",
            "(its 11x11/4 stem and three 3/2 pools need at least 63x63).",
            ""
        },
        footer = {"", "Examples:",
            "  convnet4j zoo-benchmark --epochs 2 --limit 10000 --out zoo",
            "  convnet4j zoo-benchmark --models resnet18 --width 0.125,resnet18=0.5 --test-every-epoch --epochs 5",
            "  convnet4j zoo-benchmark --models vgg16,alexnet --input vgg16=32,alexnet=64"})
public final class ZooBenchmarkCommand implements Callable<Integer> {
    static final String DEFAULT_MODELS = ZooBenchmark.DEFAULT_MODELS;

    @Spec
    CommandSpec spec;

    @Option(names = "--models", paramLabel = "M1,M2,...", description = "Zoo models to train. Default: " + DEFAULT_MODELS + ".")
    String models = DEFAULT_MODELS;

    @Option(names = "--epochs", paramLabel = "N|M=N,...", description = "Epochs for every model, per model "
            + "(vgg16=1) or both (3,vgg16=1). Default: 1.")
    String epochs = "1";

    @Option(names = "--data", paramLabel = "SPEC", description = DataSpec.DATA_HELP
            + " Fashion-MNIST: training set / test set; digits: 400 / 100 per class; a folder: 80%% / 20%% (seeded)."
            + " Default: ${DEFAULT-VALUE}.")
    String data = "fashion-mnist";

    @Option(names = "--picture", paramLabel = "CxHxW", description = "What the pictures are converted to before each"
            + " model's own resize (1 = grey, 3 = colour). Default: ${DEFAULT-VALUE}, the built-in data's own form;"
            + " e.g. 3x64x64 keeps a colour folder's colours.")
    String picture = "1x28x28";

    @Option(names = "--limit", paramLabel = "N|M=N,...", description = "Train on at most N training pictures per class"
            + " (a seeded choice, as --limit everywhere), for every model, per model or both (like --epochs)."
            + " Default: all (Fashion-MNIST: 6000 per class).")
    String limit;

    @Option(names = "--test-limit", paramLabel = "N", description = "Test on at most N test pictures per class. Default:"
            + " all (Fashion-MNIST: 1000 per class).")
    Integer testLimit;

    @Option(names = "--width", paramLabel = "W|M=W,...", description = "Width multiplier for every model (0.25), per "
            + "model (resnet18=0.5) or both (0.25,lenet5=1). Default: per model, see above.")
    String width;

    @Option(names = "--input", paramLabel = "S|M=S,...", description = "Square input size (32 or 32x32) for every "
            + "model, per model (alexnet=64) or both. Fashion-MNIST's 28x28 pictures are resized to it. Default: per "
            + "model, see above.")
    String input;

    @Option(names = "--batch", paramLabel = "B", description = "Batch size. Default: 64.")
    int batch = 64;

    @Option(names = "--optimizer", paramLabel = "adam|sgd", description = "adam, or sgd with Nesterov momentum 0.9. "
            + "Default: adam.")
    String optimizer = "adam";

    @Option(names = "--lr", paramLabel = "LR", description = "Peak learning rate (cosine schedule to 0). Default: 0.001 "
            + "for adam, 0.05 for sgd.")
    Double lr;

    @Option(names = "--seed", paramLabel = "S", description = "Seed of the weights and the data order. Default: 42.")
    long seed = 42;

    @Option(names = "--test-every-epoch", description = "Test after every epoch (accuracy-versus-epochs curve in the "
            + "JSON) instead of once at the end.")
    boolean testEveryEpoch;

    @Option(names = "--augment", description = "Augment the training pictures: random crop after padding by 2 "
            + "pixels, random left-right flip. Default: off.")
    boolean augment;

    @Option(names = {"-o", "--out"}, paramLabel = "DIR", description = "Output folder (created). Default: zoo-benchmark.")
    Path out = Path.of("zoo-benchmark");

    @Mixin
    DashboardOptions dashboard;

    @Override
    public Integer call() throws IOException {
        java.io.PrintWriter stdout = spec.commandLine().getOut();
        ZooBenchmark.Plan plan = plan();
        if (Files.exists(out) && !Files.isDirectory(out)) {
            throw new BadInputException("--out " + out + ": exists and is not a directory");
        }
        // a too-small input fails now, in milliseconds, rather than after the models before it have trained
        for (ZooModelSetup s : plan.setups()) {
            try {
                ModelZoo.build(s.model(), s.options(1, 10));
            } catch (IllegalArgumentException e) {
                throw new BadInputException(e.getMessage() + " (set it with --input " + s.model() + "=SIZE)", e);
            }
        }
        // the data is read (and any problem with it reported) before anything is written
        Shape pictureShape = option("--picture", () -> Shape.parseGreyOrRgbPicture(picture));
        DataSpec.Loaded loaded = DataSpec.of(data).trainAndTest(Preprocessing.forInput(pictureShape), seed);
        loaded.conversions().forEach(n -> stdout.println("converting: " + n));
        Files.createDirectories(out);

        Dataset test = testLimit == null ? loaded.test() : DataSpec.perClass(loaded.test(), testLimit, 42);
        ZooBenchmark.requireBatchFits(plan.setups(), loaded.train(), plan.training());
        // originalArgs() starts with the subcommand's own name
        Map<String, String> env = ZooBenchmark.environment("convnet4j " + String.join(" ",
                spec.commandLine().getParseResult().originalArgs()), data, loaded.train().numClasses());
        List<ZooBenchmark.Result> results;
        try (DashboardOptions.Session ui = dashboard.open(stdout)) {
            results = ZooBenchmark.run(plan, loaded.train(), test, line -> {
                stdout.println(line);
                stdout.flush();
            }, (model, testIn) -> ui.run("zoo-" + model, testIn), (latest, all) -> {
                env.put("load average at end", ZooBenchmark.loadAverage());
                ZooReport report = new ZooReport(data, all, plan.training(), env);
                report.write(out);
                Charts.bars(report.chart(), out.resolve(ZooReport.CHART));
            });
        }
        stdout.println();
        stdout.print(new ZooReport(data, results, plan.training(), env).markdown());
        stdout.printf("wrote %s, %s, %s%n", out.resolve(ZooReport.MARKDOWN), out.resolve(ZooReport.JSON),
                out.resolve(ZooReport.CHART));
        stdout.flush();
        return 0;
    }

    private ZooBenchmark.Plan plan() {
        try {
            String opt = option("--optimizer", () -> ZooBenchmark.Training.optimizerName(optimizer));
            double rate = lr != null ? lr : ZooBenchmark.Training.defaultLr(opt);
            if (!(rate > 0) || Double.isInfinite(rate)) {
                throw new BadInputException("--lr: must be a positive number, got " + rate);
            }
            positive("--batch", batch);
            if (testLimit != null) {
                positive("--test-limit", testLimit);
            }
            ZooBenchmark.Training training = new ZooBenchmark.Training(1, batch, opt, rate, seed, testEveryEpoch, augment);
            List<String> names = option("--models", () -> ZooBenchmark.models(models));
            PerModel<Double> widths = perModel("--width", width, PerModel::width, names);
            PerModel<Integer> sizes = perModel("--input", input, PerModel::squareSize, names);
            PerModel<Integer> epochCounts = perModel("--epochs", epochs, PerModel.count("epochs"), names);
            PerModel<Integer> limits = perModel("--limit", limit, PerModel.count("limit"), names);
            return new ZooBenchmark.Plan(ZooBenchmark.setups(names, widths, sizes), training, epochCounts, limits);
        } catch (IllegalArgumentException e) {
            throw new BadInputException(e.getMessage(), e);
        }
    }

    /** Parses one per-model option (null: none given) and checks that the models it names are being run. */
    private static <T> PerModel<T> perModel(String option, String text, Function<String, T> parser, List<String> models) {
        PerModel<T> values = text == null ? PerModel.none() : PerModel.parse(option, text, parser);
        option(option, () -> {
            values.requireNamedAmong(models);
            return null;
        });
        return values;
    }

    /** Runs {@code step}, prefixing the message of a refusal with the option's name. */
    private static <T> T option(String option, Supplier<T> step) {
        try {
            return step.get();
        } catch (IllegalArgumentException e) {
            throw new BadInputException(option + ": " + e.getMessage(), e);
        }
    }

    private static void positive(String option, int v) {
        if (v < 1) {
            throw new BadInputException(option + ": must be at least 1, got " + v);
        }
    }
}

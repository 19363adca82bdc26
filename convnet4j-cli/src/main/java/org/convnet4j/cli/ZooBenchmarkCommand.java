package org.convnet4j.cli;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import org.convnet4j.cli.zoo.ModelSetup;
import org.convnet4j.cli.zoo.PerModel;
import org.convnet4j.cli.zoo.ZooBenchmark;
import org.convnet4j.cli.zoo.ZooReport;
import org.convnet4j.data.Dataset;
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
    static final String DEFAULT_MODELS = "lenet5,alexnet,vgg16,resnet18,googlenet";

    @Spec
    CommandSpec spec;

    @Option(names = "--models", paramLabel = "M1,M2,...", description = "Zoo models to train. Default: " + DEFAULT_MODELS + ".")
    String models = DEFAULT_MODELS;

    @Option(names = "--epochs", paramLabel = "N|M=N,...", description = "Epochs for every model, per model "
            + "(vgg16=1) or both (3,vgg16=1). Default: 1.")
    String epochs = "1";

    @Option(names = "--data", paramLabel = "SPEC", description = org.convnet4j.dataspec.DataSpec.DATA_HELP
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

    private PerModel<Integer> epochCounts;
    private PerModel<Integer> limits;

    @Override
    public Integer call() throws IOException {
        java.io.PrintWriter stdout = spec.commandLine().getOut();
        ZooBenchmark.Training training = training();
        List<ModelSetup> setups = setups();
        if (Files.exists(out) && !Files.isDirectory(out)) {
            throw new BadInputException("--out " + out + ": exists and is not a directory");
        }
        // a too-small input fails now, in milliseconds, rather than after the models before it have trained
        for (ModelSetup s : setups) {
            try {
                ModelZoo.build(s.model(), s.options(1, 10));
            } catch (IllegalArgumentException e) {
                throw new BadInputException(e.getMessage() + " (set it with --input " + s.model() + "=SIZE)", e);
            }
        }
        // the data is read (and any problem with it reported) before anything is written
        org.convnet4j.tensor.Shape pictureShape;
        try {
            pictureShape = org.convnet4j.tensor.Shape.parsePicture(picture);
        } catch (IllegalArgumentException e) {
            throw new BadInputException("--picture: " + e.getMessage());
        }
        if (pictureShape.dim(0) != 1 && pictureShape.dim(0) != 3) {
            throw new BadInputException("--picture: pictures have 1 (grey) or 3 (RGB) channels, not " + pictureShape.dim(0));
        }
        org.convnet4j.dataspec.DataSpec.Loaded loaded = org.convnet4j.dataspec.DataSpec.of(data)
                .trainAndTest(org.convnet4j.model.Preprocessing.forInput(pictureShape), seed);
        loaded.conversions().forEach(n -> stdout.println("converting: " + n));
        Files.createDirectories(out);

        Dataset allTrain = loaded.train();
        Dataset test = loaded.test();
        if (testLimit != null) {
            test = org.convnet4j.dataspec.DataSpec.perClass(test, testLimit, 42);
        }
        ZooBenchmark.requireBatchFits(setups, allTrain, training);
        Map<String, String> env = new LinkedHashMap<>();
        // originalArgs() starts with the subcommand's own name
        env.put("command", "convnet4j " + String.join(" ", spec.commandLine().getParseResult().originalArgs()));
        env.put("data", data + " (" + allTrain.numClasses() + " classes)");
        env.put("processors", Integer.toString(Runtime.getRuntime().availableProcessors()));
        env.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
        env.put("os", System.getProperty("os.name") + " " + System.getProperty("os.arch"));
        env.put("load average at start", load());

        List<ZooBenchmark.Result> results = new ArrayList<>();
        DashboardOptions.Session ui = dashboard.open(stdout);
        for (ModelSetup s : setups) {
            int modelEpochs = epochCounts.get(s.model(), 1);
            Integer modelLimit = limits.get(s.model(), null);
            Dataset train = modelLimit == null ? allTrain
                    : org.convnet4j.dataspec.DataSpec.perClass(allTrain, modelLimit, seed);
            stdout.printf(Locale.ROOT, "%s: %dx%d, width %s, %d training and %d test images, %d epoch(s)%n", s.model(),
                    s.size(), s.size(), s.width(), train.size(), test.size(), modelEpochs);
            stdout.flush();
            ZooBenchmark.Result r = ZooBenchmark.run(s, train, test, training.withEpochs(modelEpochs), line -> {
                stdout.println(line);
                stdout.flush();
            }, testIn -> ui.run("zoo-" + s.model(), testIn));
            results.add(r);
            stdout.printf(Locale.ROOT, "  %s: test accuracy %.4f, %.1f s per epoch%n", s.model(), r.testAccuracy(),
                    r.secondsPerEpoch());
            env.put("load average at end", load());
            new ZooReport(data, results, training, env).write(out);
        }
        ui.close();
        stdout.println();
        stdout.print(new ZooReport(data, results, training, env).markdown());
        stdout.printf("wrote %s, %s, %s%n", out.resolve(ZooReport.MARKDOWN), out.resolve(ZooReport.JSON),
                out.resolve(ZooReport.CHART));
        stdout.flush();
        return 0;
    }

    private ZooBenchmark.Training training() {
        String opt = optimizer.trim().toLowerCase(Locale.ROOT);
        if (!opt.equals("adam") && !opt.equals("sgd")) {
            throw new BadInputException("--optimizer: '" + optimizer + "' is not adam or sgd");
        }
        double rate = lr != null ? lr : opt.equals("sgd") ? 0.05 : 0.001;
        if (!(rate > 0) || Double.isInfinite(rate)) {
            throw new BadInputException("--lr: must be a positive number, got " + rate);
        }
        positive("--batch", batch);
        if (testLimit != null) {
            positive("--test-limit", testLimit);
        }
        return new ZooBenchmark.Training(1, batch, opt, rate, seed, testEveryEpoch, augment);
    }

    private List<ModelSetup> setups() {
        Set<String> names = new LinkedHashSet<>();
        for (String raw : models.split(",")) {
            String m = raw.trim().toLowerCase(Locale.ROOT);
            if (m.isEmpty()) {
                continue;
            }
            if (!ModelZoo.contains(m)) {
                throw new BadInputException("--models: unknown model '" + raw.trim() + "'; known: "
                        + String.join(", ", ModelZoo.names()));
            }
            names.add(m);
        }
        if (names.isEmpty()) {
            throw new BadInputException("--models: no model given");
        }
        PerModel<Double> widths;
        PerModel<Integer> sizes;
        try {
            widths = width == null ? PerModel.none() : PerModel.parse("--width", width, ZooBenchmarkCommand::parseWidth);
            sizes = input == null ? PerModel.none() : PerModel.parse("--input", input, ZooBenchmarkCommand::parseSize);
            epochCounts = PerModel.parse("--epochs", epochs, v -> parseCount("epochs", v));
            limits = limit == null ? PerModel.none() : PerModel.parse("--limit", limit, v -> parseCount("limit", v));
        } catch (IllegalArgumentException e) {
            throw new BadInputException(e.getMessage(), e);
        }
        checkNamed("--width", widths, names);
        checkNamed("--input", sizes, names);
        checkNamed("--epochs", epochCounts, names);
        checkNamed("--limit", limits, names);
        List<ModelSetup> setups = new ArrayList<>();
        for (String m : names) {
            ModelSetup d = ModelSetup.defaults(m);
            setups.add(new ModelSetup(m, sizes.get(m, d.size()), widths.get(m, d.width())));
        }
        return setups;
    }

    private static void checkNamed(String option, PerModel<?> values, Set<String> models) {
        for (String named : values.namedModels()) {
            if (!models.contains(named)) {
                throw new BadInputException(option + ": '" + named + "' is not one of the models being run ("
                        + String.join(", ", models) + ")");
            }
        }
    }

    static int parseCount(String what, String s) {
        int n;
        try {
            n = Integer.parseInt(s);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + s + "' is not a whole number");
        }
        if (n < 1) {
            throw new IllegalArgumentException(what + " must be at least 1, got " + n);
        }
        return n;
    }

    static double parseWidth(String s) {
        double w;
        try {
            w = Double.parseDouble(s);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + s + "' is not a number");
        }
        if (!(w > 0) || Double.isInfinite(w)) {
            throw new IllegalArgumentException("width " + s + " must be a positive number");
        }
        return w;
    }

    /** "32" or "32x32" (square only: the zoo builds square inputs here). */
    static int parseSize(String s) {
        String[] parts = s.toLowerCase(Locale.ROOT).split("x");
        try {
            int h = Integer.parseInt(parts[0].trim());
            if (parts.length > 2 || parts.length == 2 && Integer.parseInt(parts[1].trim()) != h) {
                throw new IllegalArgumentException("'" + s + "': give one size (32) or a square one (32x32)");
            }
            if (h < 1) {
                throw new IllegalArgumentException("size " + s + " must be at least 1");
            }
            return h;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + s + "' is not a size such as 32 or 32x32");
        }
    }

    private static void positive(String option, int v) {
        if (v < 1) {
            throw new BadInputException(option + ": must be at least 1, got " + v);
        }
    }

    private static String load() {
        double l = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        return l < 0 ? "unknown" : String.format(Locale.ROOT, "%.2f (1-minute)", l);
    }
}

package org.convnet4j.cli;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.convnet4j.cli.viz.Charts;
import org.convnet4j.fusion.Corruption;
import org.convnet4j.fusion.FusionClassifier;
import org.convnet4j.fusion.FusionSources;
import org.convnet4j.fusion.Join;
import org.convnet4j.fusion.MultiInputDataset;
import org.convnet4j.fusion.PairedFolders;
import org.convnet4j.model.ModelFiles;
import org.convnet4j.model.SavedModel;
import org.convnet4j.nn.Graph;
import org.convnet4j.nn.layers.DecisionFusion;
import org.convnet4j.run.FusionBranches;
import org.convnet4j.run.FusionRun;
import org.convnet4j.train.ConfusionMatrix;
import org.convnet4j.train.LogListener;
import org.convnet4j.train.Metrics;
import org.convnet4j.train.Trainer;
import org.convnet4j.train.TrainingListener;
import org.convnet4j.train.loss.SoftmaxCrossEntropy;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Trains (or evaluates) a model fusing several inputs: early, intermediate or late fusion. */
@Command(name = "fuse", mixinStandardHelpOptions = true, versionProvider = VersionInfo.class, sortOptions = false,
        header = "Fuse several inputs (modalities): early, intermediate or late fusion; train, save, evaluate.",
        description = {
            "early: the inputs are stacked as channels and one network (--branch) learns from them. intermediate: each "
                + "input has its own branch (--branch, cut after --join-at), the features are joined (--join) and shared "
                + "layers and a head follow; trained end to end. late: one model per input is trained on its own, then "
                + "their probabilities are combined (--combine); 'weighted' fits member weights and 'stack' a logistic "
                + "regression on a fitting split (--fit-split of the training part), never on the validation split.",
            "A fraction of the data (--val-split) is held out and the validation accuracy reported. --evaluate FILE "
                + "measures a saved fusion model instead (Fashion-MNIST sources then use the test set); --corrupt "
                + "NAME=noise:STD|zeros damages one input to test robustness.",
            ""
        },
        footer = {
            "",
            "Examples:",
            "  convnet4j fuse --mode intermediate --inputs fashion-mnist-sobel --join-at pool2 --epochs 2 --out inter.c4j",
            "  convnet4j fuse --mode late --inputs pixels=fashion-mnist,edges=fashion-mnist:sobel --combine stack --out late.c4j",
            "  convnet4j fuse --mode early --inputs rgb=data/rgb,depth=data/depth --resize 64x64 --out early.c4j",
            "  convnet4j fuse --evaluate inter.c4j --inputs fashion-mnist-sobel --corrupt pixels=zeros --json"
        })
final class FuseCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--mode", paramLabel = "early|intermediate|late", description = "Fusion mode (training).")
    String mode;

    @Option(names = "--inputs", required = true, paramLabel = "NAME=SRC,...", description = "The inputs: NAME=DIR "
            + "(folders paired by class and file name), NAME=fashion-mnist[:CLASSES] or NAME=opencv-digits[:CLASSES] "
            + "(the pictures), the same followed by :sobel (their Sobel edges, e.g. fashion-mnist:5-9:sobel), or the "
            + "shorthand fashion-mnist-sobel (pixels + edges).")
    String inputs;

    @Option(names = "--branch", paramLabel = "MODEL|NAME=MODEL,...", description = "Network per input (intermediate, "
            + "late) or for the stacked input (early): small-cnn (default), a zoo name (lenet5), or a model file "
            + "(pretrained; intermediate and late). NAME=MODEL pairs give one per input.")
    String branch;

    @Option(names = "--join-at", paramLabel = "LAYER|NAME=LAYER,...", description = "Intermediate: the layer each "
            + "branch is cut after. Default: pool2 for small-cnn, the whole model otherwise.")
    String joinAt;

    @Option(names = "--join", paramLabel = "concat|sum|weighted", defaultValue = "concat",
            description = "Intermediate: how branch features are joined. Default: ${DEFAULT-VALUE}.")
    String join;

    @Option(names = "--freeze-branches", description = "Intermediate: keep the branches' (pretrained) weights fixed.")
    boolean freezeBranches;

    @Option(names = "--combine", paramLabel = "mean|weighted|max|product|vote|stack", defaultValue = "mean",
            description = "Late: how member probabilities are combined. Default: ${DEFAULT-VALUE}.")
    String combine;

    @Option(names = "--fit-split", paramLabel = "F", defaultValue = "0.15", description = "Late weighted/stack: "
            + "fraction of the training part kept from the members to fit the combiner. Default: ${DEFAULT-VALUE}.")
    double fitSplit;

    @Option(names = "--resize", paramLabel = "HxW", description = "Resample every input to HxW (needed by early fusion "
            + "of inputs of different sizes).")
    String resize;

    @Option(names = "--on-missing", paramLabel = "skip|fail", defaultValue = "fail", description = "Folders: a "
            + "sample missing in some input is skipped (and reported) or fatal. Default: ${DEFAULT-VALUE}.")
    String onMissing;

    @Option(names = "--epochs", paramLabel = "N", defaultValue = "3", description = "Default: ${DEFAULT-VALUE}.")
    int epochs;

    @Option(names = "--batch", paramLabel = "B", defaultValue = "64", description = "Default: ${DEFAULT-VALUE}.")
    int batch;

    @Option(names = "--lr", paramLabel = "LR", defaultValue = "0.002", description = "Adam learning rate. Default: ${DEFAULT-VALUE}.")
    double lr;

    @Option(names = "--limit", paramLabel = "N", description = org.convnet4j.dataspec.DataSpec.LIMIT_HELP)
    Integer limit;

    @Option(names = "--val-split", paramLabel = "F", defaultValue = "0.1", description = "Held-out fraction. Default: ${DEFAULT-VALUE}.")
    double valSplit;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "42", description = "Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = {"-o", "--out"}, paramLabel = "FILE", description = "Model file to write (training).")
    Path out;

    @Option(names = "--evaluate", paramLabel = "FILE", description = "Evaluate this saved fusion model on --inputs.")
    Path evaluate;

    @Option(names = "--corrupt", paramLabel = "NAME=noise:STD|zeros", description = "With --evaluate: corrupt one input.")
    String corrupt;

    @Option(names = "--plots", paramLabel = "DIR", description = "Write the validation confusion matrix heat map to "
            + "DIR/confusion-matrix.png (training) or of the test data (--evaluate).")
    Path plots;

    @Option(names = "--json", description = "Print the final metrics as one JSON object.")
    boolean json;

    @Mixin
    DashboardOptions dashboard;
    private DashboardOptions.Session ui;

    @Override
    public Integer call() throws Exception {
        PrintWriter stdout = spec.commandLine().getOut();
        PrintWriter stderr = spec.commandLine().getErr();
        try (DashboardOptions.Session session = dashboard.open(stdout)) {
            ui = session;
            return evaluate != null ? runEvaluate(stdout, stderr) : runTraining(stdout, stderr);
        } catch (IllegalArgumentException e) {
            throw new BadInputException(e.getMessage(), e);
        }
    }

    private Integer runTraining(PrintWriter stdout, PrintWriter stderr) throws Exception {
        if (mode == null || out == null) {
            throw new BadInputException("fuse: training needs --mode early|intermediate|late and --out FILE "
                    + "(or --evaluate FILE)");
        }
        if (out.toAbsolutePath().getParent() != null && !Files.isDirectory(out.toAbsolutePath().getParent())) {
            throw new BadInputException("--out " + out + ": the directory does not exist");
        }
        FusionRun.Settings settings = new FusionRun.Settings(mode, Join.parse(join), freezeBranches,
                DecisionFusion.Mode.parse(combine), fitSplit, epochs, batch, lr, valSplit, seed);
        FusionSources in = option("--inputs", () -> FusionSources.parse(inputs));
        int[] size = option("--resize", () -> FusionSources.parseResize(resize));
        PairedFolders.OnMissing missing = option("--on-missing", () -> PairedFolders.OnMissing.parse(onMissing));
        MultiInputDataset all = option("--inputs", () -> in.load(FusionSources.Part.TRAIN, limit, size, missing,
                stderr::println));
        PrintWriter log = json ? stderr : stdout;
        log.printf(Locale.ROOT, "%s fusion of %s: %d classes%n", settings.mode(), all.shapesByName(), all.numClasses());
        // several fits (late fusion: one per member) in one run log; the fused model's confusion matrix at the end
        TrainingListener dashboardRun = ui.run("fuse-" + settings.mode(), null);
        FusionRun.Result r = FusionRun.train(all, settings, new FusionBranches(branch, joinAt),
                new LogListener(new PrintStream(new WriterOutputStream(log), true, StandardCharsets.UTF_8)), dashboardRun);
        ConfusionMatrix cm = r.validation().confusion();
        ui.confusion(dashboardRun, cm, r.validationSamples());
        r.memberAccuracy().forEach((name, acc) ->
                log.printf(Locale.ROOT, "member '%s' alone: validation accuracy %.4f%n", name, acc));
        if (r.memberWeights() != null) {
            log.println("fitted member weights " + Arrays.toString(r.memberWeights()) + " for " + r.memberAccuracy().keySet());
        }
        FusionClassifier.save(r.model(), out, settings.mode(), in.sources());
        Path png = plots == null ? null : Charts.confusionMatrix(cm, plots);
        if (json) {
            stdout.println(new FusionRun.Report(settings, in.sources(), r, out, png).toJson());
        } else {
            stdout.printf(Locale.ROOT, "validation accuracy %.4f (loss %.4f) on %d samples; wrote %s; %.1f s%n%n",
                    r.validation().accuracy(), r.validation().loss(), r.validationSamples(), out, r.seconds());
            stdout.print(cm);
            if (png != null) {
                stdout.println("wrote " + png);
            }
        }
        return 0;
    }

    private Integer runEvaluate(PrintWriter stdout, PrintWriter stderr) throws Exception {
        SavedModel saved = ModelFiles.read(evaluate);
        if (!FusionClassifier.isMultiInput(saved)) {
            throw new BadInputException(evaluate + ": not a multi-input model (use 'convnet4j evaluate' for it)");
        }
        Graph g = (Graph) saved.model();
        FusionSources in = option("--inputs", () -> FusionSources.parse(inputs));
        int[] size = option("--resize", () -> FusionSources.parseResize(resize));
        PairedFolders.OnMissing missing = option("--on-missing", () -> PairedFolders.OnMissing.parse(onMissing));
        MultiInputDataset data = option("--inputs", () -> in.loadFor(g, evaluate.toString(), limit, size, missing,
                stderr::println));
        String corruptionLabel = "none";
        if (corrupt != null) {
            Corruption.Named c = option("--corrupt", () -> Corruption.parseNamed(corrupt));
            data = data.corrupted(c.input(), c.corruption());
            corruptionLabel = c.label();
        }
        Metrics m = Trainer.evaluate(g, data, 256, new SoftmaxCrossEntropy());
        if (plots != null) {
            Charts.confusionMatrix(m.confusion(), plots);
        }
        if (json) {
            stdout.println(new FusionRun.Evaluation(evaluate.toString(), data.size(), corruptionLabel, m).toJson());
        } else {
            stdout.printf(Locale.ROOT, "%s on %d samples (corruption: %s): accuracy %.4f, loss %.4f%n%n", evaluate,
                    data.size(), corruptionLabel, m.accuracy(), m.loss());
            stdout.print(m.confusion());
        }
        return 0;
    }

    /** A step whose IllegalArgumentException names what {@code option} gave; the message gets the option's name. */
    @FunctionalInterface
    interface Step<T> {
        T run() throws java.io.IOException;
    }

    static <T> T option(String option, Step<T> step) throws java.io.IOException {
        try {
            return step.run();
        } catch (IllegalArgumentException e) {
            throw new BadInputException(option + ": " + e.getMessage(), e);
        }
    }
}

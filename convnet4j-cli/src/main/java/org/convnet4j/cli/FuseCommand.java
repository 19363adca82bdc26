package org.convnet4j.cli;

import com.google.gson.JsonObject;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.convnet4j.checkpoint.Json;
import org.convnet4j.cli.fusion.FusionInputs;
import org.convnet4j.cli.fusion.FusionModels;
import org.convnet4j.fusion.Corruption;
import org.convnet4j.fusion.EarlyFusion;
import org.convnet4j.fusion.FusionNets;
import org.convnet4j.fusion.IntermediateFusion;
import org.convnet4j.fusion.Join;
import org.convnet4j.fusion.LateFusion;
import org.convnet4j.fusion.MultiInputDataset;
import org.convnet4j.fusion.PairedFolders;
import org.convnet4j.model.ModelFiles;
import org.convnet4j.model.SavedModel;
import org.convnet4j.nn.Graph;
import org.convnet4j.nn.Model;
import org.convnet4j.nn.layers.DecisionFusion;
import org.convnet4j.tensor.Shape;
import org.convnet4j.train.LogListener;
import org.convnet4j.train.Metrics;
import org.convnet4j.train.TrainConfig;
import org.convnet4j.train.Trainer;
import org.convnet4j.train.loss.SoftmaxCrossEntropy;
import org.convnet4j.train.optim.Adam;
import org.convnet4j.zoo.ModelZoo;
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
            + "(folders paired by class and file name), NAME=fashion-mnist, NAME=fashion-mnist:sobel, or the shorthand "
            + "fashion-mnist-sobel (pixels + edges).")
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

    @Option(names = "--limit", paramLabel = "N", description = "Use only the first N samples.")
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
        if (epochs < 1 || batch < 1 || !(valSplit > 0 && valSplit < 1)) {
            throw new BadInputException("--epochs and --batch must be at least 1, --val-split between 0 and 1");
        }
        if (out.toAbsolutePath().getParent() != null && !Files.isDirectory(out.toAbsolutePath().getParent())) {
            throw new BadInputException("--out " + out + ": the directory does not exist");
        }
        if (!List.of("early", "intermediate", "late").contains(mode.toLowerCase(Locale.ROOT))) {
            throw new BadInputException("--mode: '" + mode + "' is not early, intermediate or late");
        }
        Join.parse(join);
        DecisionFusion.Mode.parse(combine);
        FusionInputs in = FusionInputs.parse(inputs);
        MultiInputDataset all = in.load(false, limit, parseSize(resize), parseOnMissing(), stderr);
        MultiInputDataset.Split split = all.split(valSplit, seed);
        PrintWriter log = json ? stderr : stdout;
        log.printf(Locale.ROOT, "%s fusion of %s: %d training, %d validation samples, %d classes%n", mode,
                all.shapesByName(), split.train().size(), split.validation().size(), all.numClasses());
        long start = System.nanoTime();
        JsonObject result = new JsonObject();
        Graph model;
        switch (mode.toLowerCase(Locale.ROOT)) {
            case "early" -> {
                String net = branchFor(null);
                model = EarlyFusion.build(all.shapesByName(), s -> network(net, s, all.numClasses(), null));
                model.initialize(seed);
                train(model, split.train(), split.validation(), log);
            }
            case "intermediate" -> {
                IntermediateFusion.Builder b = IntermediateFusion.builder(all.numClasses()).join(Join.parse(join));
                for (Map.Entry<String, Shape> e : all.shapesByName().entrySet()) {
                    String net = branchFor(e.getKey());
                    b.branch(e.getKey(), network(net, e.getValue(), all.numClasses(), e.getKey()),
                            joinAtFor(e.getKey(), net), freezeBranches);
                }
                model = b.build();
                model.initialize(seed);
                reloadPretrained(model, all);
                train(model, split.train(), split.validation(), log);
            }
            case "late" -> {
                DecisionFusion.Mode how = DecisionFusion.Mode.parse(combine);
                boolean fits = how == DecisionFusion.Mode.WEIGHTED || how == DecisionFusion.Mode.STACK;
                MultiInputDataset memberData = split.train();
                MultiInputDataset fitData = null;
                if (fits) {
                    MultiInputDataset.Split s2 = split.train().split(fitSplit, seed + 1);
                    memberData = s2.train();
                    fitData = s2.validation();
                }
                Map<String, Model> members = new LinkedHashMap<>();
                JsonObject memberAcc = new JsonObject();
                for (Map.Entry<String, Shape> e : all.shapesByName().entrySet()) {
                    String name = e.getKey();
                    Model m = network(branchFor(name), e.getValue(), all.numClasses(), name);
                    m.setClassNames(all.classNames());
                    log.printf(Locale.ROOT, "member '%s':%n", name);
                    if (!isFile(branchFor(name))) {
                        m.initialize(seed);
                        train(m, memberData.input(name), split.validation().input(name), log);
                    }
                    double acc = Trainer.evaluate(m, split.validation().input(name), 256).accuracy();
                    memberAcc.addProperty(name, acc);
                    log.printf(Locale.ROOT, "member '%s' alone: validation accuracy %.4f%n", name, acc);
                    members.put(name, m);
                }
                model = fits ? LateFusion.fit(members, fitData, how) : LateFusion.build(members, how);
                DecisionFusion comb = (DecisionFusion) model.node("fusion").layer();
                if (comb.weights() != null) {
                    log.println("fitted member weights " + java.util.Arrays.toString(comb.weights()) + " for "
                            + members.keySet());
                }
                result.add("member_val_accuracy", memberAcc);
                result.addProperty("combine", how.id());
            }
            default -> throw new BadInputException("--mode: '" + mode + "' is not early, intermediate or late");
        }
        model.setClassNames(all.classNames());
        Metrics val = Trainer.evaluate(model, split.validation(), 256, new SoftmaxCrossEntropy());
        double seconds = (System.nanoTime() - start) / 1e9;
        JsonObject fusion = new JsonObject();
        fusion.addProperty("mode", mode.toLowerCase(Locale.ROOT));
        fusion.add("inputs", Json.toTree(in.sources()));
        ModelFiles.save(model, out, null, wrap(FusionModels.KEY, fusion));
        result.addProperty("mode", mode.toLowerCase(Locale.ROOT));
        result.add("inputs", Json.toTree(in.sources()));
        result.addProperty("train_samples", split.train().size());
        result.addProperty("val_samples", split.validation().size());
        result.addProperty("epochs", epochs);
        result.addProperty("val_accuracy", val.accuracy());
        result.addProperty("val_loss", val.loss());
        result.addProperty("seconds", seconds);
        result.addProperty("out", out.toString());
        if (json) {
            stdout.println(Json.toCompact(result));
        } else {
            stdout.printf(Locale.ROOT, "validation accuracy %.4f (loss %.4f) on %d samples; wrote %s; %.1f s%n",
                    val.accuracy(), val.loss(), split.validation().size(), out, seconds);
        }
        return 0;
    }

    private Integer runEvaluate(PrintWriter stdout, PrintWriter stderr) throws Exception {
        SavedModel saved = ModelFiles.read(evaluate);
        Graph g = FusionModels.multiInput(saved);
        if (g == null) {
            throw new BadInputException(evaluate + ": not a multi-input model (use 'convnet4j evaluate' for it)");
        }
        MultiInputDataset data = FusionModels.testData(g, evaluate.toString(), FusionInputs.parse(inputs), limit,
                parseSize(resize), parseOnMissing(), stderr);
        String corruptionLabel = "none";
        if (corrupt != null) {
            int eq = corrupt.indexOf('=');
            if (eq <= 0) {
                throw new BadInputException("--corrupt: give NAME=noise:STD or NAME=zeros, got '" + corrupt + "'");
            }
            Corruption c = parseCorruption(corrupt.substring(eq + 1));
            data = data.corrupted(corrupt.substring(0, eq), c);
            corruptionLabel = corrupt.substring(0, eq) + " " + c.label();
        }
        Metrics m = Trainer.evaluate(g, data, 256, new SoftmaxCrossEntropy());
        if (json) {
            JsonObject o = m.toJson();
            o.addProperty("model", evaluate.toString());
            o.addProperty("samples", data.size());
            o.addProperty("corruption", corruptionLabel);
            stdout.println(Json.toCompact(o));
        } else {
            stdout.printf(Locale.ROOT, "%s on %d samples (corruption: %s): accuracy %.4f, loss %.4f%n%n", evaluate,
                    data.size(), corruptionLabel, m.accuracy(), m.loss());
            stdout.print(m.confusion());
        }
        return 0;
    }

    static Corruption parseCorruption(String s) {
        if (s.equalsIgnoreCase("zeros")) {
            return Corruption.zeros();
        }
        if (s.toLowerCase(Locale.ROOT).startsWith("noise:")) {
            try {
                return Corruption.gaussianNoise(Double.parseDouble(s.substring(6)), 7);
            } catch (NumberFormatException e) {
                throw new BadInputException("--corrupt: '" + s + "': the noise level must be a number");
            }
        }
        throw new BadInputException("--corrupt: '" + s + "' is not noise:STD or zeros");
    }

    /** Trains from the current weights (callers initialise; pretrained branches keep theirs). */
    private void train(Model m, org.convnet4j.data.Dataset train, org.convnet4j.data.Dataset val, PrintWriter log) {
        TrainConfig cfg = TrainConfig.builder(new Adam(m, lr)).epochs(epochs).batchSize(batch).seed(seed).build();
        new Trainer(cfg).addListener(new LogListener(new PrintStream(new WriterOutputStream(log), true,
                StandardCharsets.UTF_8))).addListener(ui.run("fuse-" + mode, val)).fit(m, train, val);
    }

    /** Pretrained branch files lose their weights to initialize(seed): load them again. */
    private void reloadPretrained(Graph model, MultiInputDataset all) throws java.io.IOException {
        for (String name : all.inputNames()) {
            String net = branchFor(name);
            if (isFile(net)) {
                Model pre = ModelFiles.load(Path.of(net));
                Map<String, org.convnet4j.nn.Parameter> target = model.namedParameters();
                pre.namedParameters().forEach((k, p) -> {
                    org.convnet4j.nn.Parameter t = target.get(name + "_branch." + k);
                    if (t != null) {
                        t.load(p.value());
                    }
                });
            }
        }
    }

    private Model network(String net, Shape input, int classes, String inputName) {
        if (isFile(net)) {
            try {
                Model m = ModelFiles.load(Path.of(net));
                if (!m.inputShapes().equals(List.of(input))) {
                    throw new BadInputException("--branch " + net + " takes " + m.inputShapes() + " but input '"
                            + inputName + "' is " + input);
                }
                return m;
            } catch (java.io.IOException e) {
                throw new BadInputException("--branch " + net + ": " + e.getMessage(), e);
            }
        }
        if (net.equals(FusionNets.SMALL_CNN)) {
            return FusionNets.smallCnn(input, classes);
        }
        if (!ModelZoo.contains(net)) {
            throw new BadInputException("--branch: '" + net + "' is not " + FusionNets.SMALL_CNN + ", a zoo model "
                    + ModelZoo.names() + " or a model file");
        }
        return ModelZoo.build(net, input, classes);
    }

    private static boolean isFile(String net) {
        return net.endsWith(".c4j") || Files.isRegularFile(Path.of(net));
    }

    private String branchFor(String input) {
        String v = perInput(branch, input, "--branch");
        return v == null ? FusionNets.SMALL_CNN : v;
    }

    private String joinAtFor(String input, String net) {
        String v = perInput(joinAt, input, "--join-at");
        if (v == null && net.equals(FusionNets.SMALL_CNN)) {
            return "pool2";
        }
        return v;
    }

    /** VALUE, or the value of NAME=VALUE pairs for {@code input}. */
    private static String perInput(String spec, String input, String option) {
        if (spec == null) {
            return null;
        }
        if (!spec.contains("=")) {
            return spec;
        }
        for (String part : spec.split(",")) {
            int eq = part.indexOf('=');
            if (eq > 0 && part.substring(0, eq).trim().equals(input)) {
                return part.substring(eq + 1).trim();
            }
        }
        if (input == null) {
            throw new BadInputException(option + ": early fusion has one network; give a single value");
        }
        return null;
    }

    private PairedFolders.OnMissing parseOnMissing() {
        return switch (onMissing.toLowerCase(Locale.ROOT)) {
            case "skip" -> PairedFolders.OnMissing.SKIP;
            case "fail" -> PairedFolders.OnMissing.FAIL;
            default -> throw new BadInputException("--on-missing: '" + onMissing + "' is not skip or fail");
        };
    }

    static int[] parseSize(String s) {
        if (s == null) {
            return null;
        }
        String[] p = s.toLowerCase(Locale.ROOT).split("x");
        try {
            if (p.length == 2) {
                int h = Integer.parseInt(p[0].trim());
                int w = Integer.parseInt(p[1].trim());
                if (h >= 1 && w >= 1 && (long) h * w <= 16_777_216L) {
                    return new int[] {h, w};
                }
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new BadInputException("--resize: '" + s + "' is not HxW with positive sizes (e.g. 64x64)");
    }

    private static JsonObject wrap(String key, JsonObject value) {
        JsonObject o = new JsonObject();
        o.add(key, value);
        return o;
    }
}

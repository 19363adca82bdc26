package org.convnet4j.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.convnet4j.charts.Charts;
import org.convnet4j.fusion.Corruption;
import org.convnet4j.fusion.FusionClassifier;
import org.convnet4j.fusion.FusionSources;
import org.convnet4j.fusion.MultiInputDataset;
import org.convnet4j.fusion.PairedFolders;
import org.convnet4j.model.ModelFiles;
import org.convnet4j.model.SavedModel;
import org.convnet4j.nn.Graph;
import org.convnet4j.run.FusionBranches;
import org.convnet4j.run.FusionRun;
import org.convnet4j.run.TrainedOn;
import org.convnet4j.train.ConfusionMatrix;
import org.convnet4j.train.LogListener;
import org.convnet4j.train.TrainingListener;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Trains (or evaluates) a model fusing several inputs: early, intermediate or late fusion. */
@Command(name = "fuse", resourceBundle = "org.convnet4j.cli.help.fuse", sortOptions = false)
final class FuseCommand extends CliCommand {
    @Option(names = "--inputs", required = true, paramLabel = "NAME=SRC,...")
    String inputs;

    @Mixin
    FusionOptions training;

    @Option(names = "--resize", paramLabel = "HxW")
    String resize;

    @Option(names = "--on-missing", paramLabel = "skip|fail", defaultValue = "fail")
    String onMissing;

    @Mixin
    LimitOption limit;

    @Option(names = {"-o", "--out"}, paramLabel = "FILE", converter = Converters.ModelFile.class)
    Path out;

    @Option(names = "--evaluate", paramLabel = "FILE")
    Path evaluate;

    @Option(names = "--corrupt", paramLabel = "NAME=noise:STD|zeros")
    String corrupt;

    @Option(names = "--plots", paramLabel = "DIR")
    Path plots;

    @Mixin
    JsonOption json;

    @Mixin
    DashboardOptions dashboard;
    private DashboardOptions.Session ui;

    @Override
    public Integer call() throws Exception {
        try (DashboardOptions.Session session = dashboard.open(out())) {
            ui = session;
            return evaluate != null ? runEvaluate() : runTraining();
        }
    }

    private Integer runTraining() throws Exception {
        if (training.mode == null || out == null) {
            throw new BadInputException("fuse: training needs --mode early|intermediate|late and --out FILE "
                    + "(or --evaluate FILE)");
        }
        if (out.toAbsolutePath().getParent() != null && !Files.isDirectory(out.toAbsolutePath().getParent())) {
            throw new BadInputException("--out " + out + ": the directory does not exist");
        }
        FusionRun.Settings settings = training.settings();
        FusionSources in = BadInputException.prefixed("--inputs: ", () -> FusionSources.parse(inputs));
        FusionBranches branches = training.branches();
        // a pretrained branch takes the shape it was trained on: its input's pictures are converted to it
        java.util.Map<String, org.convnet4j.tensor.Shape> fixed = branches.inputShapes(settings, in.sources().keySet());
        // early fusion's one pretrained network fixes the size every input is read at
        int[] at = branches.resizeFor(settings, BadInputException.prefixed("--resize: ",
                () -> FusionSources.parseResize(resize)), err()::println);
        MultiInputDataset all = load(in, (size, missing) -> in.load(FusionSources.Part.TRAIN, limit.perClass, at,
                fixed, missing, err()::println));
        PrintWriter log = json.progress();
        log.printf(Locale.ROOT, "%s fusion of %s: %d classes%n", settings.mode(), all.shapesByName(), all.numClasses());
        // several fits (late fusion: one per member) in one run log; the fused model's confusion matrix at the end
        TrainingListener dashboardRun = ui.run("fuse-" + settings.mode(), null, "validation");
        FusionRun.Result r = FusionRun.train(all, settings, branches,
                new LogListener(WriterOutputStream.printStream(log)), dashboardRun);
        ConfusionMatrix cm = r.validation().confusion();
        ui.dashboard().confusion(dashboardRun, cm, r.validationSamples());
        r.memberLines().forEach(log::println);
        FusionClassifier.save(r.model(), out, settings.mode(), in.sources(), r.training());
        Path png = plots == null ? null : Charts.confusionMatrix(cm, plots);
        FusionRun.Report report = new FusionRun.Report(settings, in.sources(), r, out, png);
        out().println(json.given ? report.toJson() : report.summary() + "\n");
        if (!json.given) {
            out().print(cm);
            if (png != null) {
                out().println("wrote " + png);
            }
        }
        return 0;
    }

    private Integer runEvaluate() throws Exception {
        SavedModel saved = ModelFiles.read(evaluate);
        if (!FusionClassifier.isMultiInput(saved)) {
            throw new BadInputException(evaluate + ": not a multi-input model (use 'convnet4j evaluate' for it)");
        }
        Graph g = (Graph) saved.model();
        FusionSources in = BadInputException.prefixed("--inputs: ", () -> FusionSources.parse(inputs));
        MultiInputDataset data = load(in, (size, missing) -> in.loadFor(g, evaluate.toString(), limit.perClass, size,
                missing, err()::println));
        Corruption.Named c = corrupt == null ? null
                : BadInputException.prefixed("--corrupt: ", () -> Corruption.parseNamed(corrupt));
        FusionRun.Evaluation e = FusionRun.evaluate(g, evaluate.toString(), data, c);
        if (plots != null) {
            Charts.confusionMatrix(e.metrics().confusion(), plots);
        }
        out().println(json.given ? e.toJson() : e.summary() + "\n");
        if (!json.given) {
            out().print(e.metrics().confusion());
        }
        TrainedOn.fusionWarning(saved.description(), evaluate.toString(), in.sources())
                .ifPresent(w -> err().println("warning: " + w));
        return 0;
    }

    /** The --inputs data, read with the --resize and --on-missing options; their errors name the option. */
    private MultiInputDataset load(FusionSources in, Loader loader) throws java.io.IOException {
        int[] size = BadInputException.prefixed("--resize: ", () -> FusionSources.parseResize(resize));
        PairedFolders.OnMissing missing = BadInputException.prefixed("--on-missing: ",
                () -> PairedFolders.OnMissing.parse(onMissing));
        return BadInputException.prefixed("--inputs: ", () -> loader.load(size, missing));
    }

    @FunctionalInterface
    interface Loader {
        MultiInputDataset load(int[] size, PairedFolders.OnMissing missing) throws java.io.IOException;
    }
}

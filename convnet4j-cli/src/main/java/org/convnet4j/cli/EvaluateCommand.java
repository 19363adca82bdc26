package org.convnet4j.cli;

import java.nio.file.Path;
import org.convnet4j.charts.Charts;
import org.convnet4j.data.Dataset;
import org.convnet4j.dataspec.DataSpec;
import org.convnet4j.fusion.FusionClassifier;
import org.convnet4j.fusion.FusionSources;
import org.convnet4j.fusion.MultiInputDataset;
import org.convnet4j.fusion.PairedFolders;
import org.convnet4j.nn.Graph;
import org.convnet4j.model.Preprocessing;
import org.convnet4j.model.SavedModel;
import org.convnet4j.nn.Model;
import org.convnet4j.run.EvaluationReport;
import org.convnet4j.train.Metrics;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Accuracy, top-k, per-class precision/recall/F1 and the confusion matrix of a model file on test data. */
@Command(name = "evaluate", resourceBundle = "org.convnet4j.cli.help.evaluate", sortOptions = false)
final class EvaluateCommand extends CliCommand {
    @Mixin
    ModelOptions modelOption;

    @Option(names = "--data", paramLabel = "SPEC", defaultValue = DataSpec.FASHION_MNIST,
            description = org.convnet4j.dataspec.DataSpec.DATA_HELP + " Default: fashion-mnist (its test set; a folder:"
                + " all of it).")
    String data;

    @Option(names = "--inputs", paramLabel = "NAME=SRC,...")
    String inputs;

    @Mixin
    LimitOption limit;

    @Option(names = "--top-k", paramLabel = "K", defaultValue = "5")
    int topK;

    @Option(names = "--batch", paramLabel = "B", defaultValue = "256")
    int batch;

    @Option(names = "--plots", paramLabel = "DIR")
    Path plots;

    @Mixin
    JsonOption json;

    /** The metrics of the last run, for the demo. */
    Metrics metrics;

    @Override
    public Integer call() throws Exception {
        if (topK < 1 || batch < 1) {
            throw new BadInputException("--top-k and --batch must be at least 1");
        }
        if (inputs == null) {
            DataSpec.of(data).requireAvailable(); // a mistyped folder fails here, before any download or model load
        }
        SavedModel saved = modelOption.load();
        if (FusionClassifier.isMultiInput(saved)) {
            return evaluateMultiInput(saved, (Graph) saved.model());
        }
        if (inputs != null) {
            throw new BadInputException("--inputs: " + modelOption.file + " has a single input; use --data");
        }
        Preprocessing prep = saved.picturePreprocessing(modelOption.file);
        DataSpec.Loaded loaded = DataSpec.of(data).test(prep, 42);
        loaded.conversions().forEach(n -> json.progress().println("converting: " + n));
        Dataset test = DataSpec.limited(loaded.test(), limit.perClass, 42);
        Model model = saved.model();
        Dataset same = requireSameClasses(model, test, data);
        ModelArgument.flushNotes(err()); // model and data are fine: the note, then the run
        int rc = report(model, same, data);
        // after the report, so that a refused run (e.g. --top-k) stays the one error line
        org.convnet4j.run.TrainedOn.warning(saved.description(), modelOption.file, data)
                .ifPresent(w -> err().println("warning: " + w));
        return rc;
    }

    /** A fusion model: its inputs from --inputs, or else from the sources it was trained on. */
    private Integer evaluateMultiInput(SavedModel saved, Graph g) throws Exception {
        FusionSources sources;
        MultiInputDataset test;
        try {
            sources = inputs == null ? FusionSources.forModel(saved, modelOption.file) : FusionSources.parse(inputs);
            test = sources.loadFor(g, modelOption.file, limit.perClass, null, PairedFolders.OnMissing.FAIL,
                    json.progress()::println);
        } catch (IllegalArgumentException e) {
            throw new BadInputException(inputs == null ? e.getMessage() + " with --inputs" : "--inputs: " + e.getMessage(), e);
        }
        String label = inputs != null ? inputs : sources.sources().entrySet()
                .stream().map(e -> e.getKey() + "=" + e.getValue()).collect(java.util.stream.Collectors.joining(","));
        int rc = report(g, requireSameClasses(g, test, label), label);
        org.convnet4j.run.TrainedOn.fusionWarning(saved.description(), modelOption.file, sources.sources())
                .ifPresent(w -> err().println("warning: " + w));
        return rc;
    }

    private Integer report(Model model, Dataset test, String dataLabel) throws Exception {
        if (topK > test.numClasses()) {
            if (given("--top-k")) {
                throw new BadInputException("--top-k: " + topK + " is more than the " + test.numClasses() + " classes");
            }
            topK = test.numClasses(); // the default 5 on a 2-class problem
        }
        EvaluationReport r = EvaluationReport.run(model, modelOption.file, test, dataLabel, batch, topK);
        metrics = r.metrics();
        if (plots != null) {
            Charts.confusionMatrix(metrics.confusion(), plots);
        }
        out().print(json.given ? r.toJson() + System.lineSeparator() : r.text());
        if (!json.given && plots != null) {
            out().println("wrote " + plots.resolve("confusion-matrix.png"));
        }
        return 0;
    }

    /** The model's outputs must be the data's classes: matched by name, leniently, in any order (relabelled). */
    private Dataset requireSameClasses(Model model, Dataset test, String data) {
        org.convnet4j.dataspec.ClassNames.Relabelled r = org.convnet4j.dataspec.ClassNames.forModel(model, test, data);
        if (!r.warning().isEmpty()) {
            err().println("warning: " + r.warning());
        }
        return r.data();
    }
}

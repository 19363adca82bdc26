package org.convnet4j.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import org.convnet4j.checkpoint.Checkpoint;
import org.convnet4j.data.OnBadFile;
import org.convnet4j.dataspec.DataSpec;
import org.convnet4j.charts.PlotListener;
import org.convnet4j.util.ProgressOutput;
import org.convnet4j.train.ProgressBarListener;
import org.convnet4j.data.Dataset;
import org.convnet4j.run.internal.TrainingOptions;
import org.convnet4j.model.Preprocessing;
import org.convnet4j.run.TrainingRun;
import org.convnet4j.run.TrainingSettings;
import org.convnet4j.tensor.Shape;
import org.convnet4j.train.LogListener;
import org.convnet4j.train.TrainingDivergedException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Trains a model of the zoo on Fashion-MNIST or an image folder, with a progress bar, one line per epoch,
 * best/last checkpoints, early stopping, resume and training curves.
 */
@Command(name = "train", resourceBundle = "org.convnet4j.cli.help.train", sortOptions = false)
final class TrainCommand extends CliCommand {
    @Mixin
    TrainingOptions options;

    @Option(names = {"-o", "--out"}, paramLabel = "FILE", converter = Converters.ModelFile.class)
    Path out;

    @Option(names = "--resume", paramLabel = "CHECKPOINT")
    Path resume;

    @Option(names = "--plots", paramLabel = "DIR")
    Path plots;

    @Mixin
    JsonOption json;

    @Mixin
    ProgressOption noProgress;

    @Option(names = "--fail-fast")
    boolean failFast;

    @Mixin
    DashboardOptions dashboard;

    /** What the run ended with, for the demo. */
    TrainingRun.Result result;

    @Override
    public Integer call() throws Exception {
        Checkpoint resumed = resume == null ? null : Checkpoint.load(resume);
        TrainingSettings settings = BadInputException.prefixed("--",
                () -> over(resumed == null ? TrainingSettings.builder() : resumedSettings(resumed)).build());
        DataSpec.Loaded loaded = DataSpec.of(settings.data()).onBadFile(failFast ? OnBadFile.FAIL : OnBadFile.SKIP)
                .training(Preprocessing.forInput(settings.inputShape()), 42);
        loaded.conversions().forEach(n -> json.progress().println("converting: " + n));
        loaded.outsideClassFolders().ifPresent(json.progress()::println); // left out: no class folder gives them a class
        Dataset pictures = loaded.train();
        TrainingRun run = resumed != null ? TrainingRun.resume(resumed, resume, settings, pictures)
                : new TrainingRun(settings, pictures);
        ProgressBarListener progress = noProgress.given ? null
                : new ProgressBarListener(WriterOutputStream.printStream(err()), ProgressOutput.Mode.forStderr());
        if (progress != null) {
            run.addListener(progress);
        }
        if (!json.given) {
            run.addListener(new LogListener(WriterOutputStream.printStream(out())));
        }
        // checked before the training; a picture that cannot be written later must not cost it: reported at the end
        PlotListener curves = plots == null ? null : PlotListener.trainingCurvesIn(plots);
        if (curves != null) {
            run.addListener(curves);
        }
        DashboardOptions.Session ui = dashboard.open(out());
        run.addListener(ui.run(settings.model(), run.split().validation(), "validation"));
        if (!json.given) {
            out().println(run.describe());
        }
        try {
            result = run.run();
        } catch (TrainingDivergedException e) {
            throw new BadInputException(run.divergenceMessage(e));
        } catch (IllegalArgumentException e) {
            throw new BadInputException("--" + e.getMessage(), e);
        } finally {
            if (progress != null) {
                progress.close();
            }
            ui.close();
        }
        if (curves != null && curves.failure() != null) {
            throw new java.io.IOException("training curves: " + curves.failure().getMessage() + "; the training went on"
                    + (Files.exists(result.out()) ? " and saved " + result.out() : ""), curves.failure());
        }
        TrainingRun.Report report = new TrainingRun.Report(settings, result);
        out().print(json.given ? report.toJson() + System.lineSeparator()
                : report.summary(curves == null ? null : curves.file()));
        return 0;
    }

    /** The options given on the command line over {@code b} (the saved run's settings, or the defaults). */
    private TrainingSettings.Builder over(TrainingSettings.Builder b) {
        TrainingSettings.Overrides given = options.overrides( // 1 (grey) or 3 (RGB) channels
                input -> BadInputException.prefixed("--input: ", () -> Shape.parseGreyOrRgbPicture(input)));
        given.out = out;
        return b.override(given);
    }

    /** The settings saved in the checkpoint given to --resume (model and data must be given when it has none). */
    private TrainingSettings.Builder resumedSettings(Checkpoint resumed) {
        return BadInputException.prefixed("--resume " + resume + ": ", () -> TrainingSettings.resuming(resumed, resume))
                .orElseGet(() -> {
                    if (options.model() == null || options.data() == null) {
                        throw new BadInputException(resume + " was not written by 'convnet4j train', so --model and"
                                + " --data must be given to resume it");
                    }
                    return TrainingSettings.builder();
                });
    }
}

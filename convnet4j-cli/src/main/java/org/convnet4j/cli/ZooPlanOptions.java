package org.convnet4j.cli;

import java.util.List;
import org.convnet4j.run.PerModel;
import org.convnet4j.run.ZooBenchmark;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The {@code zoo-benchmark} options that become its {@link ZooBenchmark.Plan}: models, sizes, epochs, training. */
final class ZooPlanOptions {
    static final String DEFAULT_MODELS = ZooBenchmark.DEFAULT_MODELS;

    @Option(names = "--models", paramLabel = "M1,M2,...", description = "Zoo models to train. Default: " + DEFAULT_MODELS + ".")
    String models = DEFAULT_MODELS;

    @Option(names = "--epochs", paramLabel = "N|M=N,...")
    String epochs = "1";

    @Option(names = "--limit", paramLabel = "N|M=N,...")
    String limit;

    @Option(names = "--width", paramLabel = "W|M=W,...")
    String width;

    @Option(names = "--input", paramLabel = "S|M=S,...")
    String input;

    @Option(names = "--batch", paramLabel = "B")
    int batch = 64;

    @Option(names = "--optimizer", paramLabel = "adam|sgd")
    String optimizer = "adam";

    @Option(names = "--lr", paramLabel = "LR")
    Double lr;

    @Mixin
    SeedOption seed;

    @Option(names = "--test-every-epoch")
    boolean testEveryEpoch;

    @Option(names = "--augment")
    boolean augment;

    /** The plan these options give; a refusal names the option. */
    ZooBenchmark.Plan plan() {
        String opt = BadInputException.prefixed("--optimizer: ", () -> ZooBenchmark.Training.optimizerName(optimizer));
        double rate = lr != null ? lr : ZooBenchmark.Training.defaultLr(opt);
        if (!(rate > 0) || Double.isInfinite(rate)) {
            throw new BadInputException("--lr: must be a positive number, got " + rate);
        }
        BadInputException.requireAtLeast("--batch", batch, 1);
        ZooBenchmark.Training training = new ZooBenchmark.Training(1, batch, opt, rate, seed.value,
                testEveryEpoch ? ZooBenchmark.Testing.EVERY_EPOCH : ZooBenchmark.Testing.AT_END,
                augment ? ZooBenchmark.Augmentation.CROP_AND_MIRROR : ZooBenchmark.Augmentation.NONE);
        List<String> names = BadInputException.prefixed("--models: ", () -> ZooBenchmark.models(models));
        PerModel<Double> widths = PerModel.parse("--width", width, PerModel::width, names);
        PerModel<Integer> sizes = PerModel.parse("--input", input, PerModel::squareSize, names);
        PerModel<Integer> epochCounts = PerModel.parse("--epochs", epochs, PerModel.count("epochs"), names);
        PerModel<Integer> limits = PerModel.parse("--limit", limit, PerModel.count("limit"), names);
        return new ZooBenchmark.Plan(ZooBenchmark.setups(names, widths, sizes), training, epochCounts, limits);
    }
}

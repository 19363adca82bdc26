package org.convnet4j.cli;

import java.util.List;
import org.convnet4j.io.weights.ModelLoader;
import org.convnet4j.nn.Model;
import org.convnet4j.nn.ModelSummary;
import org.convnet4j.tensor.Shape;
import org.convnet4j.zoo.ModelZoo;
import org.convnet4j.zoo.ZooOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * {@code convnet4j summary --model NAME|FILE.c4j [--input CxHxW] [--classes K] [--batch B] [--json]}: the layer
 * table of a zoo architecture or a saved model, with parameter counts, MACs and a memory estimate.
 */
@Command(name = "summary", resourceBundle = "org.convnet4j.cli.help.summary")
public final class SummaryCommand extends CliCommand {
    @Option(names = "--model", required = true, paramLabel = "NAME|FILE.c4j")
    private String model;

    @Option(names = "--input", paramLabel = "CxHxW")
    private String input;

    @Option(names = "--classes", paramLabel = "K")
    private int classes;

    @Option(names = "--width", paramLabel = "W", defaultValue = "1.0")
    private double width;

    @Option(names = "--layout", paramLabel = "NAME")
    private String layout;

    @Option(names = "--small-input")
    private boolean smallInput;

    @Option(names = "--batch-norm")
    private boolean batchNorm;

    @Option(names = "--lrn")
    private boolean lrn;

    @Option(names = "--no-top")
    private boolean noTop;

    @Option(names = "--pooling", paramLabel = "none|avg|max", defaultValue = "none")
    private String pooling;

    @Option(names = "--batch", paramLabel = "B", defaultValue = "32")
    private int batch;

    @Mixin
    private JsonOption json;

    /** Options that shape a zoo model; a model file or name brings its own. */
    private static final List<String> ZOO_ONLY = List.of("--input", "--classes", "--width", "--layout",
            "--small-input", "--batch-norm", "--lrn", "--no-top", "--pooling");

    @Override
    public Integer call() throws Exception {
        requireUsageAtLeast("--batch", batch, 1);
        Model m = load();
        ModelSummary s = ModelSummary.of(m);
        out().print(json.given ? s.toJson(batch) + "\n" : s.toTable(batch));
        out().flush();
        return 0;
    }

    private Model load() throws Exception {
        if (ModelLoader.isModelReference(model)) {
            // saved models (rebuilt from their architecture), other frameworks' files, URLs, catalogued weights;
            // the zoo's options would be ignored here (the file's input was shown for --input 3x1000000x1000000)
            List<String> given = ZOO_ONLY.stream().filter(this::given).toList();
            if (!given.isEmpty()) {
                throw new ParameterException(spec.commandLine(), String.join(", ", given) + ": "
                        + (given.size() == 1 ? "applies" : "apply") + " to zoo models only; " + model
                        + " has its own architecture and input");
            }
            return ModelArgument.model(model);
        }
        try {
            ZooOptions o = ZooOptions.builder().input(input == null ? null : parseShape(input)).classes(classes)
                    .width(width).layout(layout).smallInput(smallInput).batchNorm(batchNorm).lrn(lrn)
                    .includeTop(!noTop).pooling(ZooOptions.Pool.parse(pooling)).build();
            return ModelZoo.describe(model, o); // shapes only: the summary needs no weights (VGG16 in ms, not 1.1 GB)
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage(), e);
        }
    }

    /** "3x224x224" (or "3,224,224") to a shape. */
    static Shape parseShape(String text) {
        try {
            return Shape.parsePicture(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--input " + e.getMessage(), e);
        }
    }
}

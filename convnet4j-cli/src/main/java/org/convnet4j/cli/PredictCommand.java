package org.convnet4j.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.convnet4j.checkpoint.Json;
import org.convnet4j.image.Images;
import org.convnet4j.model.ImageClassifier;
import org.convnet4j.model.Prediction;
import org.convnet4j.tensor.Tensor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** The most likely classes of pictures, by a trained model. */
@Command(name = "predict", mixinStandardHelpOptions = true, versionProvider = VersionInfo.class, sortOptions = false,
        header = "Classify pictures with a trained model: the k most likely classes and their probabilities.",
        description = {
            "Each picture is prepared as the model file says (converted to grey or RGB, resized to the model input, "
                + "scaled), then classified. Fashion-MNIST models expect light clothing on a dark background, as "
                + "in the dataset.",
            ""
        },
        footer = {
            "",
            "Examples:",
            "  convnet4j predict --model lenet5.c4j shoe.png shirt.png",
            "  convnet4j predict --model lenet5.c4j --top-k 1 --json pictures/*.png"
        })
final class PredictCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = {"-m", "--model"}, required = true, paramLabel = "MODEL_FILE", description = "A model file written by train.")
    Path modelFile;

    @Option(names = {"-k", "--top-k"}, paramLabel = "K", defaultValue = "3", description = "Classes to show per picture. Default: ${DEFAULT-VALUE}.")
    int topK;

    @Option(names = "--json", description = "Print the predictions as one JSON object.")
    boolean json;

    @Parameters(arity = "1..*", paramLabel = "IMAGE", description = "Pictures (PNG, JPEG, BMP, GIF).")
    List<Path> images;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if (topK < 1) {
            throw new BadInputException("--top-k: must be at least 1, got " + topK);
        }
        ImageClassifier classifier = ImageClassifier.load(modelFile);
        // every picture is read before any answer, so a bad file fails the command without partial output
        List<Tensor> pictures = new ArrayList<>();
        for (Path p : images) {
            pictures.add(Images.read(p));
        }
        List<List<Prediction>> all = new ArrayList<>();
        for (Tensor t : pictures) {
            all.add(classifier.predict(t, topK)); // one at a time: pictures may be large before resizing
        }
        if (json) {
            JsonObject o = new JsonObject();
            o.addProperty("model", modelFile.toString());
            JsonArray results = new JsonArray();
            for (int i = 0; i < images.size(); i++) {
                JsonObject r = new JsonObject();
                r.addProperty("image", images.get(i).toString());
                JsonArray top = new JsonArray();
                for (Prediction p : all.get(i)) {
                    JsonObject po = new JsonObject();
                    po.addProperty("class", p.className());
                    po.addProperty("label", p.label());
                    po.addProperty("probability", p.probability());
                    top.add(po);
                }
                r.add("top", top);
                results.add(r);
            }
            o.add("predictions", results);
            out.println(Json.toCompact(o));
        } else {
            for (int i = 0; i < images.size(); i++) {
                out.println(images.get(i) + ":");
                for (Prediction p : all.get(i)) {
                    out.printf(Locale.ROOT, "  %6.2f%%  %s%n", 100 * p.probability(), p.className());
                }
            }
        }
        return 0;
    }
}

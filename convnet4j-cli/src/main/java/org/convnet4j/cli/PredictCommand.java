package org.convnet4j.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.convnet4j.data.ImageFolderDataset;
import org.convnet4j.dataspec.DataSpec;
import org.convnet4j.fusion.FusionClassifier;
import org.convnet4j.model.Classifications;
import org.convnet4j.model.ImageClassifier;
import org.convnet4j.model.Preprocessing;
import org.convnet4j.model.SavedModel;
import org.convnet4j.run.BatchPrediction;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The most likely classes of pictures, by a trained model. */
@Command(name = "predict", resourceBundle = "org.convnet4j.cli.help.predict", sortOptions = false)
final class PredictCommand extends CliCommand {
    @Mixin
    ModelOptions modelOption;

    @Option(names = {"-k", "--top-k"}, paramLabel = "K", defaultValue = "3")
    int topK;

    @Mixin
    JsonOption json;

    @Option(names = "--input", paramLabel = "NAME=IMAGE")
    List<String> namedInputs = new ArrayList<>();

    @Option(names = "--data", paramLabel = "SPEC", description = DataSpec.DATA_HELP + " Its test part is predicted (a"
            + " folder: every picture), read as evaluate reads it; each answer names the picture and its true class.")
    String data;

    @Mixin
    LimitOption limit;

    @Parameters(arity = "0..*", paramLabel = "IMAGE|DIR|SPEC")
    List<Path> images = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        BadInputException.requireAtLeast("--top-k", topK, 1);
        // checked before any download or model load
        List<String> specs = ModelArgument.dataSpecs(data, images, limit.perClass);
        // folders: the pictures in them, sorted; a missing picture is one line before the model is downloaded or read
        images = ImageFolderDataset.picturesOf(images.stream().filter(p -> !specs.contains(p.toString())).toList());
        Map<String, Path> named = BadInputException.prefixed("--input: ", () -> FusionClassifier.namedPictures(namedInputs));
        SavedModel saved = modelOption.load();
        if (FusionClassifier.isMultiInput(saved) || !namedInputs.isEmpty()) {
            if (!specs.isEmpty()) {
                throw new BadInputException(specs.get(0) + ": " + modelOption.file + " takes one picture per input (--input"
                        + " NAME=IMAGE); evaluate --inputs measures it on a data set");
            }
            return predictMultiInput(saved, named);
        }
        if (images.isEmpty() && specs.isEmpty()) {
            throw new BadInputException("predict: give at least one IMAGE, DIR or --data SPEC");
        }
        Preprocessing prep = saved.picturePreprocessing(modelOption.file); // names the file itself
        ImageClassifier classifier = BadInputException.prefixed(modelOption.file + ": ",
                () -> new ImageClassifier(saved.model(), prep));
        // every picture is read before any answer, so a bad file fails the command without partial output
        BatchPrediction answers = BatchPrediction.run(classifier, images, specs, limit.perClass, topK);
        ModelArgument.flushNotes(err()); // the model and every picture are fine
        print(answers);
        return 0;
    }

    /** One sample: a picture per input, prepared as the input was for training. */
    private Integer predictMultiInput(SavedModel saved, Map<String, Path> files) throws Exception {
        if (!FusionClassifier.isMultiInput(saved)) {
            throw new BadInputException("--input: " + modelOption.file + " has a single input; give the pictures as IMAGE");
        }
        FusionClassifier fused = new FusionClassifier(saved);
        if (!images.isEmpty()) {
            throw new BadInputException(modelOption.file + " takes inputs " + fused.inputNames()
                    + ": give one --input NAME=IMAGE per input instead of plain IMAGE arguments");
        }
        Classifications c = BadInputException.prefixed(modelOption.file + ": ", () -> fused.classifyFiles(files));
        String label = files.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                .collect(java.util.stream.Collectors.joining(","));
        print(BatchPrediction.of(List.of(new BatchPrediction.Answer(label, null, c.topK(topK)))));
        return 0;
    }

    private void print(BatchPrediction answers) {
        out().print(json.given ? answers.toJson(modelOption.file) + System.lineSeparator() : answers.text());
        out().flush();
    }
}

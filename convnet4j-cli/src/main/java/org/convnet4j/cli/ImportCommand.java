package org.convnet4j.cli;

import java.nio.file.Path;
import org.convnet4j.io.weights.ModelLoader;
import org.convnet4j.model.SavedModel;
import org.convnet4j.tensor.Shape;
import org.convnet4j.util.AtomicFiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Another framework's weights to a convnet4j model file. */
@Command(name = "import", resourceBundle = "org.convnet4j.cli.help.import", sortOptions = false)
final class ImportCommand extends CliCommand {
    @Parameters(index = "0", paramLabel = "MODEL")
    String file;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "MODEL_FILE", converter = Converters.ModelFile.class)
    Path output;

    @Option(names = {"-m", "--model"}, paramLabel = "ARCH")
    String architecture;

    @Option(names = "--size", paramLabel = "PIXELS")
    Integer size;

    @Option(names = "--input-shape", paramLabel = "CxHxW")
    String inputShape;

    @Mixin
    PreprocessingOption preprocessing;

    @Override
    public Integer call() throws Exception {
        if (size != null && size < 1) {
            throw new BadInputException("--size: must be at least 1, got " + size);
        }
        if (size != null && inputShape != null) {
            throw new BadInputException("--size and --input-shape: give one of them");
        }
        Shape input = inputShape != null
                ? BadInputException.prefixed("--input-shape: ", () -> Shape.parsePicture(inputShape))
                : size == null ? null : Shape.of(3, size, size);
        AtomicFiles.requireWritable(output); // before a catalogued file is downloaded or a large one read
        SavedModel m = ModelArgument.load(file, architecture, input, preprocessing.spec);
        ModelLoader.save(m, output); // the preprocessing chosen now is stored, and said only this once
        out().printf("%s -> %s: %s, input %s, %,d parameters%s%n", file, output,
                ModelLoader.architecture(m), m.model().inputShapes().get(0), m.model().parameterCount(),
                m.model().classNames().isEmpty() ? "" : ", " + m.model().classNames().size() + " classes");
        return 0;
    }
}

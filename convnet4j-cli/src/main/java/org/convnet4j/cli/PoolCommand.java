package org.convnet4j.cli;

import java.nio.file.Path;
import java.util.Locale;
import org.convnet4j.image.ImageOutput;
import org.convnet4j.image.Images;
import org.convnet4j.ops.Padding;
import org.convnet4j.ops.PoolParams;
import org.convnet4j.ops.PoolType;
import org.convnet4j.ops.Pooling;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.vision.ImageFilters;
import org.convnet4j.vision.Normalization;
import org.convnet4j.vision.DisplayMaps;
import org.convnet4j.vision.MatrixText;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;

/** Max, mean or Lp pooling of every channel of a picture. */
@Command(name = "pool", resourceBundle = "org.convnet4j.cli.help.pool", sortOptions = false)
final class PoolCommand extends CliCommand {
    @Parameters(index = "0", paramLabel = "IMAGE")
    Path image;

    @Option(names = "--type", paramLabel = "max|avg|lp", defaultValue = "max")
    PoolType type;

    @Option(names = "--p", paramLabel = "P", defaultValue = "2")
    double p;

    @Option(names = "--size", paramLabel = "K", defaultValue = "2")
    int size;

    @Option(names = "--stride", paramLabel = "S")
    Integer stride;

    @Option(names = "--padding", paramLabel = "N", defaultValue = "0")
    int padding;

    @Option(names = "--normalize", paramLabel = "none|minmax|abs")
    Normalization.Mode normalize;

    @Option(names = {"--grey", "--gray"})
    boolean grey;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "OUT", converter = Converters.PictureFile.class)
    Path output;

    @Override
    public Integer call() throws Exception {
        int s = stride == null ? size : stride;
        requireUsageAtLeast("--size", size, 1);
        requireUsageAtLeast("--stride", s, 1);
        requireUsageAtLeast("--padding", padding, 0);
        PoolParams params;
        try {
            params = new PoolParams(type, size, size, s, s, Padding.of(padding), p, false);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        ImageOutput out = ImageOutput.of(output);
        Tensor picture = Images.readToProcess(image, 3);
        Tensor in = grey ? ImageFilters.toGrey(picture) : picture;
        Tensor batch = BadInputException.prefixed(image + ": ",
                () -> Pooling.forward(in.reshape(in.shape().prepend(1)), params));
        Tensor pooled = batch.reshape(batch.shape().dropFirst());
        Normalization.Mode mode = normalize != null ? normalize : out.csv() || type != PoolType.LP
                ? Normalization.Mode.NONE : Normalization.Mode.MINMAX;
        out.write(out.csv() ? DisplayMaps.forNumbers(pooled, mode) : DisplayMaps.forPicture(pooled, mode));
        out().printf("%s (%s) -> %s pool %dx%d, stride %d, padding %d%s -> %s (%s, values %s)%n",
                image, MatrixText.size(in), type.name().toLowerCase(Locale.ROOT), size, size, s, padding,
                type == PoolType.LP ? ", p " + MatrixText.num(p) : "", output, MatrixText.size(pooled),
                MatrixText.range(pooled));
        return 0;
    }
}

package org.convnet4j.cli;

import java.nio.file.Path;
import org.convnet4j.image.ImageOutput;
import org.convnet4j.image.Images;
import org.convnet4j.ops.PadMode;
import org.convnet4j.ops.PaddingSpec;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.vision.ImageFilters;
import org.convnet4j.vision.KernelFile;
import org.convnet4j.vision.Normalization;
import org.convnet4j.vision.DisplayMaps;
import org.convnet4j.vision.MatrixText;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Applies one 2-D kernel to every channel of a picture (the lecture's convolution as an image operator). */
@Command(name = "convolve", resourceBundle = "org.convnet4j.cli.help.convolve", sortOptions = false)
final class ConvolveCommand extends CliCommand {
    @Parameters(index = "0", paramLabel = "IMAGE")
    Path image;

    @Option(names = {"-k", "--kernel"}, required = true, paramLabel = "NAME|FILE")
    String kernel;

    @Option(names = "--padding", paramLabel = "valid|same|N|T,B,L,R", defaultValue = "valid")
    PaddingSpec padding;

    @Option(names = "--pad-mode", paramLabel = "zero|replicate|reflect", defaultValue = "zero")
    PadMode padMode;

    @Option(names = "--stride", paramLabel = "S", defaultValue = "1")
    int stride;

    @Option(names = "--normalize", paramLabel = "none|minmax|abs")
    Normalization.Mode normalize;

    @Option(names = {"--grey", "--gray"})
    boolean grey;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "OUT", converter = Converters.PictureFile.class)
    Path output;

    @Override
    public Integer call() throws Exception {
        requireUsageAtLeast("--stride", stride, 1);
        ImageOutput out = ImageOutput.of(output);
        Tensor k = KernelFile.resolve(kernel);
        Tensor picture = Images.readToProcess(image, 4);
        Tensor in = grey ? ImageFilters.toGrey(picture) : picture;
        Tensor result = BadInputException.prefixed(image + ": ",
                () -> ImageFilters.convolve2d(in, k, padding, padMode, stride));
        Normalization.Mode mode = normalize != null ? normalize : out.csv() ? Normalization.Mode.NONE
                : Normalization.Mode.MINMAX;
        out.write(out.csv() ? DisplayMaps.forNumbers(result, mode) : DisplayMaps.forPicture(result, mode));
        out().printf("%s (%s) * %s (%dx%d kernel), padding %s/%s, stride %d -> %s (%s, values %s, "
                        + "normalize %s)%n", image, MatrixText.size(in), kernel, k.dim(0), k.dim(1), padding,
                padMode.name().toLowerCase(java.util.Locale.ROOT), stride, output, MatrixText.size(result),
                MatrixText.range(result), mode.name().toLowerCase(java.util.Locale.ROOT));
        return 0;
    }
}

package org.convnet4j.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.convnet4j.ops.PadMode;
import org.convnet4j.ops.PaddingSpec;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.vision.ImageFilters;
import org.convnet4j.vision.Normalization;
import org.convnet4j.vision.DisplayMaps;
import org.convnet4j.vision.MatrixText;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** Applies one 2-D kernel to every channel of a picture (the lecture's convolution as an image operator). */
@Command(name = "convolve", mixinStandardHelpOptions = true, versionProvider = VersionInfo.class, sortOptions = false,
        header = "Applies a 2-D kernel (Sobel, blur, your own, ...) to every channel of a picture.",
        description = {
            "Slides the kernel over every channel of IMAGE (cross-correlation, as in the lecture: each output "
                + "value is the dot product of the kernel with the window under it). An RGB picture stays RGB "
                + "unless --grey is given. Output size: floor((H+padding-K)/stride)+1.",
            ""
        },
        footer = {
            "",
            "Examples:",
            "  convnet4j convolve photo.png --kernel sobel-y -o horizontal-edges.png",
            "  convnet4j convolve photo.png --kernel gaussian:2 --padding same \\",
            "            --pad-mode replicate --normalize none -o blur.png",
            "  convnet4j convolve step.png --kernel my-kernel.txt --stride 2 -o result.csv",
            "",
            "A kernel file has one row per line, numbers separated by spaces or commas; '#' starts a comment."
        })
final class ConvolveCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "IMAGE", description = "Input picture (PNG, JPEG, BMP or GIF).")
    Path image;

    @Option(names = {"-k", "--kernel"}, required = true, paramLabel = "NAME|FILE",
            description = "A named kernel (see 'convnet4j kernels': sobel-x, sobel-y, laplacian, box3, gaussian:1.5, "
                    + "sharpen, ...) or a kernel text file.")
    String kernel;

    @Option(names = "--padding", paramLabel = "valid|same|N|T,B,L,R", defaultValue = "valid",
            converter = Converters.PaddingConverter.class,
            description = "valid = no padding (output shrinks by K-1, as in the lecture); same = keep the size "
                    + "(stride 1); N = N pixels on every side; T,B,L,R = top,bottom,left,right. Default: ${DEFAULT-VALUE}.")
    PaddingSpec padding;

    @Option(names = "--pad-mode", paramLabel = "zero|replicate|reflect", defaultValue = "zero",
            converter = Converters.PadModeConverter.class,
            description = "What fills the padding: zeros, the nearest edge pixel, or the mirror image. Default: zero.")
    PadMode padMode;

    @Option(names = "--stride", paramLabel = "S", defaultValue = "1",
            description = "Step between windows, >= 1. Default: ${DEFAULT-VALUE}.")
    int stride;

    @Option(names = "--normalize", paramLabel = "none|minmax|abs", converter = Converters.NormalizeConverter.class,
            description = "How results become pixel values 0..255: minmax stretches min..max to 0..255 (the lecture's "
                    + "normalisation; default for pictures); abs does the same with absolute values (edges of either "
                    + "sign bright); none keeps the values and clamps them to 0..255 (good for blur). "
                    + "CSV output is raw numbers unless this is given.")
    Normalization.Mode normalize;

    @Option(names = {"--grey", "--gray"}, description = "Convert to one grey channel (0.299 R + 0.587 G + 0.114 B) first.")
    boolean grey;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "OUT",
            description = "Output file: .png/.jpg/.bmp/.gif for a picture, .csv for the raw numbers "
                    + "(one row per line, one block per channel).")
    Path output;

    @Override
    public Integer call() throws Exception {
        if (stride < 1) {
            throw new ParameterException(spec.commandLine(), "--stride must be >= 1, got " + stride);
        }
        OutputFile out = OutputFile.of(output);
        Tensor k = KernelArgument.resolve(kernel);
        Tensor in = InputImage.read(image, grey, 4);
        Tensor result;
        try {
            result = ImageFilters.convolve2d(in, k, padding, padMode, stride);
        } catch (IllegalArgumentException e) {
            throw new BadInputException(image + ": " + e.getMessage(), e);
        }
        Normalization.Mode mode = normalize != null ? normalize : out.csv() ? Normalization.Mode.NONE
                : Normalization.Mode.MINMAX;
        out.write(out.csv() ? DisplayMaps.forNumbers(result, mode) : DisplayMaps.forPicture(result, mode));
        spec.commandLine().getOut().printf("%s (%s) * %s (%dx%d kernel), padding %s/%s, stride %d -> %s (%s, values %s, "
                        + "normalize %s)%n", image, InputImage.describe(in), kernel, k.dim(0), k.dim(1), padding,
                padMode.name().toLowerCase(java.util.Locale.ROOT), stride, output, InputImage.describe(result),
                MatrixText.range(result), mode.name().toLowerCase(java.util.Locale.ROOT));
        return 0;
    }
}

package org.convnet4j.cli;

import java.nio.file.Path;
import org.convnet4j.image.ImageOutput;
import org.convnet4j.image.Images;
import org.convnet4j.ops.PadMode;
import org.convnet4j.ops.PaddingSpec;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.vision.ImageFilters;
import org.convnet4j.vision.SobelEdges;
import org.convnet4j.vision.DisplayMaps;
import org.convnet4j.vision.MatrixText;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Sobel edge detection: gradient magnitude and, optionally, direction and the two derivatives. */
@Command(name = "edges", resourceBundle = "org.convnet4j.cli.help.edges", sortOptions = false)
final class EdgesCommand extends CliCommand {
    @Parameters(index = "0", paramLabel = "IMAGE")
    Path image;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "OUT", converter = Converters.PictureFile.class)
    Path output;

    @Option(names = "--direction", paramLabel = "FILE", converter = Converters.PictureFile.class)
    Path direction;

    @Option(names = "--gx", paramLabel = "FILE", converter = Converters.PictureFile.class)
    Path gx;

    @Option(names = "--gy", paramLabel = "FILE", converter = Converters.PictureFile.class)
    Path gy;

    @Option(names = "--padding", paramLabel = "valid|same|N|T,B,L,R", defaultValue = "same")
    PaddingSpec padding;

    @Option(names = "--pad-mode", paramLabel = "zero|replicate|reflect", defaultValue = "replicate")
    PadMode padMode;

    @Override
    public Integer call() throws Exception {
        // Every target is checked before the work starts, so a typo in the last one leaves no other file behind.
        ImageOutput magOut = ImageOutput.of(output);
        ImageOutput dirOut = direction == null ? null : ImageOutput.of(direction);
        ImageOutput gxOut = gx == null ? null : ImageOutput.of(gx);
        ImageOutput gyOut = gy == null ? null : ImageOutput.of(gy);
        Tensor in = Images.readToProcess(image, 4);
        SobelEdges e = BadInputException.prefixed(image + ": ", () -> ImageFilters.sobelEdges(in, padding, padMode));
        write(magOut, e.magnitude(), DisplayMaps.scaledToMax(e.magnitude()));
        if (dirOut != null) {
            write(dirOut, e.direction(), DisplayMaps.directionWheel(e.direction(), e.magnitude()));
        }
        if (gxOut != null) {
            write(gxOut, e.gx(), DisplayMaps.signedGrey(e.gx()));
        }
        if (gyOut != null) {
            write(gyOut, e.gy(), DisplayMaps.signedGrey(e.gy()));
        }
        out().printf("%s (%s) -> Sobel edges %s, magnitude %s -> %s%s%s%s%n", image,
                MatrixText.size(in), MatrixText.size(e.magnitude()), MatrixText.range(e.magnitude()), output,
                dirOut == null ? "" : ", direction -> " + direction, gxOut == null ? "" : ", Gx -> " + gx,
                gyOut == null ? "" : ", Gy -> " + gy);
        return 0;
    }

    /** Raw numbers to CSV, the display mapping to a picture. */
    static void write(ImageOutput out, Tensor raw, Tensor picture) throws java.io.IOException {
        out.write(out.csv() ? raw : picture);
    }
}

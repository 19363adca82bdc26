package org.convnet4j.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.convnet4j.ops.PadMode;
import org.convnet4j.ops.PaddingSpec;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.vision.ImageFilters;
import org.convnet4j.vision.SobelEdges;
import org.convnet4j.vision.DisplayMaps;
import org.convnet4j.vision.MatrixText;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** Sobel edge detection: gradient magnitude and, optionally, direction and the two derivatives. */
@Command(name = "edges", mixinStandardHelpOptions = true, versionProvider = VersionInfo.class, sortOptions = false,
        header = "Sobel edge detection: gradient magnitude, direction, Gx and Gy.",
        description = {
            "On the grey version of IMAGE: Gx = sobel-x * A, Gy = sobel-y * A, magnitude sqrt(Gx^2 + Gy^2), "
                + "direction atan2(Gy, Gx) (y points down).",
            "Pictures: the magnitude is scaled so that the strongest edge is 255 (0 stays black); Gx and Gy are "
                + "grey with 0 at mid-grey 128, positive brighter; the direction is a colour wheel (hue = angle: "
                + "0 red, 60 yellow, 120 green, 180 cyan, 240 blue, 300 magenta) with brightness = magnitude, so "
                + "flat areas are black. A .csv output holds the raw numbers instead (direction in radians).",
            ""
        },
        footer = {
            "",
            "Examples:",
            "  convnet4j edges photo.png -o edges.png",
            "  convnet4j edges photo.png -o edges.png --direction dir.png --gx gx.png --gy gy.png",
            "  convnet4j edges step.png --padding valid -o magnitude.csv"
        })
final class EdgesCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "IMAGE", description = "Input picture (PNG, JPEG, BMP or GIF).")
    Path image;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "OUT",
            description = "Gradient magnitude: a picture, or .csv for the raw numbers.")
    Path output;

    @Option(names = "--direction", paramLabel = "FILE", description = "Also write the gradient direction.")
    Path direction;

    @Option(names = "--gx", paramLabel = "FILE", description = "Also write Gx (sobel-x response, vertical edges).")
    Path gx;

    @Option(names = "--gy", paramLabel = "FILE", description = "Also write Gy (sobel-y response, horizontal edges).")
    Path gy;

    @Option(names = "--padding", paramLabel = "valid|same|N|T,B,L,R", defaultValue = "same",
            converter = Converters.PaddingConverter.class,
            description = "Default: same (the output has the input's size); valid gives (H-2) x (W-2) as in the lecture.")
    PaddingSpec padding;

    @Option(names = "--pad-mode", paramLabel = "zero|replicate|reflect", defaultValue = "replicate",
            converter = Converters.PadModeConverter.class,
            description = "Default: replicate, because zero padding would draw a false edge around the border.")
    PadMode padMode;

    @Override
    public Integer call() throws Exception {
        // Every target is checked before the work starts, so a typo in the last one leaves no other file behind.
        OutputFile magOut = OutputFile.of(output);
        OutputFile dirOut = direction == null ? null : OutputFile.of(direction);
        OutputFile gxOut = gx == null ? null : OutputFile.of(gx);
        OutputFile gyOut = gy == null ? null : OutputFile.of(gy);
        Tensor in = InputImage.read(image, false, 4);
        SobelEdges e = compute(image, in, padding, padMode);
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
        spec.commandLine().getOut().printf("%s (%s) -> Sobel edges %s, magnitude %s -> %s%s%s%s%n", image,
                InputImage.describe(in), InputImage.describe(e.magnitude()), MatrixText.range(e.magnitude()), output,
                dirOut == null ? "" : ", direction -> " + direction, gxOut == null ? "" : ", Gx -> " + gx,
                gyOut == null ? "" : ", Gy -> " + gy);
        return 0;
    }

    static SobelEdges compute(Path image, Tensor in, PaddingSpec padding, PadMode padMode) {
        try {
            return ImageFilters.sobelEdges(in, padding, padMode);
        } catch (IllegalArgumentException ex) {
            throw new BadInputException(image + ": " + ex.getMessage(), ex);
        }
    }

    /** Raw numbers to CSV, the display mapping to a picture. */
    static void write(OutputFile out, Tensor raw, Tensor picture) throws java.io.IOException {
        out.write(out.csv() ? raw : picture);
    }
}

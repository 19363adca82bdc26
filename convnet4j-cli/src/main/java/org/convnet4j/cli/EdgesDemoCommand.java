package org.convnet4j.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.convnet4j.ops.PadMode;
import org.convnet4j.ops.PaddingSpec;
import org.convnet4j.ops.PoolParams;
import org.convnet4j.ops.Pooling;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.vision.ClassicKernels;
import org.convnet4j.vision.ImageFilters;
import org.convnet4j.vision.Normalization;
import org.convnet4j.vision.SobelEdges;
import org.convnet4j.vision.DisplayMaps;
import org.convnet4j.vision.MatrixText;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The guided tour: the lecture's 6x6 Sobel example in numbers, then edge maps and other filters of a real
 * photograph written as PNG files.
 */
@Command(name = "edges", mixinStandardHelpOptions = true, versionProvider = VersionInfo.class, sortOptions = false,
        header = "The image-operator tour: the lecture's Sobel example, then edge maps of a photo written to out/.",
        description = {
            "Prints the lecture's edge-detection example (a 6x6 step image * Sobel-y = rows 0, -1020, -1020, 0), "
                + "then runs Sobel edges, a Laplacian, a blur, a sharpen and max pooling on a photograph and "
                + "writes the results as PNG files to OUT_DIR.",
            ""
        },
        footer = {
            "",
            "Examples:",
            "  convnet4j demo edges",
            "  convnet4j demo edges --image my-photo.jpg -o my-out"
        })
final class EdgesDemoCommand implements Callable<Integer> {
    static final String SAMPLE = "demo/images/chelsea.png";

    @Spec
    CommandSpec spec;

    @Option(names = "--image", paramLabel = "IMAGE",
            description = "Photograph to use. Default: the shipped sample " + SAMPLE + " (Chelsea the cat, CC0).")
    Path image;

    @Option(names = {"-o", "--out-dir"}, paramLabel = "OUT_DIR", defaultValue = "out",
            description = "Directory for the pictures (created if missing). Default: ${DEFAULT-VALUE}.")
    Path outDir;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Path photo = image != null ? image : sample();
        // Inputs and the output directory are checked before anything is printed or written.
        Tensor rgb = InputImage.read(photo, false, 4);
        if (Files.exists(outDir) && !Files.isDirectory(outDir)) {
            throw new BadInputException(outDir + ": exists and is not a directory");
        }
        Files.createDirectories(outDir);
        lectureExample(out);

        out.println("2. Filters on a photograph: " + photo + " (" + InputImage.describe(rgb) + ")");
        SobelEdges e = EdgesCommand.compute(photo, rgb, PaddingSpec.same(), PadMode.REPLICATE);
        save(out, "sobel-x.png", DisplayMaps.signedGrey(e.gx()), "Gx = sobel-x * A: vertical edges (grey 128 = 0)");
        save(out, "sobel-y.png", DisplayMaps.signedGrey(e.gy()), "Gy = sobel-y * A: horizontal edges");
        save(out, "edges-magnitude.png", DisplayMaps.scaledToMax(e.magnitude()), "sqrt(Gx^2 + Gy^2): all edges");
        save(out, "edges-direction.png", DisplayMaps.directionWheel(e.direction(), e.magnitude()),
                "atan2(Gy, Gx) as hue, brightness = magnitude");
        Tensor grey = ImageFilters.toGrey(rgb);
        save(out, "laplacian.png", Normalization.absMinMax(filter(grey, "laplacian"), false),
                "|laplacian * A|: second derivative, thin edges");
        save(out, "gaussian-blur.png", filter(rgb, "gaussian:2"), "gaussian:2 (13x13) on each RGB channel");
        save(out, "sharpen.png", filter(rgb, "sharpen"), "sharpen on each RGB channel (clamped to 0..255)");
        Tensor pooled = Pooling.forward(rgb.reshape(rgb.shape().prepend(1)), PoolParams.max(4, 4));
        save(out, "maxpool-4x4.png", pooled.reshape(pooled.shape().dropFirst()), "max pooling 4x4, stride 4");
        out.println("Open the PNG files in " + outDir.toAbsolutePath().normalize() + " to look at them.");
        return 0;
    }

    /** The shipped photo: next to the launcher (it passes -Dconvnet4j.home) or under the current directory. */
    private static Path sample() {
        String home = System.getProperty("convnet4j.home");
        Path p = home != null ? Path.of(home).resolve(SAMPLE) : Path.of(SAMPLE);
        if (!Files.isRegularFile(p)) {
            throw new BadInputException(p + ": sample photo not found; run from the convnet4j directory or pass --image FILE");
        }
        return p;
    }

    private static Tensor filter(Tensor image, String kernel) {
        return ImageFilters.convolve2d(image, ClassicKernels.byName(kernel), PaddingSpec.same(), PadMode.REPLICATE, 1);
    }

    private void save(PrintWriter out, String name, Tensor picture, String what) throws IOException {
        Path file = outDir.resolve(name);
        OutputFile.of(file).write(picture);
        out.printf("   %-27s %s%n", file, what);
    }

    private static void lectureExample(PrintWriter out) {
        double[][] rows = new double[6][6];
        for (int r = 3; r < 6; r++) {
            java.util.Arrays.fill(rows[r], 255);
        }
        Tensor a = Tensor.fromRows(rows);
        Tensor k = ClassicKernels.sobelY();
        Tensor chw = a.reshape(1, 6, 6);
        Tensor r = ImageFilters.convolve2d(chw, k, PaddingSpec.valid(), PadMode.ZERO, 1);
        Tensor n = Normalization.minMax(r);
        Tensor r2 = ImageFilters.convolve2d(chw, k, PaddingSpec.valid(), PadMode.ZERO, 2);
        out.println("1. The lecture's example: a 6x6 grey image A with a horizontal edge, convolved with Sobel-y K");
        out.println("   A =");
        out.print(MatrixText.format(a, "     "));
        out.println("   K (sobel-y) =");
        out.print(MatrixText.format(k, "     "));
        out.println("   R = A * K (no padding, stride 1: 6-3+1 = 4x4) =");
        out.print(MatrixText.format(r.reshape(4, 4), "     "));
        out.println("   normalised to 0..255 (min-max) =");
        out.print(MatrixText.format(n.reshape(4, 4), "     "));
        out.println("   stride 2: floor((6-3)/2)+1 = 2x2 =");
        out.print(MatrixText.format(r2.reshape(2, 2), "     "));
        out.println();
    }
}

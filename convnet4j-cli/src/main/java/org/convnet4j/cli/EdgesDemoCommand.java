package org.convnet4j.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.convnet4j.image.ImageOutput;
import org.convnet4j.image.Images;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.vision.FilterTour;
import org.convnet4j.vision.MatrixText;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The guided tour: the lecture's 6x6 Sobel example in numbers, then edge maps and other filters of a real
 * photograph written as PNG files.
 */
@Command(name = "edges", resourceBundle = "org.convnet4j.cli.help.demo-edges", sortOptions = false)
final class EdgesDemoCommand extends CliCommand {
    static final String SAMPLE = "demo/images/chelsea.png";

    @Option(names = "--image", paramLabel = "IMAGE",
            description = "Photograph to use. Default: the shipped sample " + SAMPLE + " (Chelsea the cat, CC0).")
    Path image;

    @Option(names = {"-o", "--out-dir"}, paramLabel = "DIR", defaultValue = "out")
    Path outDir;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = out();
        Path photo = image != null ? image : sample();
        // Inputs and the output directory are checked before anything is printed or written.
        Tensor rgb = Images.readToProcess(photo, 4);
        Files.createDirectories(outDir); // a file there: "OUT: exists and is not a directory" (FileProblems)
        out.print(FilterTour.lectureExample());
        out.println("2. Filters on a photograph: " + photo + " (" + MatrixText.size(rgb) + ")");
        try {
            FilterTour.pictures(rgb, p -> {
                Path file = outDir.resolve(p.file());
                ImageOutput.of(file).write(p.pixels());
                out.printf("   %-27s %s%n", file, p.description());
            });
        } catch (IllegalArgumentException e) {
            throw new BadInputException(photo + ": " + e.getMessage(), e);
        }
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
}

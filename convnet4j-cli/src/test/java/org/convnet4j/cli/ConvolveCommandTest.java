package org.convnet4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.convnet4j.image.Images;
import org.convnet4j.tensor.Tensor;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The lecture's edge-detection slides, run through the command line. */
class ConvolveCommandTest {
    @TempDir
    Path dir;
    Path step;

    /** The lecture's 6x6 grey image: three rows of 0 above three rows of 255. */
    static Tensor lectureStep() {
        Tensor t = Tensor.zeros(1, 6, 6);
        for (int r = 3; r < 6; r++) {
            for (int c = 0; c < 6; c++) {
                t.set(255f, 0, r, c);
            }
        }
        return t;
    }

    @BeforeEach
    void writeStep() throws IOException {
        step = dir.resolve("step.png");
        Images.write(lectureStep(), step);
    }

    static float[][] readCsv(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file).stream().filter(l -> !l.isBlank()).toList();
        float[][] m = new float[lines.size()][];
        for (int i = 0; i < m.length; i++) {
            String[] cells = lines.get(i).split(",");
            m[i] = new float[cells.length];
            for (int j = 0; j < cells.length; j++) {
                m[i][j] = Float.parseFloat(cells[j]);
            }
        }
        return m;
    }

    static float[] row(float... v) {
        return v;
    }

    @Test
    void sobelYOnTheLectureStepGivesTheSlidesNumbers() throws IOException {
        Path out = dir.resolve("r.csv");
        CliRun run = CliRun.of("convolve", step.toString(), "--kernel", "sobel-y", "-o", out.toString());
        assertEquals(0, run.exitCode(), run.err());
        float[][] m = readCsv(out);
        // 0*1 + 0*2 + 0*1 + 0 - (255+510+255) = -1020 where the window straddles the edge (slide "R").
        assertArrayEquals(new float[][] {
            row(0, 0, 0, 0), row(-1020, -1020, -1020, -1020), row(-1020, -1020, -1020, -1020), row(0, 0, 0, 0)}, m);
    }

    @Test
    void zeroPaddingByOneKeepsSixBySixAndShowsTheBorderEffects() throws IOException {
        Path out = dir.resolve("p.csv");
        CliRun run = CliRun.of("convolve", step.toString(), "-k", "sobel-y", "--padding", "1", "-o", out.toString());
        assertEquals(0, run.exitCode(), run.err());
        // Padding the *input* with zeros (what a CNN does): output row i compares input rows i-1 and i+1 with
        // column weights 1,2,1. Rows 2,3 straddle the step: -255*4 = -1020 inside, -255*3 = -765 at the
        // columns whose left/right neighbour is padding. Row 5 compares row 4 (255) with the zero padding
        // below the image, a false edge of +1020 (+765 at the corners).
        assertArrayEquals(new float[][] {
            row(0, 0, 0, 0, 0, 0),
            row(0, 0, 0, 0, 0, 0),
            row(-765, -1020, -1020, -1020, -1020, -765),
            row(-765, -1020, -1020, -1020, -1020, -765),
            row(0, 0, 0, 0, 0, 0),
            row(765, 1020, 1020, 1020, 1020, 765)}, readCsv(out));
    }

    @Test
    void replicatePaddingIsTheLecturesSameValuePadding() throws IOException {
        Path out = dir.resolve("p.csv");
        CliRun run = CliRun.of("convolve", step.toString(), "-k", "sobel-y", "--padding", "same", "--pad-mode",
                "replicate", "-o", out.toString());
        assertEquals(0, run.exitCode(), run.err());
        // Repeating edge pixels adds no false edge: only the two rows at the step respond, over the full width.
        float[] edge = {-1020, -1020, -1020, -1020, -1020, -1020};
        float[] flat = new float[6];
        assertArrayEquals(new float[][] {flat, flat, edge, edge, flat, flat}, readCsv(out));
    }

    @Test
    void strideTwoGivesTwoByTwo() throws IOException {
        Path out = dir.resolve("s.csv");
        CliRun run = CliRun.of("convolve", step.toString(), "-k", "sobel-y", "--stride", "2", "-o", out.toString());
        assertEquals(0, run.exitCode(), run.err());
        // floor((6-3)/2)+1 = 2; windows start at rows/columns 0 and 2: rows 0..2 are flat, rows 2..4 straddle.
        assertArrayEquals(new float[][] {row(0, 0), row(-1020, -1020)}, readCsv(out));
    }

    @Test
    void pictureOutputIsTheLecturesNormalisedImage() throws IOException {
        Path out = dir.resolve("n.png");
        CliRun run = CliRun.of("convolve", step.toString(), "-k", "sobel-y", "-o", out.toString());
        assertEquals(0, run.exitCode(), run.err());
        Tensor img = Images.read(out);
        assertArrayEquals(new int[] {1, 4, 4}, img.shape().dims());
        // min-max: 0 (the maximum) -> 255, -1020 (the minimum) -> 0.
        float[] expected = {255, 255, 255, 255, 0, 0, 0, 0, 0, 0, 0, 0, 255, 255, 255, 255};
        assertArrayEquals(expected, img.data());
    }

    @Test
    void kernelFileAndNormalizeAbsOnCsv() throws IOException {
        Path k = dir.resolve("k.txt");
        Files.writeString(k, "# my Sobel-y\n1 2 1\n0,0,0\n-1 -2 -1\n");
        Path out = dir.resolve("a.csv");
        CliRun run = CliRun.of("convolve", step.toString(), "-k", k.toString(), "--normalize", "abs", "-o", out.toString());
        assertEquals(0, run.exitCode(), run.err());
        // |R| = 0 or 1020, stretched to 0..255.
        assertArrayEquals(new float[][] {row(0, 0, 0, 0), row(255, 255, 255, 255), row(255, 255, 255, 255),
            row(0, 0, 0, 0)}, readCsv(out));
    }

    @Test
    void rgbStaysRgbAndGreyConverts() throws IOException {
        // A colour image whose three channels are different multiples of the step.
        Tensor rgb = Tensor.zeros(3, 6, 6);
        for (int ch = 0; ch < 3; ch++) {
            for (int r = 3; r < 6; r++) {
                for (int c = 0; c < 6; c++) {
                    rgb.set(50f * (ch + 1), ch, r, c);
                }
            }
        }
        Path in = dir.resolve("rgb.png");
        Images.write(rgb, in);
        Path out = dir.resolve("rgb.csv");
        assertEquals(0, CliRun.of("convolve", in.toString(), "-k", "sobel-y", "-o", out.toString()).exitCode());
        float[][] m = readCsv(out);
        assertEquals(12, m.length, "three 4-row blocks, one per channel");
        assertEquals(-4 * 50f, m[1][0]);
        assertEquals(-4 * 100f, m[5][0]);
        assertEquals(-4 * 150f, m[9][0]);

        Path grey = dir.resolve("grey.csv");
        assertEquals(0, CliRun.of("convolve", in.toString(), "-k", "sobel-y", "--grey", "-o", grey.toString()).exitCode());
        float[][] g = readCsv(grey);
        assertEquals(4, g.length);
        // luma of (50, 100, 150) = 0.299*50 + 0.587*100 + 0.114*150 = 90.75 (the PNG stores exact integers).
        assertEquals(-4 * 90.75f, g[1][0], 1e-3f);
    }
}

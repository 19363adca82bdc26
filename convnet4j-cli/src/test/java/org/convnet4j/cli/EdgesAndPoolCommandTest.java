package org.convnet4j.cli;

import static org.convnet4j.cli.ConvolveCommandTest.readCsv;
import static org.convnet4j.cli.ConvolveCommandTest.row;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import org.convnet4j.image.Images;
import org.convnet4j.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EdgesAndPoolCommandTest {
    @TempDir
    Path dir;

    /** 5x8 grey: columns 0..3 black, 4..7 white, a vertical edge between columns 3 and 4. */
    private Path verticalStep() throws IOException {
        Tensor t = Tensor.zeros(1, 5, 8);
        for (int r = 0; r < 5; r++) {
            for (int c = 4; c < 8; c++) {
                t.set(255f, 0, r, c);
            }
        }
        Path p = dir.resolve("vstep.png");
        Images.write(t, p);
        return p;
    }

    @Test
    void edgesOfAVerticalStep() throws IOException {
        Path in = verticalStep();
        Path mag = dir.resolve("m.csv");
        Path gx = dir.resolve("gx.csv");
        Path gy = dir.resolve("gy.csv");
        Path dirCsv = dir.resolve("d.csv");
        CliRun run = CliRun.of("edges", in.toString(), "-o", mag.toString(), "--gx", gx.toString(), "--gy", gy.toString(),
                "--direction", dirCsv.toString());
        assertEquals(0, run.exitCode(), run.err());
        // Default padding same + replicate: 5x8 out. Gx at column c = 1*(A[c-1] - A[c+1]) * (1+2+1): columns 3
        // and 4 see 0 on the left and 255 on the right: -1020. Replicated rows are equal, so Gy = 0.
        float[] gxRow = {0, 0, 0, -1020, -1020, 0, 0, 0};
        float[] magRow = {0, 0, 0, 1020, 1020, 0, 0, 0};
        float pi = (float) Math.PI;
        float[] dirRow = {0, 0, 0, pi, pi, 0, 0, 0};
        float[][] gxM = readCsv(gx);
        float[][] gyM = readCsv(gy);
        float[][] magM = readCsv(mag);
        float[][] dirM = readCsv(dirCsv);
        assertEquals(5, magM.length);
        for (int r = 0; r < 5; r++) {
            assertArrayEquals(gxRow, gxM[r]);
            assertArrayEquals(new float[8], gyM[r]);
            assertArrayEquals(magRow, magM[r]);
            assertArrayEquals(dirRow, dirM[r], 1e-6f);
        }
    }

    @Test
    void edgePicturesMagnitudeScaledAndDirectionColoured() throws IOException {
        Path in = verticalStep();
        Path mag = dir.resolve("m.png");
        Path dirPng = dir.resolve("d.png");
        Path gxPng = dir.resolve("gx.png");
        CliRun run = CliRun.of("edges", in.toString(), "-o", mag.toString(), "--direction", dirPng.toString(),
                "--gx", gxPng.toString());
        assertEquals(0, run.exitCode(), run.err());
        Tensor m = Images.read(mag);
        assertArrayEquals(new int[] {1, 5, 8}, m.shape().dims());
        assertArrayEquals(new float[] {0, 0, 0, 255, 255, 0, 0, 0}, java.util.Arrays.copyOfRange(m.data(), 8, 16));
        // Direction pi = 180 degrees is cyan (0, 255, 255) at full magnitude; no edge is black.
        Tensor d = Images.read(dirPng);
        assertArrayEquals(new int[] {3, 5, 8}, d.shape().dims());
        int plane = 40;
        int edge = 2 * 8 + 3;
        int flat = 2 * 8 + 1;
        assertArrayEquals(new float[] {0, 255, 255}, new float[] {d.data()[edge], d.data()[plane + edge], d.data()[2 * plane + edge]});
        assertArrayEquals(new float[] {0, 0, 0}, new float[] {d.data()[flat], d.data()[plane + flat], d.data()[2 * plane + flat]});
        // Gx picture: 0 is mid-grey 128, the most negative value black.
        Tensor g = Images.read(gxPng);
        assertEquals(128f, g.data()[flat]);
        assertEquals(0f, g.data()[edge]);
    }

    @Test
    void edgesValidPaddingShrinksByTwo() throws IOException {
        Path mag = dir.resolve("m.csv");
        CliRun run = CliRun.of("edges", verticalStep().toString(), "--padding", "valid", "-o", mag.toString());
        assertEquals(0, run.exitCode(), run.err());
        float[][] m = readCsv(mag);
        assertEquals(3, m.length);
        assertArrayEquals(new float[] {0, 0, 1020, 1020, 0, 0}, m[0]);
    }

    private Path grid4x4() throws IOException {
        // The values 1..16 row by row; every 2x2 window is {a, a+1, a+4, a+5}.
        Tensor t = Tensor.zeros(1, 4, 4);
        for (int i = 0; i < 16; i++) {
            t.data()[i] = i + 1;
        }
        Path p = dir.resolve("grid.png");
        Images.write(t, p);
        return p;
    }

    @Test
    void maxAvgAndLpPoolingOnFourByFour() throws IOException {
        Path in = grid4x4();
        Path max = dir.resolve("max.csv");
        Path avg = dir.resolve("avg.csv");
        Path lp = dir.resolve("lp.csv");
        assertEquals(0, CliRun.of("pool", in.toString(), "--type", "max", "-o", max.toString()).exitCode());
        assertEquals(0, CliRun.of("pool", in.toString(), "--type", "avg", "-o", avg.toString()).exitCode());
        assertEquals(0, CliRun.of("pool", in.toString(), "--type", "lp", "--p", "2", "-o", lp.toString()).exitCode());
        assertArrayEquals(new float[][] {row(6, 8), row(14, 16)}, readCsv(max));
        assertArrayEquals(new float[][] {row(3.5f, 5.5f), row(11.5f, 13.5f)}, readCsv(avg));
        float[][] l = readCsv(lp);
        int[][] corners = {{1, 3}, {9, 11}};
        for (int r = 0; r < 2; r++) {
            for (int c = 0; c < 2; c++) {
                int a = corners[r][c];
                double expected = Math.sqrt((double) a * a + (a + 1) * (a + 1) + (a + 4) * (a + 4) + (a + 5) * (a + 5));
                assertEquals(expected, l[r][c], 1e-4);
            }
        }
    }

    @Test
    void overlappingPoolWithPadding() throws IOException {
        Path out = dir.resolve("o.csv");
        CliRun run = CliRun.of("pool", grid4x4().toString(), "--type", "max", "--size", "3", "--stride", "1",
                "--padding", "1", "-o", out.toString());
        assertEquals(0, run.exitCode(), run.err());
        // (4 + 2 - 3)/1 + 1 = 4: the max of the 3x3 neighbourhood (clipped at the border) of each pixel.
        assertArrayEquals(new float[][] {row(6, 7, 8, 8), row(10, 11, 12, 12), row(14, 15, 16, 16), row(14, 15, 16, 16)},
                readCsv(out));
    }

    @Test
    void kernelsListsTheSobelMatrices() {
        CliRun run = CliRun.of("kernels");
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.out().contains("sobel-y (3x3)\n   1   2   1\n   0   0   0\n  -1  -2  -1\n"), run.out());
        assertTrue(run.out().contains("laplacian (3x3)"));
        CliRun one = CliRun.of("kernels", "box2");
        assertTrue(one.out().contains("0.2500  0.2500"), one.out());
    }
}

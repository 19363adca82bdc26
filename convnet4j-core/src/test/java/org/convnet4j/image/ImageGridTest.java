package org.convnet4j.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.convnet4j.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageGridTest {
    @TempDir
    Path dir;

    /** Three 2x3 maps: a ramp, a constant, a negative ramp; scale 2, two columns: 2 rows of tiles. */
    private static Tensor maps() {
        return Tensor.wrap(new float[] {
            0, 1, 2, 3, 4, 5,
            7, 7, 7, 7, 7, 7,
            -1, -2, -3, -4, -5, -6}, 3, 1, 2, 3);
    }

    private static float at(Tensor t, int c, int y, int x) {
        return t.data()[(c * t.dim(1) + y) * t.dim(2) + x];
    }

    @Test
    void tilesAreNormalisedEnlargedAndFramed() {
        Tensor g = ImageGrid.tile(maps(), 2, 2);
        // width 2 * (3*2 + 2) + 2 = 18, height 2 * (2*2 + 2) + 2 = 14
        assertEquals(3, g.dim(0));
        assertEquals(14, g.dim(1));
        assertEquals(18, g.dim(2));
        // frame and gaps
        assertEquals(60f, at(g, 0, 0, 0));
        assertEquals(60f, at(g, 1, 0, 0));
        assertEquals(90f, at(g, 2, 0, 0));
        assertEquals(90f, at(g, 2, 2, 8)); // gap between the first two tiles (x = 2 + 6)
        // first tile at (2, 2): ramp 0..5 -> 0, 51, 102 / 153, 204, 255, each value 2x2 pixels
        int[][] want = {{0, 51, 102}, {153, 204, 255}};
        for (int y = 0; y < 4; y++) {
            for (int x = 0; x < 6; x++) {
                for (int c = 0; c < 3; c++) {
                    assertEquals(want[y / 2][x / 2], at(g, c, 2 + y, 2 + x), "c" + c + " y" + y + " x" + x);
                }
            }
        }
        // second tile (constant) is black; third (negative ramp, second row) starts white at its top left
        assertEquals(0f, at(g, 0, 2, 10));
        assertEquals(0f, at(g, 2, 5, 15));
        assertEquals(255f, at(g, 1, 8, 2));
        assertEquals(0f, at(g, 1, 11, 7));
        // the empty fourth cell keeps the frame colour
        assertEquals(90f, at(g, 2, 9, 12));
    }

    @Test
    void oneColumnOfOneTileAndWrittenAsPng() throws Exception {
        Tensor one = Tensor.wrap(new float[] {2, 4, 6, 8}, 2, 2);
        Tensor g = ImageGrid.tile(one, 1, 5);
        assertEquals(6, g.dim(1));
        assertEquals(6, g.dim(2));
        Path png = dir.resolve("grid.png");
        ImageGrid.write(maps(), 3, 1, png);
        Tensor back = Images.read(png);
        assertEquals(0f, ImageGrid.tile(maps(), 3, 1).maxAbsDiff(back));
    }

    @Test
    void badArgumentsAreRefusedInOneLineAndWriteNothing() {
        Path png = dir.resolve("bad.png");
        for (Runnable r : new Runnable[] {
            () -> ImageGrid.tile(Tensor.wrap(new float[] {1, 2, 3}, 3), 1, 1),
            () -> ImageGrid.tile(maps(), 0, 1),
            () -> ImageGrid.tile(maps(), 1, 0),
            () -> ImageGrid.tile(Tensor.zeros(1, 100, 100), 2000, 1)}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, r::run);
            assertTrue(e.getMessage().startsWith("ImageGrid: "), e.getMessage());
            assertFalse(e.getMessage().contains("\n"), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> ImageGrid.write(maps(), 0, 1, png));
        assertFalse(Files.exists(png));
    }
}

package org.convnet4j.charts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.Map;
import javax.imageio.ImageIO;
import org.convnet4j.train.History;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The training curves: a 1400x500 PNG, loss left and accuracy right, drawn from a history. */
class TrainingCurvesTest {
    @Test
    void drawsLossAndAccuracySideBySide(@TempDir Path dir) throws Exception {
        History h = new History();
        for (int e = 1; e <= 3; e++) {
            h.add(Map.of(History.EPOCH, (double) e, History.TRAIN_LOSS, 1.0 / e, History.TRAIN_ACCURACY, 0.5 + 0.1 * e,
                    History.VAL_LOSS, 1.2 / e, History.VAL_ACCURACY, 0.45 + 0.1 * e));
        }
        Path png = dir.resolve("training-curves.png");
        TrainingCurves.write(h, png);
        BufferedImage img = ImageIO.read(png.toFile());
        assertEquals(1400, img.getWidth());
        assertEquals(500, img.getHeight());
        // both halves carry a drawing (not one blank colour): lines, axes and titles
        for (int x0 : new int[] {0, 700}) {
            int first = img.getRGB(x0 + 350, 250);
            boolean varied = false;
            for (int y = 0; y < 500 && !varied; y += 5) {
                for (int x = x0; x < x0 + 700 && !varied; x += 5) {
                    varied = img.getRGB(x, y) != first;
                }
            }
            assertNotEquals(false, varied, "half at x=" + x0 + " is blank");
        }
    }
}

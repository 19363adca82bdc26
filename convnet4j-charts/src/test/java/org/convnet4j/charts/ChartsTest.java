package org.convnet4j.charts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.convnet4j.train.ConfusionMatrix;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The confusion-matrix heat map and the bar chart that evaluate, fuse and zoo-benchmark draw (moved from the CLI). */
class ChartsTest {
    private static boolean varied(BufferedImage img) {
        int first = img.getRGB(img.getWidth() / 2, img.getHeight() / 2);
        for (int y = 0; y < img.getHeight(); y += 5) {
            for (int x = 0; x < img.getWidth(); x += 5) {
                if (img.getRGB(x, y) != first) {
                    return true;
                }
            }
        }
        return false;
    }

    @Test
    void theConfusionMatrixIsAHeatMapInTheGivenDirectory(@TempDir Path dir) throws Exception {
        ConfusionMatrix cm = new ConfusionMatrix(List.of("cat", "dog", "bird"));
        for (int i = 0; i < 30; i++) {
            cm.add(i % 3, i % 5 == 0 ? (i + 1) % 3 : i % 3);
        }
        Path png = Charts.confusionMatrix(cm, dir.resolve("plots"));
        assertEquals(dir.resolve("plots").resolve("confusion-matrix.png"), png);
        BufferedImage img = ImageIO.read(png.toFile());
        assertEquals(900, img.getWidth());
        assertEquals(800, img.getHeight());
        assertTrue(varied(img));
    }

    @Test
    void barsDrawOneBarPerSeriesAndCategoryAndRefuseARaggedSeries(@TempDir Path dir) throws Exception {
        Map<String, double[]> series = new LinkedHashMap<>();
        series.put("top-1", new double[] {0.7, 0.8});
        series.put("top-5", new double[] {0.9, Double.NaN});
        Path png = dir.resolve("bars.png");
        Charts.bars("accuracy", "accuracy", List.of("lenet5", "alexnet"), series, 0, 1, png);
        BufferedImage img = ImageIO.read(png.toFile());
        assertEquals(900, img.getWidth());
        assertEquals(500, img.getHeight());
        assertTrue(varied(img));
        Map<String, Map<String, Double>> grouped = new LinkedHashMap<>();
        grouped.put("early", Map.of("clean", 0.8, "noise", 0.6));
        grouped.put("late", Map.of("clean", 0.85, "noise", Double.NaN));
        Path fuse = dir.resolve("robustness.png");
        Charts.groupedBars("accuracy", "accuracy", grouped, 0, fuse);
        BufferedImage g = ImageIO.read(fuse.toFile());
        assertEquals(1400, g.getWidth());
        assertEquals(620, g.getHeight());
        assertTrue(varied(g));
        Path bad = dir.resolve("bad.png");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Charts.bars("t", "y",
                List.of("a", "b", "c"), Map.of("s", new double[] {1, 2}), 0, 1, bad));
        assertTrue(e.getMessage().contains("'s' has 2 values for 3 categories"), e.getMessage());
        assertFalse(Files.exists(bad));
    }
}

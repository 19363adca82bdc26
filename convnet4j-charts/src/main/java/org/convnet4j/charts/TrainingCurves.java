package org.convnet4j.charts;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import javax.imageio.ImageIO;
import org.convnet4j.train.History;
import org.convnet4j.transfer.TransferCase;
import org.convnet4j.transfer.TransferRun;
import org.convnet4j.util.AtomicFiles;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * Training curves and other per-epoch line charts as PNG files (JFreeChart), written atomically (a temporary file,
 * then a rename), so a picture can be watched while training runs. The {@code train} commands of the CLI and of
 * convnet4j-spark draw their {@code --plots} with it (through {@link PlotListener}).
 */
public final class TrainingCurves {
    private TrainingCurves() {
    }

    /** Loss on the left, accuracy on the right; validation lines only when the history has them. */
    public static void write(History history, Path png) throws IOException {
        Map<String, double[]> losses = new LinkedHashMap<>();
        Map<String, double[]> accuracies = new LinkedHashMap<>();
        losses.put("train loss", history.series(History.TRAIN_LOSS));
        accuracies.put("train accuracy", history.series(History.TRAIN_ACCURACY));
        if (history.metricNames().contains(History.VAL_LOSS)) {
            losses.put("validation loss", history.series(History.VAL_LOSS));
            accuracies.put("validation accuracy", history.series(History.VAL_ACCURACY));
        }
        write(losses, accuracies, png);
    }

    /**
     * The curves of a transfer-learning run ({@code transfer --plots}) as {@code dir/transfer-curves.png}, the folder
     * made if needed, when the run trained by epochs (cases 2-4). Case 0 trains nothing and case 1 fits its classifier
     * in one go (one history row, no curve): nothing is written for them.
     *
     * @return the picture written, or empty for cases 0 and 1
     */
    public static Optional<Path> writeTransfer(TransferRun.Outcome run, Path dir) throws IOException {
        if (run.plan().transferCase() == TransferCase.BOTTLENECK || run.history().size() == 0) {
            return Optional.empty();
        }
        Files.createDirectories(dir);
        Path png = dir.resolve("transfer-curves.png");
        write(run.history(), png);
        return Optional.of(png);
    }

    /** Training curves: loss on the left chart, accuracy on the right, side by side in one PNG (1400x500). */
    public static void write(Map<String, double[]> losses, Map<String, double[]> accuracies, Path png)
            throws IOException {
        JFreeChart left = lineChart("Loss", "epoch", "loss", losses);
        JFreeChart right = lineChart("Accuracy", "epoch", "accuracy", accuracies);
        BufferedImage img = new BufferedImage(1400, 500, BufferedImage.TYPE_INT_RGB);
        java.awt.Graphics2D g = img.createGraphics();
        left.draw(g, new java.awt.geom.Rectangle2D.Double(0, 0, 700, 500));
        right.draw(g, new java.awt.geom.Rectangle2D.Double(700, 0, 700, 500));
        g.dispose();
        writePng(img, png);
    }

    /**
     * A line chart with one line per series (800x500); x runs 1..n (epochs).
     *
     * @param series name → values (NaN values are skipped)
     */
    public static void lines(String title, String xLabel, String yLabel, Map<String, double[]> series, Path png)
            throws IOException {
        writePng(lineChart(title, xLabel, yLabel, series).createBufferedImage(800, 500), png);
    }

    private static JFreeChart lineChart(String title, String x, String y, Map<String, double[]> series) {
        XYSeriesCollection data = new XYSeriesCollection();
        for (Map.Entry<String, double[]> e : series.entrySet()) {
            XYSeries s = new XYSeries(e.getKey());
            double[] v = e.getValue();
            for (int i = 0; i < v.length; i++) {
                if (!Double.isNaN(v[i])) {
                    s.add(i + 1, v[i]);
                }
            }
            data.addSeries(s);
        }
        JFreeChart chart = ChartFactory.createXYLineChart(title, x, y, data, PlotOrientation.VERTICAL, true, false, false);
        XYPlot plot = chart.getXYPlot();
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(true, true);
        for (int i = 0; i < series.size(); i++) {
            r.setSeriesStroke(i, new BasicStroke(2f));
        }
        plot.setRenderer(r);
        ((NumberAxis) plot.getDomainAxis()).setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        ((NumberAxis) plot.getRangeAxis()).setAutoRangeIncludesZero(false);
        return chart;
    }

    /** {@code img} as a PNG file, written atomically. */
    public static void writePng(BufferedImage img, Path png) throws IOException {
        AtomicFiles.write(png, out -> {
            if (!ImageIO.write(img, "png", out)) {
                throw new IOException(png + ": no PNG writer available");
            }
        });
    }
}

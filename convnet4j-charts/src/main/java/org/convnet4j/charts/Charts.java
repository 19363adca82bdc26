package org.convnet4j.charts;

import java.awt.Color;
import java.awt.Font;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.SymbolAxis;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.LookupPaintScale;
import org.jfree.chart.renderer.xy.XYBlockRenderer;
import org.jfree.chart.title.PaintScaleLegend;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.data.xy.DefaultXYZDataset;

/**
 * PNG charts drawn with JFreeChart, written atomically: a confusion matrix as a heat map (what {@code evaluate
 * --plots} and {@code fuse --plots} draw) and grouped bar charts (the zoo benchmark's accuracies); training curves
 * are {@link TrainingCurves}.
 */
public final class Charts {
    private Charts() {
    }

    /** The heat map of {@code cm} as {@code dir/confusion-matrix.png} (the directory made if needed); returns the file. */
    public static Path confusionMatrix(org.convnet4j.train.ConfusionMatrix cm, Path dir) throws IOException {
        java.nio.file.Files.createDirectories(dir);
        int k = cm.numClasses();
        long[][] counts = new long[k][k];
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < k; j++) {
                counts[i][j] = cm.count(i, j);
            }
        }
        Path png = dir.resolve("confusion-matrix.png");
        confusionMatrix(counts, cm.classNames(), png);
        return png;
    }

    /**
     * A confusion matrix as a heat map: rows are true classes (top to bottom), columns predicted classes,
     * colour is the fraction of the row (so classes of different sizes compare).
     */
    public static void confusionMatrix(long[][] counts, List<String> classNames, Path png) throws IOException {
        int k = counts.length;
        int cells = k * k;
        double[] xs = new double[cells];
        double[] ys = new double[cells];
        double[] zs = new double[cells];
        int idx = 0;
        for (int t = 0; t < k; t++) {
            long rowSum = 0;
            for (long c : counts[t]) {
                rowSum += c;
            }
            for (int p = 0; p < k; p++) {
                xs[idx] = p;
                ys[idx] = k - 1 - t; // first class on top
                zs[idx] = rowSum == 0 ? 0 : counts[t][p] / (double) rowSum;
                idx++;
            }
        }
        DefaultXYZDataset data = new DefaultXYZDataset();
        data.addSeries("confusion", new double[][] {xs, ys, zs});
        String[] predicted = classNames.toArray(new String[0]);
        String[] actual = new String[k];
        for (int t = 0; t < k; t++) {
            actual[t] = classNames.get(k - 1 - t);
        }
        SymbolAxis xAxis = new SymbolAxis("predicted", predicted);
        xAxis.setVerticalTickLabels(true);
        SymbolAxis yAxis = new SymbolAxis("true class", actual);
        LookupPaintScale scale = new LookupPaintScale(0, 1.0001, Color.WHITE);
        for (int i = 0; i <= 20; i++) {
            double v = i / 20.0;
            int shade = (int) Math.round(255 * (1 - v));
            scale.add(v, new Color(shade, shade, 255));
        }
        XYBlockRenderer renderer = new XYBlockRenderer();
        renderer.setPaintScale(scale);
        XYPlot plot = new XYPlot(data, xAxis, yAxis, renderer);
        plot.setBackgroundPaint(Color.WHITE);
        // the counts written into the cells make the picture readable without the legend
        for (int i = 0; i < cells; i++) {
            int p = (int) xs[i];
            int t = k - 1 - (int) ys[i];
            org.jfree.chart.annotations.XYTextAnnotation a =
                    new org.jfree.chart.annotations.XYTextAnnotation(String.valueOf(counts[t][p]), xs[i], ys[i]);
            a.setFont(new Font("SansSerif", Font.PLAIN, k > 12 ? 8 : 11));
            a.setPaint(zs[i] > 0.5 ? Color.WHITE : Color.BLACK);
            plot.addAnnotation(a);
        }
        JFreeChart chart = new JFreeChart("Confusion matrix (row-normalised colour, counts in cells)",
                JFreeChart.DEFAULT_TITLE_FONT, plot, false);
        NumberAxis legendAxis = new NumberAxis("fraction of true class");
        legendAxis.setRange(0, 1);
        PaintScaleLegend legend = new PaintScaleLegend(scale, legendAxis);
        legend.setPosition(RectangleEdge.RIGHT);
        legend.setMargin(4, 4, 40, 4);
        chart.addSubtitle(legend);
        chart.setBackgroundPaint(Color.WHITE);
        save(chart, 900, 800, png);
    }

    /** Draws a zoo benchmark's accuracy chart ({@link org.convnet4j.run.ZooReport#chart()}) into {@code png}. */
    public static void bars(org.convnet4j.run.ZooReport.Chart c, Path png) throws IOException {
        bars(c.title(), c.valueAxis(), c.labels(), c.series(), c.yMin(), c.yMax(), png);
    }

    /**
     * A grouped bar chart: one group per category, one bar per series (a NaN value leaves its bar out), with
     * the value printed above each bar and the y axis from {@code yMin} to {@code yMax}.
     */
    public static void bars(String title, String yLabel, List<String> categories, Map<String, double[]> series,
                            double yMin, double yMax, Path png) throws IOException {
        org.jfree.data.category.DefaultCategoryDataset data = new org.jfree.data.category.DefaultCategoryDataset();
        for (Map.Entry<String, double[]> e : series.entrySet()) {
            double[] v = e.getValue();
            if (v.length != categories.size()) {
                throw new IllegalArgumentException("Charts.bars: series '" + e.getKey() + "' has " + v.length
                        + " values for " + categories.size() + " categories");
            }
            for (int i = 0; i < v.length; i++) {
                if (!Double.isNaN(v[i])) {
                    data.addValue(v[i], e.getKey(), categories.get(i));
                }
            }
        }
        JFreeChart chart = ChartFactory.createBarChart(title, null, yLabel, data, PlotOrientation.VERTICAL, true,
                false, false);
        org.jfree.chart.plot.CategoryPlot plot = chart.getCategoryPlot();
        plot.setBackgroundPaint(Color.WHITE);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        plot.getRangeAxis().setRange(yMin, yMax);
        // long category names wrap instead of being cut to "..."
        plot.getDomainAxis().setMaximumCategoryLabelLines(3);
        org.jfree.chart.renderer.category.BarRenderer r = (org.jfree.chart.renderer.category.BarRenderer) plot.getRenderer();
        r.setBarPainter(new org.jfree.chart.renderer.category.StandardBarPainter());
        r.setShadowVisible(false);
        r.setItemMargin(0.05);
        r.setDefaultItemLabelGenerator(new org.jfree.chart.labels.StandardCategoryItemLabelGenerator("{2}",
                new java.text.DecimalFormat("0.000")));
        r.setDefaultItemLabelsVisible(true);
        chart.setBackgroundPaint(Color.WHITE);
        save(chart, 900, 500, png);
    }

    /**
     * Draws a transfer experiment's held-out accuracies ({@link org.convnet4j.transfer.TransferExperiment.Report#chartValues()})
     * as grouped bars into {@code png}, 1100 x 500 pixels: one group per target and size, one bar per case.
     */
    public static void transferAccuracy(List<org.convnet4j.transfer.TransferExperiment.ChartValue> bars, Path png)
            throws IOException {
        org.jfree.data.category.DefaultCategoryDataset data = new org.jfree.data.category.DefaultCategoryDataset();
        bars.forEach(v -> data.addValue(v.value(), v.series(), v.category()));
        JFreeChart chart = ChartFactory.createBarChart("Transfer learning: held-out accuracy by case",
                "target and training images per class", "accuracy", data, PlotOrientation.VERTICAL, true, false, false);
        chart.setBackgroundPaint(Color.WHITE);
        // six categories share 1100 pixels: "dissimilar 100/class" did not fit one line and was cut to
        // "dissimil..."; two lines and the whole category width fit every label
        org.jfree.chart.axis.CategoryAxis axis = chart.getCategoryPlot().getDomainAxis();
        axis.setMaximumCategoryLabelLines(2);
        axis.setMaximumCategoryLabelWidthRatio(1.0f);
        save(chart, 1100, 500, png);
    }

    /**
     * Grouped bars from nested maps (fuse-demo's accuracies per model and corruption), 1400 x 620 pixels.
     *
     * @param values series (bar colour) → category (group) → value; NaN values are left out
     * @param lower  lower end of the value axis (upper end: 1 if every value is at most 1, else 5% above the largest)
     */
    public static void groupedBars(String title, String yLabel, Map<String, Map<String, Double>> values, double lower,
                                   Path png) throws IOException {
        org.jfree.data.category.DefaultCategoryDataset data = new org.jfree.data.category.DefaultCategoryDataset();
        double max = 0;
        for (Map.Entry<String, Map<String, Double>> s : values.entrySet()) {
            for (Map.Entry<String, Double> c : s.getValue().entrySet()) {
                if (!Double.isNaN(c.getValue())) {
                    data.addValue(c.getValue(), s.getKey(), c.getKey());
                    max = Math.max(max, c.getValue());
                }
            }
        }
        JFreeChart chart = ChartFactory.createBarChart(title, null, yLabel, data, PlotOrientation.VERTICAL, true, false,
                false);
        chart.setBackgroundPaint(Color.WHITE);
        org.jfree.chart.plot.CategoryPlot plot = chart.getCategoryPlot();
        plot.setBackgroundPaint(Color.WHITE);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        plot.getDomainAxis().setCategoryLabelPositions(org.jfree.chart.axis.CategoryLabelPositions.STANDARD);
        ((NumberAxis) plot.getRangeAxis()).setRange(lower, max <= 1 ? 1.0 : max * 1.05);
        org.jfree.chart.renderer.category.BarRenderer r = (org.jfree.chart.renderer.category.BarRenderer) plot.getRenderer();
        r.setBarPainter(new org.jfree.chart.renderer.category.StandardBarPainter());
        r.setShadowVisible(false);
        r.setItemMargin(0.02);
        save(chart, 1400, 620, png);
    }

    private static void save(JFreeChart chart, int w, int h, Path png) throws IOException {
        writePng(chart.createBufferedImage(w, h), png);
    }

    /** Writes {@code img} as a PNG file, atomically. */
    public static void writePng(BufferedImage img, Path png) throws IOException {
        TrainingCurves.writePng(img, png);
    }
}

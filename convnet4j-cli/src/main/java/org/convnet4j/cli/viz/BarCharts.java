package org.convnet4j.cli.viz;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import javax.imageio.ImageIO;
import org.convnet4j.util.AtomicFiles;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.CategoryLabelPositions;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.data.category.DefaultCategoryDataset;

/** Grouped bar charts (one group per condition, one bar per series), e.g. accuracy of models under corruptions. */
public final class BarCharts {
    private BarCharts() {
    }

    /**
     * @param values series (bar colour) → category (group) → value; NaN values are left out
     * @param lower  lower end of the value axis (upper end: 1 if every value is at most 1)
     */
    public static void grouped(String title, String yLabel, Map<String, Map<String, Double>> values, double lower,
                               Path png) throws IOException {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
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
        CategoryPlot plot = chart.getCategoryPlot();
        plot.setBackgroundPaint(Color.WHITE);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        plot.getDomainAxis().setCategoryLabelPositions(CategoryLabelPositions.STANDARD);
        NumberAxis y = (NumberAxis) plot.getRangeAxis();
        y.setRange(lower, max <= 1 ? 1.0 : max * 1.05);
        BarRenderer r = (BarRenderer) plot.getRenderer();
        r.setBarPainter(new StandardBarPainter());
        r.setShadowVisible(false);
        r.setItemMargin(0.02);
        BufferedImage img = chart.createBufferedImage(1400, 620);
        AtomicFiles.write(png, out -> ImageIO.write(img, "png", out));
    }
}

/**
 * Training curves of convnet4j as PNG files (JFreeChart): {@code TrainingCurves}, and {@code PlotListener} to redraw
 * them after every epoch. On the class path this descriptor is ignored and the jar is {@code org.convnet4j.charts}
 * only by name.
 */
module org.convnet4j.charts {
    requires transitive org.convnet4j.core; // PlotListener is a TrainingListener
    requires transitive java.desktop;
    requires org.jfree.jfreechart;

    exports org.convnet4j.charts;
}

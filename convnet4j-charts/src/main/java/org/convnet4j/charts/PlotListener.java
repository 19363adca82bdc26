package org.convnet4j.charts;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Map;
import org.convnet4j.train.TrainingContext;
import org.convnet4j.train.TrainingListener;

/**
 * Redraws the training curves ({@link TrainingCurves#write(org.convnet4j.train.History, Path)}: loss and accuracy per
 * epoch, training and validation) as one PNG after every epoch, so the picture can be watched while training runs;
 * the file is replaced atomically.
 */
public final class PlotListener implements TrainingListener {
    private final Path png;

    /** Writes to {@code png} (its folder must exist). */
    public PlotListener(Path png) {
        this.png = png;
    }

    @Override
    public void onEpochEnd(TrainingContext ctx, int epoch, Map<String, Double> record) {
        try {
            TrainingCurves.write(ctx.history(), png);
        } catch (IOException e) {
            throw new UncheckedIOException("could not write the training curves to " + png + ": " + e.getMessage(), e);
        }
    }
}

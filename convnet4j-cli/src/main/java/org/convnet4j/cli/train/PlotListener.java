package org.convnet4j.cli.train;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.convnet4j.cli.viz.Charts;
import org.convnet4j.train.History;
import org.convnet4j.train.TrainingContext;
import org.convnet4j.train.TrainingListener;

/**
 * Redraws the training curves (loss and accuracy per epoch, training and validation) as one PNG after every
 * epoch, so the picture can be watched while training runs; the file is replaced atomically.
 */
public final class PlotListener implements TrainingListener {
    private final Path png;

    public PlotListener(Path png) {
        this.png = png;
    }

    @Override
    public void onEpochEnd(TrainingContext ctx, int epoch, Map<String, Double> record) {
        try {
            write(ctx.history(), png);
        } catch (IOException e) {
            throw new UncheckedIOException("could not write the training curves to " + png + ": " + e.getMessage(), e);
        }
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
        Charts.trainingCurves(losses, accuracies, png);
    }
}

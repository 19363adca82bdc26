package org.convnet4j.charts;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.convnet4j.train.TrainingContext;
import org.convnet4j.train.TrainingListener;
import org.convnet4j.util.AtomicFiles;

/**
 * Redraws the training curves ({@link TrainingCurves#write(org.convnet4j.train.History, Path)}: loss and accuracy per
 * epoch, training and validation) as one PNG after every epoch, so the picture can be watched while training runs;
 * the file is replaced atomically.
 *
 * <p>By default a failed write (a full disk) stops training with an UncheckedIOException. After
 * {@link #keepTrainingOnFailure()} it does not: the first failure is kept for {@link #failure()}, no further
 * picture is tried, and the run goes on to save its model; a picture is not worth the epochs.
 */
public final class PlotListener implements TrainingListener {
    private final Path png;
    private boolean keepTraining;
    private IOException failure;

    /** Writes to {@code png} (its folder must exist). */
    public PlotListener(Path png) {
        this.png = png;
    }

    /**
     * The curves of a training run in {@code dir/training-curves.png}, as {@code train --plots DIR} draws them: the
     * folder is made and the picture checked writable now, before the training rather than after it, and a write that
     * fails later (a full disk) does not stop the training ({@link #keepTrainingOnFailure()}: see {@link #failure()}).
     */
    public static PlotListener trainingCurvesIn(Path dir) throws IOException {
        Files.createDirectories(dir);
        Path png = dir.resolve("training-curves.png");
        AtomicFiles.requireWritable(png);
        return new PlotListener(png).keepTrainingOnFailure();
    }

    /** The picture this listener draws. */
    public Path file() {
        return png;
    }

    /** A failed write no longer stops training; see {@link #failure()}. Returns this listener. */
    public PlotListener keepTrainingOnFailure() {
        this.keepTraining = true;
        return this;
    }

    /** The first failed write (its message names the file and the cause), or null. */
    public IOException failure() {
        return failure;
    }

    @Override
    public void onEpochEnd(TrainingContext ctx, int epoch, Map<String, Double> record) {
        if (failure != null) {
            return;
        }
        try {
            TrainingCurves.write(ctx.history(), png);
        } catch (IOException e) {
            if (!keepTraining) {
                // the message names the file and the cause already
                throw new UncheckedIOException("training curves: " + e.getMessage(), e);
            }
            failure = e;
        }
    }
}

package org.convnet4j.train;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Function;
import org.convnet4j.checkpoint.Checkpoint;
import org.convnet4j.nn.Model;

/**
 * Saves the full training state (parameters, optimiser state, epoch, step, seed, history) at the end of
 * epochs: to the "last" file after every epoch, and to the "best" file when the monitored metric improves.
 * Writes are atomic ({@link Checkpoint#save}), so an interrupted or diverged run leaves the previous files
 * intact; any file written can be given to {@link Trainer#resume}.
 */
public final class CheckpointListener implements TrainingListener {
    private Path lastFile;
    private Path bestFile;
    private Monitor monitor;
    private Function<Model, String> describer = m -> "{}";
    private double best = Double.NaN;
    private int bestEpoch;

    /** Saves after every epoch to {@code file}. */
    public CheckpointListener saveLast(Path file) {
        this.lastFile = file;
        return this;
    }

    /**
     * Saves to {@code file} whenever {@code monitor} improves. In a resumed run the restored history's best counts
     * only while {@code file} exists: a best file named anew (a resumed run given another output) starts its own
     * record, so the first resumed epoch writes it; otherwise a run whose best epoch came before the resume point
     * would end with no model at all in the new file (as Keras' ModelCheckpoint, started afresh, also does).
     */
    public CheckpointListener saveBest(Path file, Monitor monitor) {
        this.bestFile = file;
        this.monitor = monitor;
        return this;
    }

    public CheckpointListener saveBest(Path file, String metric) {
        return saveBest(file, Monitor.of(metric));
    }

    /**
     * The description each checkpoint starts from (architecture, preprocessing), as JSON text of an object, e.g.
     * {@code m -> ModelFiles.describe(m, preprocessing)}; training state is added.
     */
    public CheckpointListener describedBy(Function<Model, String> describer) {
        this.describer = describer;
        return this;
    }

    @Override
    public void onTrainStart(TrainingContext ctx) {
        // after a resume, only a better epoch than the restored history's best replaces the best file
        best = Double.NaN;
        bestEpoch = 0;
        if (monitor != null && bestFile != null && Files.exists(bestFile)) {
            for (Map<String, Double> r : ctx.history().epochs()) {
                double v = monitor.valueIn(r);
                if (monitor.improves(v, best)) {
                    best = v;
                    bestEpoch = r.get(History.EPOCH).intValue();
                }
            }
        }
    }

    @Override
    public void onEpochEnd(TrainingContext ctx, int epoch, Map<String, Double> record) {
        Checkpoint checkpoint = null;
        if (bestFile != null) {
            double v = monitor.valueIn(record);
            if (monitor.improves(v, best)) {
                best = v;
                bestEpoch = epoch;
                checkpoint = TrainingCheckpoints.capture(ctx, describer.apply(ctx.model()));
                save(bestFile, checkpoint);
            }
        }
        if (lastFile != null) {
            save(lastFile, checkpoint != null ? checkpoint : TrainingCheckpoints.capture(ctx, describer.apply(ctx.model())));
        }
    }

    private static void save(Path file, Checkpoint checkpoint) {
        // never replace a good file with a diverged one, whatever listener order or trainer called us
        String broken = TrainingCheckpoints.firstNonFinite(checkpoint.parameters());
        if (broken != null) {
            throw new IllegalStateException("CheckpointListener: refusing to save " + file + ": its weights are not finite ("
                    + broken + "); the previous file is unchanged");
        }
        try {
            Checkpoint.save(file, checkpoint);
        } catch (IOException e) {
            // the write path's message already starts with the file ("X: could not write (No space left on device)")
            String m = String.valueOf(e.getMessage());
            throw new UncheckedIOException(m.startsWith(file.toString()) ? "could not save checkpoint " + m
                    : "could not save checkpoint " + file + ": " + m, e);
        }
    }

    public double best() {
        return best;
    }

    /** 1-based epoch saved in the best file; 0 if none. */
    public int bestEpoch() {
        return bestEpoch;
    }
}

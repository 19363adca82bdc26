package org.convnet4j.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import org.convnet4j.run.TrainingRun;
import org.convnet4j.run.TrainingSettings;

/** What {@code train} prints when the run is over: two summary lines, or one JSON object with {@code --json}. */
final class TrainReport {
    private TrainReport() {
    }

    static void print(PrintWriter stdout, TrainingSettings s, TrainingRun.Result r, boolean json, Path plots) {
        if (json) {
            stdout.println(new TrainingRun.Report(s, r).toJson());
            return;
        }
        if (!r.skipped().isEmpty()) {
            stdout.println(r.skippedLine());
        }
        if (r.history().size() > 0 && r.validation() != null) {
            stdout.printf(Locale.ROOT, "best validation accuracy %.4f at epoch %d%n", r.bestValidationAccuracy(),
                    r.bestEpoch());
        }
        stdout.printf(Locale.ROOT, "wrote %s (%s), %s (last epoch, for --resume)%s; %.1f s%n", r.out(),
                r.validation() == null ? "last epoch" : "best epoch", r.last(),
                plots == null ? "" : ", " + plots.resolve("training-curves.png"), r.seconds());
    }
}

package org.convnet4j.cli;

import com.google.gson.JsonObject;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import org.convnet4j.internal.json.Json;
import org.convnet4j.run.TrainingRun;
import org.convnet4j.run.TrainingSettings;

/** What {@code train} prints when the run is over: two summary lines, or one JSON object with {@code --json}. */
final class TrainReport {
    private TrainReport() {
    }

    static void print(PrintWriter stdout, TrainingSettings s, TrainingRun.Result r, boolean json, Path plots) {
        if (json) {
            stdout.println(Json.toPretty(resultJson(s, r)));
            return;
        }
        if (r.history().size() > 0 && r.validation() != null) {
            stdout.printf(Locale.ROOT, "best validation accuracy %.4f at epoch %d%n", r.bestValidationAccuracy(),
                    r.bestEpoch());
        }
        stdout.printf(Locale.ROOT, "wrote %s (%s), %s (last epoch, for --resume)%s; %.1f s%n", r.out(),
                r.validation() == null ? "last epoch" : "best epoch", r.last(),
                plots == null ? "" : ", " + plots.resolve("training-curves.png"), r.seconds());
    }

    private static JsonObject resultJson(TrainingSettings s, TrainingRun.Result r) {
        JsonObject o = new JsonObject();
        o.addProperty("model", s.model());
        o.addProperty("data", s.data());
        o.addProperty("train_samples", r.train().size());
        o.addProperty("val_samples", r.validation() == null ? 0 : r.validation().size());
        o.addProperty("epochs", r.history().size());
        o.addProperty("best_epoch", r.bestEpoch());
        if (!Double.isNaN(r.bestValidationAccuracy())) {
            o.addProperty("best_val_accuracy", r.bestValidationAccuracy());
        }
        o.addProperty("out", r.out().toString());
        o.addProperty("last", r.last().toString());
        o.addProperty("seconds", r.seconds());
        o.add("history", Json.parseArray(r.history().toJson(), "history"));
        return o;
    }
}

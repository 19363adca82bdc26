package org.convnet4j.run;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.convnet4j.dataspec.DataSpec;
import org.convnet4j.internal.json.Json;

/**
 * Whether the folder a model is about to be evaluated on is the folder it was trained on, as its file says
 * ({@code train}'s {@code cli_run.data}, {@code transfer}'s {@code transfer.data}, {@code fuse}'s
 * {@code fusion.inputs}). A new user evaluates the model
 * {@code transfer} made on the folder they gave it and reads an accuracy that counts the pictures it was fitted to;
 * {@link #warning} says so in one line. Only folders are compared (the built-in sets train on their training part
 * and are evaluated on their test part), by their real paths, a recorded relative path resolved against the
 * current directory; a recorded folder that no longer exists here compares as different.
 */
public final class TrainedOn {
    private TrainedOn() {
    }

    /**
     * The warning for evaluating the model file {@code modelName}, whose description is {@code description}, on {@code data}, or
     * empty when {@code data} is not a folder the file records as its training data (or the description cannot be
     * read: this is advice, never a reason to refuse).
     */
    public static Optional<String> warning(String description, String modelName, String data) {
        if (description == null || data == null || DataSpec.isBuiltInSpec(data)) {
            return Optional.empty();
        }
        JsonObject d;
        try {
            d = Json.parseObject(description, modelName + ": description");
        } catch (RuntimeException e) {
            return Optional.empty();
        }
        JsonObject t = object(d, "transfer");
        if (t != null && sameFolder(text(t, "data"), data)) {
            String measured = t.has("test_accuracy") && t.has("test_samples")
                    ? String.format(Locale.ROOT, "; transfer measured %.4f on the %d it held out",
                            t.get("test_accuracy").getAsDouble(), t.get("test_samples").getAsInt())
                    : "";
            String trained = t.has("train_samples") ? t.get("train_samples").getAsInt() + " of its pictures" : "most of its pictures";
            return Optional.of(modelName + " was made by transfer from this folder (" + data + "): " + trained
                    + " trained it, so accuracy on the whole folder overstates how it does on new pictures" + measured
                    + ". Evaluate a folder of other pictures.");
        }
        JsonObject c = object(d, "cli_run");
        if (c != null && sameFolder(text(c, "data"), data)) {
            return Optional.of(modelName + " was trained on this folder (" + data + ": all but its validation split), so"
                    + " accuracy on it overstates how it does on new pictures. Evaluate a folder of other pictures.");
        }
        return Optional.empty();
    }

    /**
     * The warning for evaluating the fusion model file {@code modelName} on {@code sources} (input name -> source):
     * empty unless some input is given the folder the file records as that input's training data ({@code fuse}'s
     * {@code fusion.inputs}, with {@code train_samples}, {@code val_samples} and {@code val_accuracy} when
     * recorded). {@code evaluate} without {@code --inputs} reads exactly those folders.
     */
    public static Optional<String> fusionWarning(String description, String modelName, Map<String, String> sources) {
        if (description == null || sources == null) {
            return Optional.empty();
        }
        JsonObject f;
        try {
            f = object(Json.parseObject(description, modelName + ": description"), "fusion");
        } catch (RuntimeException e) {
            return Optional.empty();
        }
        JsonObject recorded = f == null ? null : object(f, "inputs");
        if (recorded == null) {
            return Optional.empty();
        }
        List<String> same = new ArrayList<>();
        sources.forEach((name, source) -> {
            if (sameFolder(text(recorded, name), source)) {
                same.add(name + "=" + source);
            }
        });
        if (same.isEmpty()) {
            return Optional.empty();
        }
        boolean one = same.size() == 1;
        String trained = f.has("train_samples") ? f.get("train_samples").getAsInt() + " of " + (one ? "its" : "their")
                + " pictures" : "most of " + (one ? "its" : "their") + " pictures";
        String measured = f.has("val_accuracy") && f.has("val_samples")
                ? String.format(Locale.ROOT, "; fuse measured %.4f on the %d it held out",
                        f.get("val_accuracy").getAsDouble(), f.get("val_samples").getAsInt())
                : "";
        return Optional.of(modelName + " was trained on " + (one ? "this folder" : "these folders") + " ("
                + String.join(", ", same) + "): " + trained + " trained it, so accuracy on " + (one ? "it" : "them")
                + " overstates how it does on new pictures" + measured + ". Evaluate folders of other pictures.");
    }

    private static JsonObject object(JsonObject d, String key) {
        JsonElement e = d.get(key);
        return e != null && e.isJsonObject() ? e.getAsJsonObject() : null;
    }

    private static String text(JsonObject o, String key) {
        JsonElement e = o.get(key);
        return e != null && e.isJsonPrimitive() ? e.getAsString() : null;
    }

    private static boolean sameFolder(String recorded, String given) {
        if (recorded == null || DataSpec.isBuiltInSpec(recorded)) {
            return false;
        }
        try {
            Path a = Path.of(recorded);
            Path b = Path.of(given);
            return Files.isDirectory(a) && Files.isDirectory(b) && Files.isSameFile(a, b);
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }
}

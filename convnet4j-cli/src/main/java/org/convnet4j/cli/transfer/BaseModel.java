package org.convnet4j.cli.transfer;

import com.google.gson.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import org.convnet4j.model.ModelFiles;
import org.convnet4j.model.SavedModel;
import org.convnet4j.nn.Model;
import org.convnet4j.nn.Sequential;
import org.convnet4j.transfer.FeatureStatistics;
import org.convnet4j.transfer.Transfer;
import org.convnet4j.zoo.ModelZoo;

/** {@code --base}: a convnet4j model file, or a zoo name (random weights: only Case 4 makes sense with it). */
public record BaseModel(Sequential model, String origin, boolean pretrained, JsonObject description) {

    public static BaseModel load(String spec) {
        Path file = Path.of(spec);
        if (Files.exists(file)) {
            SavedModel saved;
            try {
                saved = ModelFiles.read(file);
            } catch (Exception e) {
                throw new IllegalArgumentException("--base " + spec + ": cannot read the base model: " + e.getMessage(), e);
            }
            if (!(saved.model() instanceof Sequential)) {
                throw new IllegalArgumentException("--base " + spec + ": transfer works on sequential models; this one is a "
                        + saved.model().type());
            }
            return new BaseModel((Sequential) saved.model(), spec, true, saved.description());
        }
        if (ModelZoo.contains(spec)) {
            Model m = ModelZoo.build(spec, null, 0);
            if (!(m instanceof Sequential)) {
                throw new IllegalArgumentException("--base " + spec + ": transfer works on sequential models; " + spec
                        + " is a " + m.type());
            }
            m.initialize(42);
            return new BaseModel((Sequential) m, spec, false, new JsonObject());
        }
        throw new IllegalArgumentException("--base " + spec + ": neither a model file nor a zoo model (zoo: "
                + String.join(", ", ModelZoo.names()) + ")");
    }

    /** A fresh copy: every plan takes the layers of the model it is given. */
    public Sequential copy() {
        return Transfer.copyOf(model);
    }

    /** The feature statistics saved with the base when it was trained, or null. */
    public FeatureStatistics featureStatistics() {
        if (description == null || !description.has(FeatureStatistics.KEY)) {
            return null;
        }
        return FeatureStatistics.fromJson(description.getAsJsonObject(FeatureStatistics.KEY), origin);
    }
}

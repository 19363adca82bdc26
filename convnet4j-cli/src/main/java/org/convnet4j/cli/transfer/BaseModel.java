package org.convnet4j.cli.transfer;

import com.google.gson.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import org.convnet4j.internal.json.Json;
import org.convnet4j.io.weights.ModelLoader;
import org.convnet4j.io.weights.WeightsCatalogue;
import org.convnet4j.model.ModelFiles;
import org.convnet4j.model.Preprocessing;
import org.convnet4j.model.SavedModel;
import org.convnet4j.nn.Model;
import org.convnet4j.nn.Sequential;
import org.convnet4j.transfer.FeatureStatistics;
import org.convnet4j.transfer.GraphChain;
import org.convnet4j.transfer.Transfer;
import org.convnet4j.zoo.ModelZoo;

/**
 * {@code --base}: a model file ({@code .c4j}, ONNX, Keras .h5, PyTorch .pth/.safetensors, an http(s) URL or a
 * catalogued name such as {@code vgg16:imagenet}; graphs become a chain
 * of layers and blocks, see {@link GraphChain}), or a zoo name (random weights: only Case 4 makes sense with it). */
public record BaseModel(Sequential model, String origin, boolean pretrained, JsonObject description,
                        Preprocessing savedPreprocessing, String chosenPreprocessing) {

    public static BaseModel load(String spec) {
        return load(spec, null);
    }

    /**
     * As {@link #load(String)}; {@code preprocessing} (a {@code --preprocessing} spec, or null) replaces what the file
     * says or the loader guesses (ONNX). {@link #chosenPreprocessing}: what the loader chose when the file did not say,
     * or the option (null when the file carried its own), for a note.
     */
    public static BaseModel load(String spec, String preprocessing) {
        Path file = Path.of(spec);
        if (Files.exists(file) || spec.contains("://") || WeightsCatalogue.looksLikeName(spec)) {
            SavedModel saved;
            try {
                // .c4j, ONNX, Keras .h5, PyTorch .pth/.safetensors, a URL or a catalogued name (resnet50:imagenet)
                saved = ModelLoader.load(spec, ModelLoader.Options.defaults().withPreprocessing(preprocessing)
                        .withProgress(new org.convnet4j.cli.DownloadBar(System.err)));
            } catch (Exception e) {
                throw new IllegalArgumentException("--base " + spec + ": cannot read the base model: " + e.getMessage(), e);
            }
            // imported ONNX models are graphs: split into a chain of layers and blocks, every case works on it
            Sequential chain = GraphChain.asSequential(saved.model(), "--base " + spec);
            return new BaseModel(chain, spec, true, Json.parseObject(saved.description(), spec + ": description"),
                    saved.preprocessing(), ModelLoader.chosenPreprocessing(saved));
        }
        if (ModelZoo.contains(spec) && preprocessing != null) {
            throw new IllegalArgumentException("--preprocessing applies to a model file; the zoo model " + spec + " has"
                    + " random weights and takes pixels / 255");
        }
        if (ModelZoo.contains(spec)) {
            Model m = ModelZoo.build(spec, null, 0);
            m.initialize(42);
            return new BaseModel(GraphChain.asSequential(m, "--base " + spec), spec, false, new JsonObject(), null, null);
        }
        throw new IllegalArgumentException("--base " + spec + ": neither a model file nor a zoo model (zoo: "
                + String.join(", ", ModelZoo.names()) + ")");
    }

    /**
     * How pictures are prepared for the base: as saved with it or chosen by the loader (an imported ImageNet model's
     * normalisation), else (a zoo name, no file) {@link ModelFiles#defaultPreprocessing}, as for any model whose file
     * says nothing. Transferred models keep the base's input, so they keep this too.
     */
    public Preprocessing preprocessing() {
        Preprocessing p = savedPreprocessing != null ? savedPreprocessing : ModelFiles.defaultPreprocessing(model);
        if (p == null || !p.outputShape().equals(model.inputShapes().get(0))) {
            throw new IllegalArgumentException("--base " + origin + ": the model does not take pictures of its input "
                    + model.inputShapes() + (p == null ? "" : " (its preprocessing gives " + p.outputShape() + ")"));
        }
        return p;
    }

    /** A fresh copy: every plan takes the layers of the model it is given. */
    public Sequential copy() {
        return Transfer.copyOf(model);
    }

    /**
     * The statistics saved with the base when it was trained, or null: its pixel statistics when it has them (what
     * the advisor measures the similarity with), else its penultimate feature statistics.
     */
    public FeatureStatistics featureStatistics() {
        if (description == null) {
            return null;
        }
        return FeatureStatistics.savedIn(Json.toCompact(description), origin).orElse(null);
    }
}

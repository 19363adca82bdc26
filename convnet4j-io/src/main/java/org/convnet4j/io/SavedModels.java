package org.convnet4j.io;

import com.google.gson.Gson;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.lang.reflect.Type;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import org.convnet4j.checkpoint.Checkpoint;
import org.convnet4j.checkpoint.FileFormatException;
import org.convnet4j.checkpoint.Json;
import org.convnet4j.checkpoint.ModelDescription;
import org.convnet4j.io.onnx.OnnxExporter;
import org.convnet4j.io.onnx.OnnxImporter;
import org.convnet4j.io.onnx.OnnxReader;
import org.convnet4j.nn.Model;
import org.convnet4j.nn.ModelSpec;
import org.convnet4j.nn.Parameter;
import org.convnet4j.tensor.Tensor;

/**
 * Models as files: a convnet4j checkpoint (.c4j / .safetensors: architecture as ModelSpec JSON plus the
 * weights) or an ONNX file, chosen by the file's extension.
 */
public final class SavedModels {
    private SavedModels() {
    }

    public static boolean isOnnx(Path file) {
        return file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".onnx");
    }

    /** Loads a model from .onnx (imported) or a convnet4j checkpoint. */
    public static Model load(Path file) throws IOException {
        if (isOnnx(file)) {
            return OnnxImporter.importModel(OnnxReader.readModel(file), file.toString());
        }
        Checkpoint c = Checkpoint.load(file);
        ModelDescription d = ModelDescription.fromJson(c.description(), file.toString());
        Type mapType = new com.google.gson.reflect.TypeToken<Map<String, Object>>() { }.getType();
        Map<String, Object> spec = new Gson().fromJson(d.architecture(), mapType);
        Model m = ModelSpec.fromMap(spec);
        Map<String, Parameter> params = m.namedParameters();
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            Tensor t = c.parameters().get(e.getKey());
            if (t == null) {
                throw new FileFormatException(file + ": has no weights for '" + e.getKey() + "'");
            }
            e.getValue().load(t);
        }
        if (!d.classNames().isEmpty()) {
            m.setClassNames(d.classNames());
        }
        return m;
    }

    /** Saves the architecture and weights as a convnet4j checkpoint (atomically). */
    public static void save(Model model, Path file) throws IOException {
        JsonObject arch = Json.toTree(ModelSpec.toMap(model)).getAsJsonObject();
        ModelDescription d = new ModelDescription(arch, model.classNames(), model.inputShapes().get(0),
                new JsonObject(), null);
        Checkpoint.save(file, new Checkpoint(model.stateDict(), Map.of(), d.toJson()));
    }

    /** Writes {@code model} as ONNX (opset 13). */
    public static void exportOnnx(Model model, Path file) throws IOException {
        OnnxExporter.export(model, file);
    }
}

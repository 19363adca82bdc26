package org.convnet4j.io.weights;

import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import org.convnet4j.checkpoint.Checkpoint;
import org.convnet4j.checkpoint.FileFormatException;
import org.convnet4j.checkpoint.SafeTensors;
import org.convnet4j.imagenet.ImageNet;
import org.convnet4j.io.keras.KerasApplications;
import org.convnet4j.io.keras.KerasH5File;
import org.convnet4j.io.onnx.OnnxImporter;
import org.convnet4j.io.onnx.OnnxReader;
import org.convnet4j.io.torch.PthFile;
import org.convnet4j.io.torch.StateDict;
import org.convnet4j.io.torch.TorchArchitectures;
import org.convnet4j.io.torch.TorchWeights;
import org.convnet4j.model.ImageClassifier;
import org.convnet4j.model.ModelFiles;
import org.convnet4j.model.Preprocessing;
import org.convnet4j.model.SavedModel;
import org.convnet4j.nn.Model;
import org.convnet4j.tensor.Shape;
import org.convnet4j.zoo.ModelZoo;

/**
 * Any model file we can read, as a model with class names and preprocessing:
 * <ul>
 *   <li>{@code .c4j} (or a convnet4j safetensors checkpoint): {@link ModelFiles#read};</li>
 *   <li>{@code .onnx}: imported into a graph ({@link OnnxImporter}); no preprocessing is known;</li>
 *   <li>{@code .h5}/{@code .hdf5}: Keras weights of VGG16/19, ResNet50 or InceptionV3
 *       ({@link KerasApplications}), Keras' preprocessing ("caffe", InceptionV3 "tf");</li>
 *   <li>other {@code .safetensors}: a torchvision state dict ({@link TorchWeights}), torchvision's
 *       preprocessing;</li>
 *   <li>{@code .pth}/{@code .pt} (torch.save's zip or legacy format, any extension): a torchvision state dict read by
 *       a restricted unpickler ({@link PthFile}), torchvision's preprocessing.</li>
 * </ul>
 * Imported models with 1000 outputs get the ImageNet class names. Our zoo models end in logits, as Keras'
 * would without their final softmax; {@link ImageClassifier} applies the softmax, so both print probabilities.
 */
public final class ModelLoader {
    private ModelLoader() {
    }

    /** As {@link #load(Path, String, Shape)} with the architecture guessed and the input size inferred. */
    public static SavedModel load(Path file) throws IOException {
        return load(file, null, null);
    }

    /**
     * Reads {@code file}; {@code architecture} (a zoo name) and {@code input} ([C, H, W]) override what is
     * guessed for weight-only files (ignored for .c4j files, which carry their architecture).
     */
    public static SavedModel load(Path file, String architecture, Shape input) throws IOException {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".h5") || name.endsWith(".hdf5") || name.endsWith(".keras.h5")) {
            PublishedChecksums.verify(file);
            try (KerasH5File h5 = KerasH5File.open(file)) {
                KerasApplications.Imported imp = KerasApplications.load(h5, architecture, input);
                return imported(file, "keras_h5", imp.architecture(), imp.model(), imp.preprocessing());
            }
        }
        if (name.endsWith(".onnx")) {
            Model model = OnnxImporter.importModel(OnnxReader.readModel(file), file.toString());
            return imported(file, "onnx", null, model, null);
        }
        boolean pickle = PthFile.isPickle(file);
        if (!pickle && (name.endsWith(".c4j") || isConvnet4j(file))) {
            return ModelFiles.read(file);
        }
        if (pickle || name.endsWith(".safetensors")) {
            StateDict sd = pickle ? PthFile.open(file) : StateDict.safetensors(file);
            TorchArchitectures.Detected d = TorchArchitectures.detect(sd, architecture, input);
            Model model = ModelZoo.build(d.architecture(), d.options());
            TorchWeights.load(sd, model);
            Shape in = model.inputShapes().get(0);
            return imported(file, pickle ? "torch_pth" : "torch_safetensors", d.architecture(), model,
                    ImageNet.Mode.TORCH.forSize(in.dim(1), in.dim(2)));
        }
        throw new FileFormatException(file + ": unknown model file type; convnet4j reads .c4j, ONNX .onnx,"
                + " Keras .h5, PyTorch .pth/.pt and .safetensors");
    }

    /** The file as an image classifier (for {@code predict}). */
    public static ImageClassifier classifier(Path file) throws IOException {
        SavedModel saved = load(file);
        if (saved.preprocessing() == null) {
            throw new IllegalArgumentException(file + ": the model does not take pictures (input "
                    + saved.model().inputShapes() + ")");
        }
        return new ImageClassifier(saved.model(), saved.preprocessing());
    }

    private static boolean isConvnet4j(Path file) {
        try {
            return Checkpoint.FORMAT.equals(SafeTensors.readHeader(file).metadata().get("format"));
        } catch (IOException e) {
            return false;
        }
    }

    private static SavedModel imported(Path file, String format, String architecture, Model model, Preprocessing p) {
        if (model.outputShape().rank() == 1 && model.outputShape().dim(0) == ImageNet.CLASSES) {
            model.setClassNames(ImageNet.classNames());
        }
        JsonObject d = ModelFiles.describe(model, p);
        JsonObject from = new JsonObject();
        from.addProperty("file", file.getFileName().toString());
        from.addProperty("format", format);
        if (architecture != null) {
            from.addProperty("zoo_architecture", architecture);
        }
        d.add("imported_from", from);
        return new SavedModel(model, p, d);
    }
}

package org.convnet4j.io.weights;

import java.util.Locale;
import org.convnet4j.imagenet.ImageNet;
import org.convnet4j.io.onnx.OnnxModel;
import org.convnet4j.model.Preprocessing;
import org.convnet4j.nn.Model;
import org.convnet4j.tensor.Shape;

/**
 * ONNX files do not say how their pictures were prepared; this guesses, and says why, so that {@code predict} and
 * {@code evaluate} can take a raw {@code .onnx} (and {@code --preprocessing} can correct the guess):
 * <ul>
 *   <li>a PyTorch export ({@code producer_name} "pytorch") of a 3-channel model at least 64 pixels wide: torchvision's
 *       ImageNet preprocessing (resize the shorter side, centre crop, mean/std), which every torchvision
 *       classifier and most models fine-tuned from one expect;</li>
 *   <li>any other 1- or 3-channel picture model: pixel values / 255, stretched to the input size;</li>
 *   <li>anything else: none (the model does not take pictures).</li>
 * </ul>
 */
public final class OnnxPreprocessing {
    /** The preprocessing chosen and a sentence saying why. */
    public record Guess(Preprocessing preprocessing, String reason) {
    }

    private OnnxPreprocessing() {
    }

    /** The guess for an imported model, or null if it does not take pictures. */
    public static Guess guess(OnnxModel.Model onnx, Model model) {
        if (model.inputShapes().size() != 1) {
            return null;
        }
        Shape in = model.inputShapes().get(0);
        if (in.rank() != 3 || (in.dim(0) != 1 && in.dim(0) != 3)) {
            return null;
        }
        String producer = onnx.producerName() == null ? "" : onnx.producerName().toLowerCase(Locale.ROOT);
        if (producer.equals("pytorch") && in.dim(0) == 3 && in.dim(1) >= 64 && in.dim(2) >= 64) {
            return new Guess(ImageNet.Mode.TORCH.forSize(in.dim(1), in.dim(2)), "torchvision (a PyTorch export of an RGB"
                    + " model: ImageNet mean/std, shorter side resized, centre crop; override with --preprocessing)");
        }
        return new Guess(Preprocessing.forInput(in), "unit (pixels / 255, stretched to " + in.dim(1) + "x" + in.dim(2)
                + "; the ONNX file" + (producer.isEmpty() ? "" : " from " + onnx.producerName())
                + " does not say how its pictures were prepared: override with --preprocessing)");
    }
}

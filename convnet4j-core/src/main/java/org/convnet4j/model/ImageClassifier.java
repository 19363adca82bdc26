package org.convnet4j.model;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.convnet4j.image.Images;
import org.convnet4j.nn.Model;
import org.convnet4j.nn.Sequential;
import org.convnet4j.nn.layers.Softmax;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.train.ConfusionMatrix;

/**
 * A trained model applied to pictures: each picture goes through the model's {@link Preprocessing}, the
 * outputs become probabilities (softmax of the logits, unless the model ends in a Softmax layer) and the k
 * most likely classes are returned with their names.
 *
 * <pre>
 *   ImageClassifier classifier = ImageClassifier.load(Path.of("model.c4j"));
 *   List&lt;Prediction&gt; top3 = classifier.predict(Path.of("shoe.png"), 3);
 * </pre>
 */
public final class ImageClassifier {
    private final Model model;
    private final Preprocessing preprocessing;
    private final List<String> classNames;
    private final boolean outputsAreProbabilities;

    public ImageClassifier(Model model, Preprocessing preprocessing) {
        if (model.inputShapes().size() != 1) {
            throw new IllegalArgumentException("ImageClassifier: the model must have one input, it has "
                    + model.inputShapes().size());
        }
        Shape in = model.inputShapes().get(0);
        if (!preprocessing.outputShape().equals(in)) {
            throw new IllegalArgumentException("ImageClassifier: preprocessing gives " + preprocessing.outputShape()
                    + " but the model takes " + in);
        }
        Shape out = model.outputShape();
        if (out.rank() != 1 || out.dim(0) < 2) {
            throw new IllegalArgumentException("ImageClassifier: the model must output one score per class (at least 2),"
                    + " it outputs " + out);
        }
        this.model = model;
        this.preprocessing = preprocessing;
        int k = out.dim(0);
        this.classNames = model.classNames().size() == k ? model.classNames() : ConfusionMatrix.numberedClasses(k);
        this.outputsAreProbabilities = model instanceof Sequential && !((Sequential) model).layers().isEmpty()
                && ((Sequential) model).layers().get(((Sequential) model).layers().size() - 1) instanceof Softmax;
    }

    /** Reads a model file ({@link ModelFiles#read}); it must say how to prepare pictures. */
    public static ImageClassifier load(Path modelFile) throws IOException {
        SavedModel saved = ModelFiles.read(modelFile);
        if (saved.preprocessing() == null) {
            throw new IllegalArgumentException(modelFile + ": the model does not take pictures (input "
                    + saved.model().inputShapes() + ")");
        }
        return new ImageClassifier(saved.model(), saved.preprocessing());
    }

    public Model model() {
        return model;
    }

    public Preprocessing preprocessing() {
        return preprocessing;
    }

    public List<String> classNames() {
        return classNames;
    }

    /** The k most likely classes of the picture in {@code file} (PNG, JPEG, BMP, GIF), best first. */
    public List<Prediction> predict(Path file, int k) throws IOException {
        return predict(Images.read(file), k);
    }

    /** The k most likely classes of a picture [C, H, W] with values 0..255, best first. */
    public List<Prediction> predict(Tensor picture, int k) {
        return predictAll(List.of(picture), k).get(0);
    }

    /** Top-k for each picture, computed as one batch. */
    public List<List<Prediction>> predictAll(List<Tensor> pictures, int k) {
        if (k < 1) {
            throw new IllegalArgumentException("ImageClassifier.predict: k must be >= 1, got " + k);
        }
        Shape in = preprocessing.outputShape();
        int n = pictures.size();
        Tensor batch = Tensor.zeros(in.prepend(n));
        for (int i = 0; i < n; i++) {
            Tensor x = preprocessing.apply(pictures.get(i));
            System.arraycopy(x.data(), 0, batch.data(), i * in.size(), in.size());
        }
        Tensor out = model.predict(batch);
        int classes = classNames.size();
        List<List<Prediction>> result = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            result.add(rank(out.data(), i * classes, k));
        }
        return result;
    }

    /**
     * The k most likely classes of one sample from the model's raw outputs ({@code outputs[offset ..]}, one value
     * per class), best first: what {@link #predictAll} does after the forward pass. Callers that batch the model
     * themselves (the HTTP server) use it so that their probabilities are exactly those of {@code predict}.
     */
    public List<Prediction> rank(float[] outputs, int offset, int k) {
        if (k < 1) {
            throw new IllegalArgumentException("ImageClassifier.rank: k must be >= 1, got " + k);
        }
        int classes = classNames.size();
        double[] p = probabilities(outputs, offset, classes);
        List<Prediction> ranked = new ArrayList<>();
        for (int c = 0; c < classes; c++) {
            ranked.add(new Prediction(c, classNames.get(c), p[c]));
        }
        ranked.sort(Comparator.comparingDouble(Prediction::probability).reversed()
                .thenComparingInt(Prediction::label));
        return List.copyOf(ranked.subList(0, Math.min(k, classes)));
    }

    private double[] probabilities(float[] o, int off, int k) {
        double[] p = new double[k];
        if (outputsAreProbabilities) {
            for (int c = 0; c < k; c++) {
                p[c] = o[off + c];
            }
            return p;
        }
        double max = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < k; c++) {
            max = Math.max(max, o[off + c]);
        }
        double sum = 0;
        for (int c = 0; c < k; c++) {
            p[c] = Math.exp(o[off + c] - max); // shifted by the maximum so that exp cannot overflow
            sum += p[c];
        }
        for (int c = 0; c < k; c++) {
            p[c] /= sum;
        }
        return p;
    }
}

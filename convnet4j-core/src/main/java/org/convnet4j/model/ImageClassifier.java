package org.convnet4j.model;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
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
 * outputs become probabilities (softmax of the logits, unless the model ends in a Softmax layer) and come back
 * ranked as {@link Classifications} ({@code best()}, {@code topK(k)}).
 *
 * <pre>
 *   ImageClassifier classifier = ImageClassifier.load(Path.of("model.c4j"));
 *   Prediction best = classifier.classify(Path.of("shoe.png")).best();
 *   List&lt;Prediction&gt; top3 = classifier.classify(uploadedBytes).topK(3);
 * </pre>
 *
 * <p>Pictures come from a file ({@link Path}), memory ({@code byte[]}), a stream or a decoded
 * {@link BufferedImage}, or as a [C, H, W] tensor with values 0..255. Other inputs and other answers: build a
 * {@link Predictor} with your own {@link Translator} ({@link #predictor(Translator)}), reusing
 * {@link #prepare} and {@link #classificationsOf}.
 *
 * <p><b>Threads</b>: an ImageClassifier is immutable and may be shared by any number of threads (see
 * {@link Predictor}); the model must not be trained while it is in use.
 */
public final class ImageClassifier {
    private final Model model;
    private final Preprocessing preprocessing;
    private final List<String> classNames;
    private final boolean outputsAreProbabilities;
    private final Predictor<Tensor, Classifications> pictures;

    /**
     * @throws IllegalArgumentException when the model does not take one picture as the preprocessing prepares
     *         it, does not output one score per class, or names a different number of classes than it outputs; or
     *         when one forward pass (weights and every activation, {@code ModelSummary.inferenceMemoryBytes(1)}) is
     *         above the {@link org.convnet4j.util.MemoryBudget}
     */
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
        int k = out.dim(0);
        if (!model.classNames().isEmpty() && model.classNames().size() != k) {
            // a file with 10 names for a 1000-way head would label every answer wrongly: refuse it up front
            throw new IllegalArgumentException("ImageClassifier: the model names " + model.classNames().size()
                    + " classes but outputs " + k + " scores");
        }
        // a model whose declared input makes one forward pass larger than the memory budget (issue 15, fuzzing: an
        // ONNX input of 16 x 2^20 pixels) is refused here, not by OutOfMemoryError in the first classification
        long onePass = org.convnet4j.nn.ModelSummary.of(model).inferenceMemoryBytes(1);
        long limit = org.convnet4j.util.MemoryBudget.limitBytes();
        if (onePass < 0 || onePass > limit) {
            throw new IllegalArgumentException("ImageClassifier: a forward pass of one picture " + in + " needs up to "
                    + (onePass < 0 ? "more than 8 EB" : org.convnet4j.util.MemoryBudget.human(onePass))
                    + " (weights and every activation), above the limit of "
                    + org.convnet4j.util.MemoryBudget.human(limit) + "; give Java more memory"
                    + " (CONVNET4J_JAVA_OPTS=-Xmx8g) or raise the limit with --max-model-memory SIZE (-D"
                    + org.convnet4j.util.MemoryBudget.PROPERTY + "=BYTES)");
        }
        this.model = model;
        this.preprocessing = preprocessing;
        this.classNames = model.classNames().isEmpty() ? ConfusionMatrix.numberedClasses(k) : model.classNames();
        this.outputsAreProbabilities = endsInSoftmax(model);
        this.pictures = new Predictor<>(model, new Translator<>() {
            @Override
            public Tensor processInput(Tensor picture) {
                return prepare(picture);
            }

            @Override
            public Classifications processOutput(Tensor picture, float[] scores, int offset) {
                return classificationsOf(scores, offset);
            }
        });
    }

    /** Reads a model file ({@link ModelFiles#read}); it must say how to prepare pictures. */
    public static ImageClassifier load(Path modelFile) throws IOException {
        return ModelFiles.read(modelFile).classifier(modelFile);
    }

    private static boolean endsInSoftmax(Model model) {
        if (!(model instanceof Sequential s) || s.layers().isEmpty()) {
            return false;
        }
        org.convnet4j.nn.Layer last = s.layers().get(s.layers().size() - 1);
        return last instanceof Softmax
                || last instanceof org.convnet4j.nn.ProbabilityOutput p && p.outputsProbabilities();
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

    // ---- the building blocks of a Translator -------------------------------------------------------------

    /** A picture [C, H, W] 0..255 prepared as in training: the model's per-sample input. */
    public Tensor prepare(Tensor picture) {
        return preprocessing.apply(picture);
    }

    /** The ranked classes from one sample's output scores at {@code offset} (probabilities or logits). */
    public Classifications classificationsOf(float[] scores, int offset) {
        int k = classNames.size();
        if (!outputsAreProbabilities) {
            return Classifications.fromLogits(scores, offset, classNames);
        }
        double[] p = new double[k];
        for (int c = 0; c < k; c++) {
            p[c] = scores[offset + c];
        }
        return new Classifications(p, classNames);
    }

    /** A predictor over this classifier's model with custom pre- and post-processing. */
    public <I, O> Predictor<I, O> predictor(Translator<I, O> translator) {
        return new Predictor<>(model, translator);
    }

    // ---- classifying ------------------------------------------------------------------------------------

    /** The classes of a picture [C, H, W] with values 0..255. */
    public Classifications classify(Tensor picture) {
        return classifyAll(List.of(picture)).get(0);
    }

    /** The classes of the picture in {@code file} (PNG, JPEG, BMP, GIF). */
    public Classifications classify(Path file) throws IOException {
        return classify(read(file));
    }

    /**
     * The picture in {@code file} as {@link #classify(Path)} reads it: decoded in full when it fits the memory budget,
     * else subsampled while it stays larger than what the model takes (checked from the header before decoding).
     */
    public Tensor read(Path file) throws IOException {
        int side = Math.max(preprocessing.resizeShorter(), Math.max(preprocessing.height(), preprocessing.width()));
        return Images.readAtLeast(file, side, side);
    }

    /**
     * The picture in {@code file} read as {@link #read(Path)} does and prepared ({@link #prepare(Tensor)}): what a
     * caller that holds many pictures before classifying them keeps (the model's input, not the decoded picture);
     * classify them with {@link #classifyPrepared(Tensor, int)}.
     */
    public Tensor prepare(Path file) throws IOException {
        return prepare(read(file));
    }

    /** The classes of an encoded picture held in memory (the bytes of a PNG, JPEG, BMP or GIF file). */
    public Classifications classify(byte[] encoded) throws IOException {
        return classify(Images.read(encoded, "picture"));
    }

    /** The classes of an encoded picture read from {@code stream} (left open). */
    public Classifications classify(InputStream stream) throws IOException {
        return classify(Images.read(stream, "picture"));
    }

    /** The classes of a decoded picture. */
    public Classifications classify(BufferedImage image) {
        return classify(Images.fromImage(image));
    }

    /** The classes of each picture, in order, from one batched forward pass. */
    public List<Classifications> classifyAll(List<Tensor> pictures) {
        try {
            return this.pictures.predictAll(pictures);
        } catch (IOException e) {
            throw new IllegalStateException("cannot happen: tensors need no reading", e);
        }
    }

    /**
     * The classes of many pictures [N, C, H, W] that are already prepared (as {@link #prepare} does), in
     * batches of {@code batchSize}: what batch prediction over a data set needs. Row {@code i} of the result is
     * sample {@code i}.
     */
    public List<Classifications> classifyPrepared(Tensor prepared, int batchSize) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("classifyPrepared: batch size must be >= 1, got " + batchSize);
        }
        Shape sample = prepared.shape().dropFirst();
        if (!sample.equals(preprocessing.outputShape())) {
            throw new IllegalArgumentException("classifyPrepared: samples are " + sample + " but the model takes "
                    + preprocessing.outputShape());
        }
        int n = prepared.dim(0);
        int size = sample.size();
        List<Classifications> out = new ArrayList<>(n);
        for (int start = 0; start < n; start += batchSize) {
            int b = Math.min(batchSize, n - start);
            float[] chunk = new float[b * size];
            System.arraycopy(prepared.data(), start * size, chunk, 0, chunk.length);
            float[] scores = model.predict(Tensor.wrap(chunk, sample.prepend(b))).data();
            int k = classNames.size();
            for (int i = 0; i < b; i++) {
                out.add(classificationsOf(scores, i * k));
            }
        }
        return out;
    }

    /**
     * The classes of every sample of {@code data}, whose samples are already prepared for this classifier (as
     * {@code DataSpec} loads a spec for {@link #preprocessing()}), {@code batchSize} at a time (only one batch is held):
     * row {@code i} of the result is sample {@code i}.
     */
    public List<Classifications> classifyPrepared(org.convnet4j.data.Dataset data, int batchSize) {
        if (!data.sampleShape().equals(preprocessing.outputShape())) {
            throw new IllegalArgumentException("classifyPrepared: samples are " + data.sampleShape()
                    + " but the model takes " + preprocessing.outputShape());
        }
        List<Classifications> out = new ArrayList<>(data.size());
        int size = data.sampleShape().size();
        for (int start = 0; start < data.size(); start += Math.max(1, batchSize)) {
            int b = Math.min(Math.max(1, batchSize), data.size() - start);
            Tensor x = Tensor.zeros(data.sampleShape().prepend(b));
            for (int i = 0; i < b; i++) {
                data.copySample(start + i, x.data(), i * size);
            }
            out.addAll(classifyPrepared(x, batchSize));
        }
        return out;
    }

    // ---- the earlier list-returning forms ---------------------------------------------------------------

    /** The k most likely classes of the picture in {@code file}, best first. */
    public List<Prediction> predict(Path file, int k) throws IOException {
        return classify(file).topK(k);
    }

    /** The k most likely classes of a picture [C, H, W] with values 0..255, best first. */
    public List<Prediction> predict(Tensor picture, int k) {
        return classify(picture).topK(k);
    }

    /** Top-k for each picture, computed as one batch. */
    public List<List<Prediction>> predictAll(List<Tensor> pictures, int k) {
        if (k < 1) {
            throw new IllegalArgumentException("ImageClassifier.predict: k must be >= 1, got " + k);
        }
        List<List<Prediction>> result = new ArrayList<>();
        for (Classifications c : classifyAll(pictures)) {
            result.add(c.topK(k));
        }
        return result;
    }
}

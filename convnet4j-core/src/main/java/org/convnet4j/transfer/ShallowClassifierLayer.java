package org.convnet4j.transfer;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.convnet4j.nn.Layer;
import org.convnet4j.nn.LayerConfig;
import org.convnet4j.nn.Parameter;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;

/**
 * A trained {@link ShallowClassifier} as the last layer of a network, so that a Case 1 model (frozen CNN +
 * shallow classifier) is one ordinary model file that {@code predict} and {@code evaluate} use like any other.
 *
 * <p>The classifier's bytes ({@link ShallowClassifier#toBytes()}, Tribuo's protobuf) are a buffer of the layer,
 * packed three bytes per float ({@link ByteTensors}), so they are saved with the weights and covered by the
 * checkpoint's checksum; the config records the algorithm, the feature and class counts and the byte length.
 *
 * <p>The output is the log of the class probabilities (floored at 1e-12): softmax of log-probabilities gives
 * the probabilities back, so code that turns logits into probabilities with a softmax reports the
 * classifier's own probabilities, and the arg-max is the classifier's answer. The layer is not trained by
 * gradient descent: {@link #backwardAll} refuses.
 */
public final class ShallowClassifierLayer extends Layer {
    public static final String TYPE = "ShallowClassifier";
    /** Refuses absurd sizes from a damaged or hostile file before allocating. */
    public static final int MAX_BYTES = 1 << 30;
    static final float LOG_FLOOR = (float) Math.log(1e-12);

    private final String algorithm;
    private final int features;
    private final int classes;
    private final int byteLength;
    private final Parameter bytes;
    private ShallowClassifier classifier;
    private int decodedHash;

    private ShallowClassifierLayer(String algorithm, int features, int classes, int byteLength) {
        if (features < 1 || classes < 2 || byteLength < 0) {
            throw new IllegalArgumentException("layer type " + TYPE + ": needs features >= 1, classes >= 2 and a byte "
                    + "length >= 0, got " + features + ", " + classes + ", " + byteLength);
        }
        if (byteLength > MAX_BYTES) {
            throw new IllegalArgumentException("layer type " + TYPE + ": a classifier of " + byteLength
                    + " bytes is over the limit of " + MAX_BYTES);
        }
        this.algorithm = algorithm;
        this.features = features;
        this.classes = classes;
        this.byteLength = byteLength;
        this.bytes = Parameter.buffer("classifier_bytes", Tensor.zeros(ByteTensors.floatsFor(byteLength)));
    }

    /** The layer holding a trained classifier for {@code features} inputs and {@code classes} outputs. */
    public static ShallowClassifierLayer of(ShallowClassifier trained, int features, int classes) {
        byte[] b = trained.toBytes();
        ShallowClassifierLayer l = new ShallowClassifierLayer(trained.algorithm(), features, classes, b.length);
        l.bytes.load(ByteTensors.pack(b));
        l.classifier = trained;
        l.decodedHash = Arrays.hashCode(l.bytes.value().data());
        return l;
    }

    /** Rebuilds an empty layer from its saved config; the bytes arrive with the checkpoint's buffers. */
    public static Layer fromConfig(LayerConfig c) {
        return new ShallowClassifierLayer(c.string("algorithm", "logreg"), c.intValue("features"),
                c.intValue("classes"), c.intValue("bytes"));
    }

    public String algorithm() {
        return algorithm;
    }

    /** The classifier, decoded from the buffer when the buffer changed (e.g. loaded from a file). */
    public synchronized ShallowClassifier classifier() {
        int h = Arrays.hashCode(bytes.value().data());
        if (classifier == null || h != decodedHash) {
            try {
                classifier = ShallowClassifiers.load(algorithm, ByteTensors.unpack(bytes.value(), byteLength));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(describe() + ": cannot read the saved " + algorithm + " classifier: "
                        + e.getMessage(), e);
            }
            decodedHash = h;
        }
        return classifier;
    }

    @Override
    public Shape outputShape(List<Shape> inputShapes) {
        requireInputs(inputShapes);
        Shape in = inputShapes.get(0);
        if (in.rank() != 1 || in.dim(0) != features) {
            throw new IllegalArgumentException(describe() + ": takes " + features + " flat features, given " + in);
        }
        return Shape.of(classes);
    }

    @Override
    public Tensor forward(List<Tensor> inputs, boolean training) {
        requireInputs(inputs);
        Tensor x = inputs.get(0);
        if (x.rank() != 2 || x.dim(1) != features) {
            throw new IllegalArgumentException(describe() + ": expects [N, " + features + "], got " + x.shape());
        }
        int n = x.dim(0);
        float[][] rows = new float[n][];
        for (int i = 0; i < n; i++) {
            rows[i] = Arrays.copyOfRange(x.data(), i * features, (i + 1) * features);
        }
        double[][] p = classifier().predictProba(rows);
        Tensor out = Tensor.zeros(n, classes);
        for (int i = 0; i < n; i++) {
            for (int c = 0; c < classes; c++) {
                double v = c < p[i].length ? p[i][c] : 0;
                out.data()[i * classes + c] = v > 0 ? Math.max(LOG_FLOOR, (float) Math.log(v)) : LOG_FLOOR;
            }
        }
        return out;
    }

    @Override
    public List<Tensor> backwardAll(Tensor gradOutput) {
        throw new UnsupportedOperationException(describe() + ": a " + algorithm
                + " classifier is trained on features, not by gradient descent");
    }

    @Override
    public List<Parameter> parameters() {
        return List.of(bytes);
    }

    @Override
    public String defaultName() {
        return "classifier";
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("algorithm", algorithm);
        c.put("features", features);
        c.put("classes", classes);
        c.put("bytes", byteLength);
        return c;
    }

    @Override
    public String type() {
        return TYPE;
    }
}

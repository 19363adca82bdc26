package org.convnet4j.transfer;

import java.util.List;
import java.util.Map;
import org.convnet4j.nn.LayerType;
import org.convnet4j.nn.OnnxForm;
import org.convnet4j.tensor.Tensor;

/** The layer type of transfer learning, for model files: the case-1 shallow classifier head (a LayerType service). */
public final class TransferLayers extends LayerType.Definition<ShallowClassifierLayer> {
    public TransferLayers() {
        super(LayerType.of(ShallowClassifierLayer.TYPE, ShallowClassifierLayer.class,
                c -> (ShallowClassifierLayer) ShallowClassifierLayer.fromConfig(c))
                .onnx(new LinearHeadForm()));
    }

    /**
     * A linear head (logistic regression, linear SVM: {@link ShallowClassifier#linearScores()}) is written as what
     * the layer computes: the scores by {@code Gemm} (its kernel and bias as initializers), the classifier's
     * probabilities ({@code LogSoftmax}, or for one-vs-rest logistic regression {@code Sigmoid}, {@code ReduceSum},
     * {@code Div}, {@code Log}) and the layer's floor of log(1e-12) ({@code Max}). Other classifiers (kernel SVM,
     * k-NN, forests) are not tensor functions of standard operators: their export fails in one line.
     */
    static final class LinearHeadForm implements OnnxForm<ShallowClassifierLayer> {
        @Override
        public void export(ShallowClassifierLayer layer, Export o) {
            ShallowClassifier.LinearScores s = layer.classifier().linearScores().orElseThrow(() ->
                    new IllegalArgumentException("ONNX export: " + layer.describe() + ": a " + layer.algorithm()
                            + " classifier has no ONNX form (only the linear case-1 heads, logreg and svm, do); export"
                            + " the network before it (the features) and keep the classifier in Java, or train a Dense"
                            + " head (case 2)"));
            String scores = o.value("_scores");
            o.node("", 0, "Gemm", "_scores", List.of(o.inputs().get(0),
                    o.initializer("kernel", Tensor.wrap(s.kernel().clone(), s.classes(), s.features())),
                    o.initializer("bias", Tensor.wrap(s.bias().clone(), s.classes()))), scores, Map.of("transB", 1L));
            String logp = o.value("_log_probabilities");
            if (s.link() == ShallowClassifier.Link.SOFTMAX) {
                o.node("", 0, "LogSoftmax", "_log_probabilities", List.of(scores), logp, Map.of("axis", -1L));
            } else {
                String sig = o.value("_sigmoid");
                o.node("", 0, "Sigmoid", "_sigmoid", List.of(scores), sig, Map.of());
                String sum = o.value("_sum");
                o.node("", 0, "ReduceSum", "_sum", List.of(sig, o.longs("axes", 1)), sum, Map.of("keepdims", 1L));
                String p = o.value("_probabilities");
                o.node("", 0, "Div", "_probabilities", List.of(sig, sum), p, Map.of());
                o.node("", 0, "Log", "_log_probabilities", List.of(p), logp, Map.of());
            }
            o.node("Max", List.of(logp, o.scalar("floor", ShallowClassifierLayer.LOG_FLOOR)), Map.of());
        }
    }
}

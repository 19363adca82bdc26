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
     * A case-1 head written as what the layer computes, in standard operators, ending in the layer's floor of
     * log(1e-12) ({@code Max}).
     * <ul>
     * <li>A linear head (logistic regression, linear SVM: {@link ShallowClassifier#linearScores()}): the scores by
     * {@code Gemm} (its kernel and bias as initializers), the classifier's probabilities ({@code LogSoftmax}, or for
     * one-vs-rest logistic regression {@code Sigmoid}, {@code ReduceSum}, {@code Div}, {@code Log}).
     * <li>k-NN ({@link ShallowClassifier#neighbours()}): the standardisation ({@code Sub}, {@code Mul}), squared
     * distances to the kept training rows as {@code |z|^2 - 2 z P^T + |P|^2} ({@code Mul}, {@code ReduceSum},
     * {@code MatMul}, {@code Add}), the k smallest ({@code TopK}, {@code largest=0}), their one-hot labels
     * ({@code Gather}) summed and divided by k ({@code ReduceSum}, {@code Mul}): the vote fractions, then
     * {@code Log}. The rows and labels are Constant nodes (data, not learnable weights).
     * <li>A forest ({@link ShallowClassifier#forest()}): the standardisation, then the trees as one ONNX-ML
     * {@code TreeEnsembleClassifier} (domain {@code ai.onnx.ml}) whose scores are vote counts, divided by the number
     * of trees ({@code Mul}), then {@code Log}.
     * </ul>
     * The kernel SVM fails in one line naming the layer.
     */
    static final class LinearHeadForm implements OnnxForm<ShallowClassifierLayer> {
        @Override
        public void export(ShallowClassifierLayer layer, Export o) {
            java.util.Optional<ShallowClassifier.Neighbours> knn = layer.classifier().linearScores().isPresent()
                    ? java.util.Optional.empty() : layer.classifier().neighbours();
            if (knn.isPresent()) {
                neighbours(knn.get(), o);
                return;
            }
            java.util.Optional<ShallowClassifier.Forest> forest = layer.classifier().linearScores().isPresent()
                    ? java.util.Optional.empty() : layer.classifier().forest();
            if (forest.isPresent()) {
                forest(forest.get(), o);
                return;
            }
            ShallowClassifier.LinearScores s = layer.classifier().linearScores().orElseThrow(() ->
                    new IllegalArgumentException("ONNX export: " + layer.describe() + ": a " + layer.algorithm()
                            + " classifier has no ONNX form (only logreg, svm, knn and forest heads do); export"
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

        /**
         * The standardisation ({@code Sub}, {@code Mul}), then {@code ai.onnx.ml} {@code TreeEnsembleClassifier}
         * (every leaf gives weight 1 to its class and 0 to the others, so the scores are vote counts and no runtime
         * takes the two-class shortcut), then the counts divided by the number of trees ({@code Mul}) and the log.
         */
        private static void forest(ShallowClassifier.Forest forest, Export o) {
            int f = forest.features();
            int classes = forest.classes();
            String centred = o.value("_centred");
            o.node("", 0, "Sub", "_centred", List.of(o.inputs().get(0),
                    o.constant("mean", Tensor.wrap(forest.mean().clone(), f))), centred, Map.of());
            String z = o.value("_standardised");
            o.node("", 0, "Mul", "_standardised", List.of(centred,
                    o.constant("inverse_scale", Tensor.wrap(forest.inverseScale().clone(), f))), z, Map.of());
            java.util.List<Long> treeIds = new java.util.ArrayList<>();
            java.util.List<Long> nodeIds = new java.util.ArrayList<>();
            java.util.List<Long> featureIds = new java.util.ArrayList<>();
            java.util.List<Float> values = new java.util.ArrayList<>();
            java.util.List<String> modes = new java.util.ArrayList<>();
            java.util.List<Long> yes = new java.util.ArrayList<>();
            java.util.List<Long> no = new java.util.ArrayList<>();
            java.util.List<Long> classTree = new java.util.ArrayList<>();
            java.util.List<Long> classNode = new java.util.ArrayList<>();
            java.util.List<Long> classId = new java.util.ArrayList<>();
            java.util.List<Float> classWeight = new java.util.ArrayList<>();
            for (int t = 0; t < forest.trees().size(); t++) {
                ShallowClassifier.Tree tree = forest.trees().get(t);
                for (int i = 0; i < tree.feature().length; i++) {
                    boolean leaf = tree.feature()[i] < 0;
                    treeIds.add((long) t);
                    nodeIds.add((long) i);
                    featureIds.add(leaf ? 0L : tree.feature()[i]);
                    values.add(leaf ? 0f : tree.threshold()[i]);
                    modes.add(leaf ? "LEAF" : "BRANCH_LEQ");
                    yes.add(leaf ? 0L : tree.lessOrEqual()[i]);
                    no.add(leaf ? 0L : tree.greater()[i]);
                    if (leaf) {
                        for (int c = 0; c < classes; c++) {
                            classTree.add((long) t);
                            classNode.add((long) i);
                            classId.add((long) c);
                            classWeight.add(c == tree.leafClass()[i] ? 1f : 0f);
                        }
                    }
                }
            }
            long[] labels = new long[classes];
            for (int c = 0; c < classes; c++) {
                labels[c] = c;
            }
            Map<String, Object> a = new java.util.LinkedHashMap<>();
            a.put("classlabels_int64s", labels);
            a.put("class_ids", longs(classId));
            a.put("class_nodeids", longs(classNode));
            a.put("class_treeids", longs(classTree));
            a.put("class_weights", floats(classWeight));
            a.put("nodes_falsenodeids", longs(no));
            a.put("nodes_featureids", longs(featureIds));
            a.put("nodes_modes", modes.toArray(new String[0]));
            a.put("nodes_nodeids", longs(nodeIds));
            a.put("nodes_treeids", longs(treeIds));
            a.put("nodes_truenodeids", longs(yes));
            a.put("nodes_values", floats(values));
            a.put("post_transform", "NONE");
            String label = o.value("_label");
            String votes = o.value("_votes");
            o.node("ai.onnx.ml", 1, "TreeEnsembleClassifier", "_trees", List.of(z), List.of(label, votes), a);
            String p = o.value("_probabilities");
            o.node("", 0, "Mul", "_probabilities", List.of(votes, o.scalar("per_tree", 1f / forest.trees().size())), p,
                    Map.of());
            String logp = o.value("_log_probabilities");
            o.node("", 0, "Log", "_log_probabilities", List.of(p), logp, Map.of());
            o.node("Max", List.of(logp, o.scalar("floor", ShallowClassifierLayer.LOG_FLOOR)), Map.of());
        }

        private static long[] longs(java.util.List<Long> v) {
            return v.stream().mapToLong(Long::longValue).toArray();
        }

        private static float[] floats(java.util.List<Float> v) {
            float[] out = new float[v.size()];
            for (int i = 0; i < out.length; i++) {
                out[i] = v.get(i);
            }
            return out;
        }

        private static void neighbours(ShallowClassifier.Neighbours nb, Export o) {
            int n = nb.size();
            int f = nb.features();
            float[] transposed = new float[f * n];
            float[] squares = new float[n];
            for (int i = 0; i < n; i++) {
                double sq = 0;
                for (int j = 0; j < f; j++) {
                    float v = nb.points()[i * f + j];
                    transposed[j * n + i] = v;
                    sq += (double) v * v;
                }
                squares[i] = (float) sq;
            }
            float[] oneHot = new float[n * nb.classes()];
            for (int i = 0; i < n; i++) {
                oneHot[i * nb.classes() + nb.labels()[i]] = 1;
            }
            String centred = o.value("_centred");
            o.node("", 0, "Sub", "_centred", List.of(o.inputs().get(0),
                    o.constant("mean", Tensor.wrap(nb.mean().clone(), f))), centred, Map.of());
            String z = o.value("_standardised");
            o.node("", 0, "Mul", "_standardised", List.of(centred,
                    o.constant("inverse_scale", Tensor.wrap(nb.inverseScale().clone(), f))), z, Map.of());
            String zz = o.value("_squares");
            o.node("", 0, "Mul", "_squares", List.of(z, z), zz, Map.of());
            String norms = o.value("_norms");
            o.node("", 0, "ReduceSum", "_norms", List.of(zz, o.longs("axes", 1)), norms, Map.of("keepdims", 1L));
            String cross = o.value("_cross");
            o.node("", 0, "MatMul", "_cross", List.of(z, o.constant("points_t", Tensor.wrap(transposed, f, n))), cross,
                    Map.of());
            String twice = o.value("_twice_cross");
            o.node("", 0, "Mul", "_twice_cross", List.of(cross, o.scalar("minus_two", -2f)), twice, Map.of());
            String partial = o.value("_partial");
            o.node("", 0, "Add", "_partial", List.of(norms, twice), partial, Map.of());
            String distances = o.value("_distances");
            o.node("", 0, "Add", "_distances", List.of(partial, o.constant("point_norms", Tensor.wrap(squares, n))),
                    distances, Map.of());
            String nearest = o.value("_nearest_distances");
            String indices = o.value("_nearest");
            o.node("", 0, "TopK", "_nearest", List.of(distances, o.longs("k", nb.k())), List.of(nearest, indices),
                    Map.of("axis", -1L, "largest", 0L, "sorted", 1L));
            String votes = o.value("_votes");
            o.node("", 0, "Gather", "_votes", List.of(o.constant("labels_one_hot", Tensor.wrap(oneHot, n,
                    nb.classes())), indices), votes, Map.of("axis", 0L));
            String counts = o.value("_counts");
            o.node("", 0, "ReduceSum", "_counts", List.of(votes, o.longs("vote_axis", 1)), counts,
                    Map.of("keepdims", 0L));
            String p = o.value("_probabilities");
            o.node("", 0, "Mul", "_probabilities", List.of(counts, o.scalar("per_vote", 1f / nb.k())), p, Map.of());
            String logp = o.value("_log_probabilities");
            o.node("", 0, "Log", "_log_probabilities", List.of(p), logp, Map.of());
            o.node("Max", List.of(logp, o.scalar("floor", ShallowClassifierLayer.LOG_FLOOR)), Map.of());
        }
    }
}

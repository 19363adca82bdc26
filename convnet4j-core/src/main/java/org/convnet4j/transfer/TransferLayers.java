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
     * <li>An RBF SVM ({@link ShallowClassifier#kernelSvm()}): the standardisation, then ONNX-ML's
     * {@code SVMClassifier} with libsvm's probabilities, reordered to our classes ({@code Gather}), then {@code Log};
     * with two classes, standard operators (libsvm's pair probability without coupling).
     * </ul>
     * Another classifier fails in one line naming the layer.
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
            java.util.Optional<ShallowClassifier.KernelSvm> svm = layer.classifier().linearScores().isPresent()
                    ? java.util.Optional.empty() : layer.classifier().kernelSvm();
            if (svm.isPresent()) {
                kernelSvm(svm.get(), o);
                return;
            }
            ShallowClassifier.LinearScores s = layer.classifier().linearScores().orElseThrow(() ->
                    new IllegalArgumentException("ONNX export: " + layer.describe() + ": a " + layer.algorithm()
                            + " classifier has no ONNX form (only logreg, svm, rbf-svm, knn and forest heads do); export"
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
            String z = standardised(o, forest.mean(), forest.inverseScale(), f);
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

        /**
         * The standardisation, then {@code ai.onnx.ml} {@code SVMClassifier} (libsvm's model attribute by attribute:
         * support vectors grouped by class, coefficients, rho with the sign the operator adds, kernel RBF with
         * libsvm's gamma, prob_a/prob_b, so that the runtime couples the pairwise probabilities as libsvm does)
         * whose scores are the class probabilities in libsvm's class order; {@code Gather} puts them in ours, then
         * {@code Log} and the layer's floor.
         */
        private static void kernelSvm(ShallowClassifier.KernelSvm svm, Export o) {
            int f = svm.features();
            int classes = svm.classes();
            String z = standardised(o, svm.mean(), svm.inverseScale(), f);
            if (classes == 2) {
                twoClassSvm(svm, z, o);
                return;
            }
            long[] labels = new long[classes];
            long[] perClass = new long[classes];
            long[] order = new long[classes]; // our class c is the operator's column order[c]
            for (int i = 0; i < classes; i++) {
                labels[i] = svm.classOf()[i];
                perClass[i] = svm.vectorsPerClass()[i];
                order[svm.classOf()[i]] = i;
            }
            float[] rho = new float[svm.rho().length];
            for (int p = 0; p < rho.length; p++) {
                rho[p] = (float) -svm.rho()[p]; // libsvm subtracts rho; the operator adds its rho
            }
            Map<String, Object> a = new java.util.LinkedHashMap<>();
            a.put("classlabels_ints", labels);
            a.put("coefficients", toFloats(svm.coefficients()));
            a.put("kernel_params", new float[] {(float) svm.gamma(), 0f, 0f});
            a.put("kernel_type", "RBF");
            a.put("post_transform", "NONE");
            a.put("prob_a", toFloats(svm.probA()));
            a.put("prob_b", toFloats(svm.probB()));
            a.put("rho", rho);
            a.put("support_vectors", svm.supportVectors().clone());
            a.put("vectors_per_class", perClass);
            String label = o.value("_label");
            String libsvmOrder = o.value("_libsvm_probabilities");
            o.node("ai.onnx.ml", 1, "SVMClassifier", "_svm", List.of(z), List.of(label, libsvmOrder), a);
            String p = o.value("_probabilities");
            o.node("", 0, "Gather", "_probabilities", List.of(libsvmOrder, o.longs("class_columns", order)),
                    p, Map.of("axis", 1L));
            String logp = o.value("_log_probabilities");
            o.node("", 0, "Log", "_log_probabilities", List.of(p), logp, Map.of());
            o.node("Max", List.of(logp, o.scalar("floor", ShallowClassifierLayer.LOG_FLOOR)), Map.of());
        }

        /**
         * Two classes in standard operators: libsvm then takes the pair's Platt probability as it is, where
         * {@code SVMClassifier} would couple the pair iteratively (ONNX Runtime's coupling stops early far from 0.5:
         * 0.9999996 for libsvm's 0.99963). Squared distances to the support vectors as for k-NN, the kernel
         * ({@code Mul} by -gamma, {@code Exp}), the decision value ({@code MatMul} by the coefficients, {@code Add}
         * -rho), the probability of libsvm's first class {@code 1 / (1 + exp(A d + B))} ({@code Mul}, {@code Add},
         * {@code Sigmoid} of the negation), held in [1e-7, 1 - 1e-7] as libsvm does ({@code Max}, {@code Min}), both
         * classes in ours by one {@code MatMul} and {@code Add} ({@code [q, 1 - q]} or {@code [1 - q, q]}).
         */
        private static void twoClassSvm(ShallowClassifier.KernelSvm svm, String z, Export o) {
            int l = svm.size();
            String distances = squaredDistances(o, z, svm.supportVectors(), l, svm.features(), "vectors_t",
                    "vector_norms");
            String scaled = o.value("_scaled");
            o.node("", 0, "Mul", "_scaled", List.of(distances, o.scalar("minus_gamma", (float) -svm.gamma())), scaled,
                    Map.of());
            String kernel = o.value("_kernel");
            o.node("", 0, "Exp", "_kernel", List.of(scaled), kernel, Map.of());
            String sum = o.value("_weighted");
            o.node("", 0, "MatMul", "_weighted", List.of(kernel, o.constant("coefficients",
                    Tensor.wrap(toFloats(svm.coefficients()), l, 1))), sum, Map.of());
            String decision = o.value("_decision");
            o.node("", 0, "Add", "_decision", List.of(sum, o.scalar("minus_rho", (float) -svm.rho()[0])), decision,
                    Map.of());
            String a = o.value("_platt_a");
            o.node("", 0, "Mul", "_platt_a", List.of(decision, o.scalar("minus_prob_a", (float) -svm.probA()[0])), a,
                    Map.of());
            String b = o.value("_platt");
            o.node("", 0, "Add", "_platt", List.of(a, o.scalar("minus_prob_b", (float) -svm.probB()[0])), b,
                    Map.of());
            String q = o.value("_first_class");
            o.node("", 0, "Sigmoid", "_first_class", List.of(b), q, Map.of());
            String low = o.value("_at_least");
            o.node("", 0, "Max", "_at_least", List.of(q, o.scalar("min_prob", 1e-7f)), low, Map.of());
            String held = o.value("_held");
            o.node("", 0, "Min", "_held", List.of(low, o.scalar("max_prob", 1 - 1e-7f)), held, Map.of());
            boolean firstIsZero = svm.classOf()[0] == 0;
            String both = o.value("_both");
            o.node("", 0, "MatMul", "_both", List.of(held, o.constant("spread", Tensor.wrap(firstIsZero
                    ? new float[] {1, -1} : new float[] {-1, 1}, 1, 2))), both, Map.of());
            String p = o.value("_probabilities");
            o.node("", 0, "Add", "_probabilities", List.of(both, o.constant("offset", Tensor.wrap(firstIsZero
                    ? new float[] {0, 1} : new float[] {1, 0}, 2))), p, Map.of());
            String logp = o.value("_log_probabilities");
            o.node("", 0, "Log", "_log_probabilities", List.of(p), logp, Map.of());
            o.node("Max", List.of(logp, o.scalar("floor", ShallowClassifierLayer.LOG_FLOOR)), Map.of());
        }

        private static float[] toFloats(double[] v) {
            float[] out = new float[v.length];
            for (int i = 0; i < v.length; i++) {
                out[i] = (float) v[i];
            }
            return out;
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

        /**
         * The standardisation every exported head starts with ({@code Sub} the training mean, {@code Mul} the inverse
         * scale); returns the standardised value's name.
         */
        private static String standardised(Export o, float[] mean, float[] inverseScale, int f) {
            String centred = o.value("_centred");
            o.node("", 0, "Sub", "_centred", List.of(o.inputs().get(0),
                    o.constant("mean", Tensor.wrap(mean.clone(), f))), centred, Map.of());
            String z = o.value("_standardised");
            o.node("", 0, "Mul", "_standardised", List.of(centred,
                    o.constant("inverse_scale", Tensor.wrap(inverseScale.clone(), f))), z, Map.of());
            return z;
        }

        /**
         * The squared Euclidean distances [N, count] from each row of {@code z} [N, f] to {@code count} points (rows of
         * {@code points}, count x f), as |z|^2 - 2 z p^T + |p|^2 ({@code Mul}, {@code ReduceSum}, {@code MatMul},
         * {@code Mul}, two {@code Add}); the transposed points and their squared norms become the constants
         * {@code transposedName} and {@code normsName}. Returns the distances' value name.
         */
        private static String squaredDistances(Export o, String z, float[] points, int count, int f,
                String transposedName, String normsName) {
            float[] transposed = new float[f * count];
            float[] squares = new float[count];
            for (int i = 0; i < count; i++) {
                double sq = 0;
                for (int j = 0; j < f; j++) {
                    float v = points[i * f + j];
                    transposed[j * count + i] = v;
                    sq += (double) v * v;
                }
                squares[i] = (float) sq;
            }
            String zz = o.value("_squares");
            o.node("", 0, "Mul", "_squares", List.of(z, z), zz, Map.of());
            String norms = o.value("_norms");
            o.node("", 0, "ReduceSum", "_norms", List.of(zz, o.longs("axes", 1)), norms, Map.of("keepdims", 1L));
            String cross = o.value("_cross");
            o.node("", 0, "MatMul", "_cross", List.of(z, o.constant(transposedName, Tensor.wrap(transposed, f, count))),
                    cross, Map.of());
            String twice = o.value("_twice_cross");
            o.node("", 0, "Mul", "_twice_cross", List.of(cross, o.scalar("minus_two", -2f)), twice, Map.of());
            String partial = o.value("_partial");
            o.node("", 0, "Add", "_partial", List.of(norms, twice), partial, Map.of());
            String distances = o.value("_distances");
            o.node("", 0, "Add", "_distances", List.of(partial, o.constant(normsName, Tensor.wrap(squares, count))),
                    distances, Map.of());
            return distances;
        }

        private static void neighbours(ShallowClassifier.Neighbours nb, Export o) {
            int n = nb.size();
            int f = nb.features();
            float[] oneHot = new float[n * nb.classes()];
            for (int i = 0; i < n; i++) {
                oneHot[i * nb.classes() + nb.labels()[i]] = 1;
            }
            String z = standardised(o, nb.mean(), nb.inverseScale(), f);
            String distances = squaredDistances(o, z, nb.points(), n, f, "points_t", "point_norms");
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

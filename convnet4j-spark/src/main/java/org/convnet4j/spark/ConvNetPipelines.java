package org.convnet4j.spark;

import java.util.Set;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.functions;

/**
 * Fitted pipelines whose pictures go through a {@link ConvNetFeaturizer} and then MLlib stages (the lecture's case 1:
 * features, then a classifier). {@code PipelineModel.transform} fails the whole job on the first picture that could
 * not be decoded, because MLlib's stages reject the null feature vector the featurizer gives it; {@link #transform}
 * keeps such a picture as a row of its own instead.
 *
 * <pre>
 *   PipelineModel fitted = PipelineModel.load("hdfs:///pipelines/flowers");
 *   Dataset&lt;Row&gt; answers = ConvNetPipelines.transform(fitted, spark.read().format("binaryFile").load("hdfs:///new"));
 * </pre>
 */
public final class ConvNetPipelines {
    private ConvNetPipelines() {
    }

    /**
     * The column of {@code model}'s output that holds the class <em>names</em>: that of an {@code IndexToString}
     * stage turning a classifier's prediction index back into the labels it was fitted on (as {@code spark transfer}
     * saves it and Spark's own examples build it), or a {@link ConvNetClassifierModel}'s {@code classNameCol}; the last
     * such stage's. A pipeline without one gives only indices, which mean nothing without the label indexer.
     *
     * @throws IllegalArgumentException when the pipeline has no such stage
     */
    public static String classNameColumn(PipelineModel model) {
        java.util.Set<String> predictions = new java.util.HashSet<>();
        String names = null;
        for (Transformer t : model.stages()) {
            if (t instanceof ConvNetClassifierModel c) {
                names = c.getOrDefault(c.classNameCol());
            } else if (t instanceof org.apache.spark.ml.feature.IndexToString its && predictions.contains(its.getInputCol())) {
                names = its.getOutputCol();
            }
            if (t.hasParam("predictionCol")) {
                predictions.add((String) t.getOrDefault(t.getParam("predictionCol")));
            }
        }
        if (names == null) {
            throw new IllegalArgumentException("the pipeline gives class indices but no class names: it needs an"
                    + " IndexToString stage after the classifier (inputCol its prediction, labels those of the"
                    + " StringIndexer it was fitted with), as 'spark transfer' saves it");
        }
        return names;
    }

    /**
     * {@code model} applied to {@code data}, in one pass: a picture the featurizer could not use gets null in every
     * column the stages after the featurizer add (and in the features), and the reason in the featurizer's error
     * column, as {@link ConvNetFeaturizer} alone gives it; the other rows are exactly {@code model.transform(data)}'s.
     * A pipeline without a featurizer (or ending with it) is applied as it is.
     */
    public static Dataset<Row> transform(PipelineModel model, Dataset<Row> data) {
        Transformer[] stages = model.stages();
        Dataset<Row> d = data;
        int i = 0;
        ConvNetFeaturizer featurizer = null;
        while (i < stages.length && featurizer == null) {
            Transformer t = stages[i++];
            d = t.transform(d);
            if (t instanceof ConvNetFeaturizer f) {
                featurizer = f;
            }
        }
        if (featurizer == null || i == stages.length) {
            return d;
        }
        String features = featurizer.getOrDefault(featurizer.outputCol());
        Column usable = functions.col(featurizer.getErrorCol()).isNull();
        // the later stages see a zero vector in place of a missing one; what they compute from it is nulled below
        int size = featurizer.featureSize();
        UserDefinedFunction placeholder = functions.udf((UDF1<Vector, Vector>) v -> v != null ? v : Vectors.zeros(size),
                SQLDataTypes.VectorType());
        d = d.withColumn(features, placeholder.apply(functions.col(features)));
        Set<String> before = Set.of(d.columns());
        for (; i < stages.length; i++) {
            d = stages[i].transform(d);
        }
        for (String c : d.columns()) {
            if (!before.contains(c)) {
                d = d.withColumn(c, functions.when(usable, functions.col(c)));
            }
        }
        return d.withColumn(features, functions.when(usable, functions.col(features)));
    }
}

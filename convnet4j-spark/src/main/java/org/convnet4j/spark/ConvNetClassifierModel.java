package org.convnet4j.spark;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.Identifiable$;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.convnet4j.model.ImageClassifier;
import org.convnet4j.model.Prediction;
import org.convnet4j.model.SavedModel;
import org.convnet4j.tensor.Tensor;

/**
 * A convnet4j classifier as a Spark ML Transformer: pictures in, top-1 class index ({@code predictionCol}, a double
 * as MLlib's classifiers give), the probability of every class ({@code probabilityCol}, an ML vector) and the class
 * name ({@code classNameCol}) out. The numbers are {@link ImageClassifier}'s, so {@code spark predict} and
 * {@code predict} agree.
 *
 * <pre>
 *   Dataset&lt;Row&gt; pictures = spark.read().format("binaryFile").load("hdfs:///pictures/*.png");
 *   ConvNetClassifierModel model = ConvNetClassifierModel.fromFile(spark, "hdfs:///models/lenet5.c4j");
 *   model.transform(pictures).select("path", "className", "probability").show();
 * </pre>
 */
public final class ConvNetClassifierModel extends ConvNetStage {
    private static final long serialVersionUID = 1L;

    private final Param<String> predictionCol;
    private final Param<String> probabilityCol;
    private final Param<String> classNameCol;

    public ConvNetClassifierModel(String uid, ModelBytes model) {
        super(uid, model);
        predictionCol = new Param<>(uid, "predictionCol", "the most likely class index");
        probabilityCol = new Param<>(uid, "probabilityCol", "the probability of each class");
        classNameCol = new Param<>(uid, "classNameCol", "the most likely class's name");
        setDefault(predictionCol, "prediction");
        setDefault(probabilityCol, "probability");
        setDefault(classNameCol, "className");
    }

    public ConvNetClassifierModel(ModelBytes model) {
        this(Identifiable$.MODULE$.randomUID("convnetClassifier"), model);
    }

    /** The classifier in the model file at {@code uri} (any Hadoop file system), checked on the driver. */
    public static ConvNetClassifierModel fromFile(SparkSession spark, String uri) throws IOException {
        return new ConvNetClassifierModel(ModelBytes.read(uri, spark.sparkContext().hadoopConfiguration()));
    }

    public Param<String> predictionCol() {
        return predictionCol;
    }

    public Param<String> probabilityCol() {
        return probabilityCol;
    }

    public Param<String> classNameCol() {
        return classNameCol;
    }

    public ConvNetClassifierModel setInputCol(String c) {
        set(inputCol(), c);
        return this;
    }

    public ConvNetClassifierModel setBatchSize(int n) {
        set(batchSize(), n);
        return this;
    }

    public ConvNetClassifierModel setFailFast(boolean on) {
        set(failFast(), on);
        return this;
    }

    public ConvNetClassifierModel setPredictionCol(String c) {
        set(predictionCol, c);
        return this;
    }

    public ConvNetClassifierModel setProbabilityCol(String c) {
        set(probabilityCol, c);
        return this;
    }

    public ConvNetClassifierModel setClassNameCol(String c) {
        set(classNameCol, c);
        return this;
    }

    /** The model's class names, index = prediction. */
    public List<String> classNames() {
        return classifier(savedModel()).classNames();
    }

    @Override
    protected List<StructField> outputFields() {
        return List.of(DataTypes.createStructField($(predictionCol), DataTypes.DoubleType, true),
                DataTypes.createStructField($(probabilityCol), SQLDataTypes.VectorType(), true),
                DataTypes.createStructField($(classNameCol), DataTypes.StringType, true));
    }

    @Override
    protected void validate() {
        classifier(savedModel()); // a model that does not classify pictures fails here, on the driver
    }

    static ImageClassifier classifier(SavedModel m) {
        return m.classifier(null);
    }

    @Override
    protected BatchFunction batchFunction() {
        return ConvNetClassifierModel::classify;
    }

    private static List<Object[]> classify(Broadcast<ModelBytes> model, List<Tensor> pictures) {
        ImageClassifier classifier = ExecutorModels.borrow(model, "classifier", ConvNetClassifierModel::classifier);
        int classes = classifier.classNames().size();
        List<Object[]> out = new ArrayList<>(pictures.size());
        for (List<Prediction> ranked : classifier.predictAll(pictures, classes)) {
            double[] p = new double[classes];
            for (Prediction r : ranked) {
                p[r.label()] = r.probability();
            }
            Prediction top = ranked.get(0);
            out.add(new Object[] {(double) top.label(), Vectors.dense(p), top.className()});
        }
        return out;
    }

    @Override
    public ConvNetClassifierModel copy(ParamMap extra) {
        return copyValues(new ConvNetClassifierModel(uid(), modelBytes()), extra);
    }

    public static MLReader<ConvNetClassifierModel> read() {
        return reader(ConvNetClassifierModel.class, ConvNetClassifierModel::new);
    }

    public static ConvNetClassifierModel load(String path) {
        return read().load(path);
    }
}

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
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.DataTypes;
import org.convnet4j.model.Preprocessing;
import org.convnet4j.model.SavedModel;
import org.convnet4j.nn.Sequential;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.transfer.GraphChain;
import org.convnet4j.transfer.Transfer;

/**
 * The lecture's case 1 feature extractor as a Spark ML Transformer: each picture's bottleneck features (the network's
 * output at {@code cutLayer}, flattened) as an ML vector in {@code outputCol}, ready for any MLlib estimator. The
 * default cut is {@link Transfer#defaultCut}: the last layer before the dense head.
 *
 * <pre>
 *   ConvNetFeaturizer features = ConvNetFeaturizer.fromFile(spark, "resnet50.c4j").setCutLayer("avgpool");
 *   Pipeline p = new Pipeline().setStages(new PipelineStage[] {features, labelIndexer, new LogisticRegression()});
 * </pre>
 */
public final class ConvNetFeaturizer extends ConvNetStage {
    private static final long serialVersionUID = 1L;

    private final Param<String> outputCol;
    private final Param<String> cutLayer;

    public ConvNetFeaturizer(String uid, ModelBytes model) {
        super(uid, model);
        outputCol = new Param<>(uid, "outputCol", "the bottleneck features");
        cutLayer = new Param<>(uid, "cutLayer", "the layer whose output is the feature vector (empty: the default cut)");
        setDefault(outputCol, "features");
        setDefault(cutLayer, "");
    }

    public ConvNetFeaturizer(ModelBytes model) {
        this(Identifiable$.MODULE$.randomUID("convnetFeaturizer"), model);
    }

    public static ConvNetFeaturizer fromFile(SparkSession spark, String uri) throws IOException {
        return new ConvNetFeaturizer(ModelBytes.read(uri, spark.sparkContext().hadoopConfiguration()));
    }

    public Param<String> outputCol() {
        return outputCol;
    }

    public Param<String> cutLayer() {
        return cutLayer;
    }

    public ConvNetFeaturizer setInputCol(String c) {
        set(inputCol(), c);
        return this;
    }

    public ConvNetFeaturizer setOutputCol(String c) {
        set(outputCol, c);
        return this;
    }

    public ConvNetFeaturizer setCutLayer(String layer) {
        set(cutLayer, layer);
        return this;
    }

    public ConvNetFeaturizer setBatchSize(int n) {
        set(batchSize(), n);
        return this;
    }

    public ConvNetFeaturizer setFailFast(boolean on) {
        set(failFast(), on);
        return this;
    }

    /** The cut actually used (the default cut when none is set). */
    public String effectiveCut() {
        return effectiveCut(savedModel(), $(cutLayer));
    }

    /** Length of the feature vectors. */
    public int featureSize() {
        return network(savedModel(), $(cutLayer)).outputShape().size();
    }

    private static String effectiveCut(SavedModel m, String cut) {
        return cut == null || cut.isEmpty() ? Transfer.defaultCut(GraphChain.asSequential(m.model(), "featurizer")) : cut;
    }

    /** The network up to and including the cut, flattened; one line naming the layers if the cut does not exist. */
    static Sequential network(SavedModel m, String cut) {
        Sequential full = GraphChain.asSequential(m.model(), "featurizer");
        return Transfer.cutAt(full, effectiveCut(m, cut));
    }

    @Override
    protected List<StructField> outputFields() {
        return List.of(DataTypes.createStructField($(outputCol), SQLDataTypes.VectorType(), true));
    }

    @Override
    protected void validate() {
        savedModel().picturePreprocessing(null);
        network(savedModel(), $(cutLayer));
    }

    @Override
    protected BatchFunction batchFunction() {
        String cut = $(cutLayer);
        return (model, pictures) -> featurize(model, cut, pictures);
    }

    private record Extractor(Sequential network, Preprocessing preprocessing) {
    }

    private static List<Object[]> featurize(Broadcast<ModelBytes> model, String cut, List<Tensor> pictures) {
        Extractor e = ExecutorModels.borrow(model, "cut:" + cut,
                m -> new Extractor(network(m, cut), m.preprocessing()));
        Shape in = e.preprocessing().outputShape();
        Tensor batch = Tensor.zeros(in.prepend(pictures.size()));
        for (int i = 0; i < pictures.size(); i++) {
            Tensor x = e.preprocessing().apply(pictures.get(i));
            System.arraycopy(x.data(), 0, batch.data(), i * in.size(), in.size());
        }
        float[] out = e.network().predict(batch).data();
        int dim = out.length / pictures.size();
        List<Object[]> rows = new ArrayList<>(pictures.size());
        for (int i = 0; i < pictures.size(); i++) {
            double[] v = new double[dim];
            for (int j = 0; j < dim; j++) {
                v[j] = out[i * dim + j];
            }
            rows.add(new Object[] {Vectors.dense(v)});
        }
        return rows;
    }

    @Override
    public ConvNetFeaturizer copy(ParamMap extra) {
        return copyValues(new ConvNetFeaturizer(uid(), modelBytes()), extra);
    }

    public static MLReader<ConvNetFeaturizer> read() {
        return reader(ConvNetFeaturizer.class, ConvNetFeaturizer::new);
    }

    public static ConvNetFeaturizer load(String path) {
        return read().load(path);
    }
}

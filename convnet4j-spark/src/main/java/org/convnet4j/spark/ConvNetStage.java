package org.convnet4j.spark;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWriter;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.convnet4j.image.ImageFormatException;
import org.convnet4j.image.Images;
import org.convnet4j.model.SavedModel;
import org.convnet4j.tensor.Tensor;
import scala.Option;

/**
 * What the two convnet4j Spark ML stages share: a model file (held as bytes, broadcast once per executor), the
 * picture column ({@link Pictures}), batching per partition, the error column and ML persistence (the usual
 * metadata plus {@code model.c4j} in the stage's directory).
 *
 * <p>Rows keep their columns; the stage appends its outputs and {@code errorCol}. A picture that cannot be decoded
 * gets null outputs and the reason in {@code errorCol}, unless {@code failFast} is set, which fails the task (and
 * so the job) on the first one.
 */
public abstract class ConvNetStage extends Transformer implements MLWritable {
    private static final long serialVersionUID = 1L;
    static final String MODEL_FILE = "model.c4j";

    private final String uid;
    private final ModelBytes model;
    private transient SavedModel parsed;
    private transient Broadcast<ModelBytes> broadcast;

    private final Param<String> inputCol;
    private final Param<String> errorCol;
    private final IntParam batchSize;
    private final BooleanParam failFast;

    protected ConvNetStage(String uid, ModelBytes model) {
        this.uid = uid;
        this.model = model;
        inputCol = new Param<>(uid, "inputCol", "the picture column: binary (encoded file) or an image struct");
        errorCol = new Param<>(uid, "errorCol", "why a picture could not be used (null when it could)");
        batchSize = new IntParam(uid, "batchSize", "pictures per forward pass within a partition",
                ParamValidators.gtEq(1));
        failFast = new BooleanParam(uid, "failFast", "fail the job on the first picture that cannot be decoded");
        setDefault(inputCol, "content");
        setDefault(errorCol, "error");
        setDefault(batchSize, 32);
        setDefault(failFast, false);
    }

    @Override
    public String uid() {
        return uid;
    }

    public Param<String> inputCol() {
        return inputCol;
    }

    public Param<String> errorCol() {
        return errorCol;
    }

    public IntParam batchSize() {
        return batchSize;
    }

    public BooleanParam failFast() {
        return failFast;
    }

    public String getInputCol() {
        return $(inputCol);
    }

    public String getErrorCol() {
        return $(errorCol);
    }

    public int getBatchSize() {
        return (Integer) $(batchSize);
    }

    public boolean getFailFast() {
        return (Boolean) $(failFast);
    }

    public ModelBytes modelBytes() {
        return model;
    }

    /** The model, parsed once on the driver (for schema checks and names). */
    protected SavedModel savedModel() {
        if (parsed == null) {
            try {
                parsed = model.parse();
            } catch (IOException e) {
                throw new IllegalArgumentException(e.getMessage(), e);
            }
        }
        return parsed;
    }

    /** The columns this stage appends, before {@code errorCol}. */
    protected abstract List<StructField> outputFields();

    /** Checks on the driver (e.g. that a cut layer exists), before any task runs. */
    protected abstract void validate();

    /** The per-task computation: a batch of decoded pictures to one output-value array per picture. */
    protected abstract BatchFunction batchFunction();

    /** Runs on executors; must be serialisable and cheap to ship (the model itself travels by broadcast). */
    protected interface BatchFunction extends java.io.Serializable {
        /** The output values (one per {@link #outputFields()} column) of each picture, in order. */
        List<Object[]> apply(Broadcast<ModelBytes> model, List<Tensor> pictures);
    }

    @Override
    public StructType transformSchema(StructType schema) {
        Pictures.of(schema, getInputCol());
        validate();
        List<String> existing = Arrays.asList(schema.fieldNames());
        StructType out = schema;
        List<StructField> added = new ArrayList<>(outputFields());
        added.add(DataTypes.createStructField(getErrorCol(), DataTypes.StringType, true));
        for (StructField f : added) {
            if (existing.contains(f.name())) {
                throw new IllegalArgumentException("output column '" + f.name() + "' already exists in "
                        + schema.simpleString());
            }
            out = out.add(f);
        }
        return out;
    }

    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        StructType in = dataset.schema();
        StructType out = transformSchema(in);
        Pictures kind = Pictures.of(in, getInputCol());
        PartitionRunner runner = new PartitionRunner(broadcast(dataset.sparkSession()), batchFunction(), kind,
                in.fieldIndex(getInputCol()), Pictures.nameColumn(in, getInputCol(), kind),
                Pictures.readErrorColumn(in), getBatchSize(), getFailFast(), outputFields().size(), Images.maxPixels());
        return dataset.toDF().mapPartitions(runner, Encoders.row(out));
    }

    private synchronized Broadcast<ModelBytes> broadcast(SparkSession spark) {
        if (broadcast == null) {
            broadcast = JavaSparkContext.fromSparkContext(spark.sparkContext()).broadcast(model);
        }
        return broadcast;
    }

    /** Decodes and batches one partition's pictures, lazily, one batch at a time. */
    private record PartitionRunner(Broadcast<ModelBytes> model, BatchFunction function, Pictures kind, int input,
                                   int nameColumn, int readError, int batchSize, boolean failFast, int outputs,
                                   long maxPixels)
            implements MapPartitionsFunction<Row, Row> {
        @Override
        public Iterator<Row> call(Iterator<Row> rows) {
            return new Iterator<>() {
                private Iterator<Row> batch = java.util.Collections.emptyIterator();

                @Override
                public boolean hasNext() {
                    if (!batch.hasNext() && rows.hasNext()) {
                        batch = nextBatch(rows).iterator();
                    }
                    return batch.hasNext();
                }

                @Override
                public Row next() {
                    if (!hasNext()) {
                        throw new NoSuchElementException();
                    }
                    return batch.next();
                }
            };
        }

        private List<Row> nextBatch(Iterator<Row> rows) {
            List<Row> taken = new ArrayList<>(batchSize);
            List<Tensor> pictures = new ArrayList<>(batchSize);
            List<Integer> good = new ArrayList<>(batchSize);
            String[] errors = new String[batchSize];
            while (taken.size() < batchSize && rows.hasNext()) {
                Row r = rows.next();
                int i = taken.size();
                taken.add(r);
                String name = nameColumn >= 0 && !r.isNullAt(nameColumn) ? r.getString(nameColumn) : "picture";
                try {
                    if (readError >= 0 && !r.isNullAt(readError)) { // a file that could not be read (PictureFiles)
                        throw new ImageFormatException(r.getString(readError));
                    }
                    pictures.add(kind.decode(r.get(input), name, maxPixels));
                    good.add(i);
                } catch (ImageFormatException e) {
                    if (failFast) {
                        throw new IllegalArgumentException(e.getMessage(), e);
                    }
                    errors[i] = e.getMessage();
                }
            }
            List<Object[]> values = pictures.isEmpty() ? List.of() : function.apply(model, pictures);
            Object[][] byRow = new Object[taken.size()][];
            for (int k = 0; k < good.size(); k++) {
                byRow[good.get(k)] = values.get(k);
            }
            List<Row> result = new ArrayList<>(taken.size());
            for (int i = 0; i < taken.size(); i++) {
                Row r = taken.get(i);
                Object[] v = new Object[r.size() + outputs + 1];
                for (int c = 0; c < r.size(); c++) {
                    v[c] = r.get(c);
                }
                if (byRow[i] != null) {
                    System.arraycopy(byRow[i], 0, v, r.size(), outputs);
                }
                v[r.size() + outputs] = errors[i];
                result.add(RowFactory.create(v));
            }
            return result;
        }
    }

    // ---- ML persistence -------------------------------------------------------------------------

    @Override
    public MLWriter write() {
        return new StageWriter(this);
    }

    @Override
    public void save(String path) throws IOException {
        write().save(path);
    }

    private static final class StageWriter extends MLWriter {
        private final ConvNetStage stage;

        StageWriter(ConvNetStage stage) {
            this.stage = stage;
        }

        @Override
        public void saveImpl(String path) {
            DefaultParamsWriter.saveMetadata(stage, path, sc(), Option.empty(), Option.empty());
            try {
                HadoopFiles.writeAtomically(new org.apache.hadoop.fs.Path(path, MODEL_FILE).toString(),
                        stage.model.bytes(), sc().hadoopConfiguration());
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }

    /** Reads what {@link StageWriter} saved: metadata (uid, parameters) and the model file. */
    protected interface Factory<T extends ConvNetStage> {
        T create(String uid, ModelBytes model);
    }

    protected static <T extends ConvNetStage> MLReader<T> reader(Class<T> type, Factory<T> factory) {
        return new MLReader<>() {
            @Override
            public T load(String path) {
                DefaultParamsReader.Metadata metadata = DefaultParamsReader.loadMetadata(path, sc(), type.getName());
                String file = new org.apache.hadoop.fs.Path(path, MODEL_FILE).toString();
                ModelBytes model;
                try {
                    model = ModelBytes.trusted(HadoopFiles.readAll(file, sc().hadoopConfiguration()), file);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
                T stage = factory.create(metadata.uid(), model);
                metadata.getAndSetParams(stage, Option.empty());
                return stage;
            }
        };
    }
}

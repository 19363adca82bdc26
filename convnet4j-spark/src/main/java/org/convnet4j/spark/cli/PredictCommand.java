package org.convnet4j.spark.cli;

import java.io.IOException;
import java.util.Iterator;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.convnet4j.spark.AtomicOutputs;
import org.convnet4j.spark.ConvNetClassifierModel;
import org.convnet4j.spark.ConvNetPipelines;
import org.convnet4j.spark.HadoopFiles;
import org.convnet4j.spark.ModelBytes;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "predict", mixinStandardHelpOptions = true,
        description = {"Top-1 class of every picture, computed on Spark.",
                "--model is a convnet4j model file (.c4j) or a pipeline saved by 'spark transfer'.",
                "CSV: header path,class,probability, one row per picture, sorted by path; Parquet adds the class index,"
                        + " all probabilities and an error column."},
        footer = {"", "Examples:",
                "  convnet4j spark predict --model lenet5.c4j --images pictures/ -o predictions.csv",
                "  convnet4j spark predict --master spark://10.0.0.5:7077 --model hdfs:///m/resnet50.c4j \\",
                "      --images 'hdfs:///photos/*.jpg' -o hdfs:///out/predictions.parquet"})
final class PredictCommand extends SparkMain.SparkCommand {
    @Option(names = "--model", required = true, paramLabel = "FILE|DIR", description = "model file or saved pipeline")
    String model;

    @Option(names = "--images", required = true, paramLabel = "DIR|GLOB", description = "pictures (any Hadoop path)")
    String images;

    @Option(names = {"-o", "--out"}, required = true, paramLabel = "FILE.csv|FILE.parquet")
    String out;

    @Option(names = "--overwrite", description = "replace an existing output")
    boolean overwrite;

    @Option(names = "--fail-fast", description = "fail on the first picture that cannot be decoded (default: report it)")
    boolean failFast;

    @Option(names = "--batch", defaultValue = "32", description = "pictures per forward pass (default ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--partitions", defaultValue = "0", description = "partitions of the pictures (default: 2 per task slot)")
    int partitions;

    private ModelBytes file;

    @Override
    void check() throws IOException {
        Io.checkPartitions(partitions);
        Io.extension(out);
        Configuration conf = org.convnet4j.spark.HadoopFiles.forChecks(spark.hadoopConf()); // quick to give up
        model = HadoopFiles.resolve(model, conf); // hdfs:///x names the default file system's NameNode
        images = HadoopFiles.resolve(images, conf);
        out = HadoopFiles.resolve(out, conf);
        Io.checkOutput(out, overwrite, conf);
        Io.requirePictures(images, conf);
        // a model file is read and checked before Spark starts; a saved pipeline is loaded by Spark
        if (!HadoopFiles.isSavedStage(model, conf)) {
            file = ModelBytes.read(model, conf);
            Io.checkBatch(batch, file);
        }
    }

    @Override
    int run(SparkSession spark) throws Exception {
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        Transformer stage = file != null
                ? new ConvNetClassifierModel(file).setBatchSize(batch).setFailFast(failFast)
                : stage(spark, model, batch, failFast);
        Dataset<Row> pictures = Io.pictures(spark, images, partitions);
        // a saved pipeline: a picture that cannot be decoded gets an error row, MLlib's stages never see it
        Dataset<Row> result = stage instanceof PipelineModel p ? ConvNetPipelines.transform(p, pictures)
                        .withColumnRenamed(ConvNetPipelines.classNameColumn(p), "className")
                : stage.transform(pictures);
        long[] counts = new long[2];
        String firstError = null;
        if (Io.extension(out).equals("csv")) {
            Dataset<Row> rows = result.select("path", "className", "prediction", "probability", "error").orderBy("path");
            String[] first = new String[1];
            AtomicOutputs.writeCsv(out, w -> {
                w.write("path,class,probability\n");
                Iterator<Row> it = rows.toLocalIterator();
                while (it.hasNext()) {
                    Row r = it.next();
                    counts[0]++;
                    if (!r.isNullAt(4)) {
                        counts[1]++;
                        if (first[0] == null) {
                            first[0] = r.getString(4);
                        }
                        continue;
                    }
                    Vector p = r.getAs(3);
                    w.write(Io.csv(r.getString(0)) + "," + Io.csv(r.getString(1)) + ","
                            + Io.number(p.apply((int) r.getDouble(2))) + "\n");
                }
            }, conf);
            firstError = first[0];
        } else {
            Dataset<Row> rows = result.select(functions.col("path"), functions.col("className").as("class"),
                    functions.col("prediction"), functions.col("probability"), functions.col("error"));
            AtomicOutputs.writeParquet(rows, out, overwrite, conf);
            Dataset<Row> back = spark.read().parquet(out);
            counts[0] = back.count();
            Dataset<Row> bad = back.filter(functions.col("error").isNotNull());
            counts[1] = bad.count();
            firstError = counts[1] > 0 ? bad.first().getString(bad.first().fieldIndex("error")) : null;
        }
        System.err.println(counts[0] + " pictures, " + (counts[0] - counts[1]) + " classified, " + counts[1]
                + " could not be decoded" + (firstError == null ? "" : " (first: " + firstError + ")") + "; wrote " + out);
        return 0;
    }

    /** A .c4j file gives a ConvNetClassifierModel; a directory saved by 'spark transfer' is a PipelineModel. */
    static Transformer stage(SparkSession spark, String model, int batch, boolean failFast) throws IOException {
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        if (HadoopFiles.isSavedStage(model, conf)) {
            PipelineModel p = PipelineModel.load(model);
            try {
                ConvNetPipelines.classNameColumn(p); // class names, not bare indices, in the output
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--model " + model + ": " + e.getMessage(), e);
            }
            for (Transformer t : p.stages()) {
                if (t instanceof org.convnet4j.spark.ConvNetFeaturizer f) {
                    Io.checkBatch(batch, f.modelBytes()); // a saved pipeline: once loaded, before any work
                    f.setBatchSize(batch).setFailFast(failFast);
                }
            }
            return p;
        }
        return ConvNetClassifierModel.fromFile(spark, model).setBatchSize(batch).setFailFast(failFast);
    }
}

package org.convnet4j.spark.cli;

import java.io.IOException;
import java.util.List;
import java.util.Locale;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.classification.LogisticRegression;
import org.apache.spark.ml.feature.IndexToString;
import org.apache.spark.ml.feature.StringIndexer;
import org.apache.spark.ml.feature.StringIndexerModel;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.convnet4j.spark.ConvNetFeaturizer;
import org.convnet4j.spark.HadoopFiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "transfer", mixinStandardHelpOptions = true,
        description = {"The lecture's case 1 at scale: bottleneck features of a trained network (ConvNetFeaturizer) and an"
                + " MLlib logistic regression fitted on them, from a folder with one sub-folder of pictures per class.",
                "Saves the fitted Spark ML pipeline; 'spark predict --model DIR' applies it to new pictures."},
        footer = {"", "Example:",
                "  convnet4j spark transfer --base resnet50.c4j --cut avgpool --images labelled/ -o flowers-pipeline",
                "  convnet4j spark predict --model flowers-pipeline --images new/ -o answers.csv"})
final class TransferCommand extends SparkMain.SparkCommand {
    @Option(names = "--base", required = true, paramLabel = "FILE", description = "the trained network (.c4j)")
    String base;

    @Option(names = "--cut", paramLabel = "LAYER")
    String cut;

    @Option(names = "--images", required = true, paramLabel = "DIR", description = "one sub-folder of pictures per class")
    String images;

    @Option(names = {"-o", "--out"}, required = true, paramLabel = "DIR", description = "where the pipeline is saved")
    String out;

    @Option(names = "--overwrite")
    boolean overwrite;

    @Option(names = "--reg", defaultValue = "0.01", description = "L2 regularisation (default ${DEFAULT-VALUE})")
    double reg;

    @Option(names = "--max-iter", defaultValue = "100")
    int maxIter;

    @Option(names = "--partitions", defaultValue = "0")
    int partitions;

    @Override
    void check() throws IOException {
        Io.checkPartitions(partitions);
        org.apache.hadoop.conf.Configuration conf = spark.hadoopConf();
        base = HadoopFiles.resolve(base, conf); // hdfs:///x names the default file system's NameNode
        images = HadoopFiles.resolve(images, conf);
        out = HadoopFiles.resolve(out, conf);
        Io.checkOutputFolder(out, overwrite, conf); // a folder: Spark creates it and its parents
        Io.requirePictures(images, conf);
        features = Io.featurizer(base, cut, conf).setFailFast(true);
    }

    private ConvNetFeaturizer features;

    @Override
    int run(SparkSession spark) throws Exception {
        Dataset<Row> labelled = Io.pictures(spark, images, partitions)
                .withColumn("label_name", functions.element_at(functions.split(functions.col("path"), "/"), -2));
        StringIndexer indexer = new StringIndexer().setInputCol("label_name").setOutputCol("label");
        LogisticRegression lr = new LogisticRegression().setRegParam(reg).setMaxIter(maxIter);
        PipelineModel fitted = new Pipeline().setStages(new PipelineStage[] {indexer, features, lr}).fit(labelled);
        String[] classes = ((StringIndexerModel) fitted.stages()[0]).labelsArray()[0];
        IndexToString names = new IndexToString().setInputCol("prediction").setOutputCol("className").setLabels(classes);
        List<PipelineStage> stages = new java.util.ArrayList<>(List.of(fitted.stages()));
        stages.add(names);
        PipelineModel complete = new PipelineModel(fitted.uid(), stages.stream()
                .map(s -> (org.apache.spark.ml.Transformer) s).toArray(org.apache.spark.ml.Transformer[]::new));
        Dataset<Row> scored = complete.transform(labelled);
        long n = scored.count();
        long right = scored.filter(functions.col("className").equalTo(functions.col("label_name"))).count();
        var writer = complete.write();
        if (overwrite) {
            writer = writer.overwrite();
        }
        writer.save(out);
        System.out.println(String.format(Locale.ROOT,
                "case 1: %d pictures of %d classes, %d features at '%s', logistic regression training accuracy %.4f; saved %s",
                n, classes.length, features.featureSize(), features.effectiveCut(), (double) right / n, out));
        return 0;
    }
}

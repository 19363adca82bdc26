package org.convnet4j.spark.cli;

import java.io.IOException;
import java.util.Locale;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.classification.LogisticRegression;
import org.apache.spark.ml.classification.LogisticRegressionModel;
import org.apache.spark.ml.feature.IndexToString;
import org.apache.spark.ml.feature.StringIndexer;
import org.apache.spark.ml.feature.StringIndexerModel;
import org.apache.spark.ml.util.Identifiable$;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.convnet4j.spark.AtomicOutputs;
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

    @Option(names = "--fail-fast", description = "fail on the first picture that cannot be decoded (default: leave it"
            + " out of the fit and count it in the summary)")
    boolean failFast;

    @Override
    void check() throws IOException {
        Io.checkPartitions(partitions);
        // quick to give up on a file system that does not answer
        org.apache.hadoop.conf.Configuration conf = org.convnet4j.spark.HadoopFiles.forChecks(spark.hadoopConf());
        base = HadoopFiles.resolve(base, conf); // hdfs:///x names the default file system's NameNode
        images = HadoopFiles.resolve(images, conf);
        out = HadoopFiles.resolve(out, conf);
        Io.checkOutputFolder(out, overwrite, conf); // a folder: Spark creates it and its parents
        Io.requirePictures(images, conf);
        features = Io.featurizer(base, cut, conf);
    }

    private ConvNetFeaturizer features;

    @Override
    int run(SparkSession spark) throws Exception {
        org.convnet4j.spark.PictureFiles.Labelled listed = org.convnet4j.spark.PictureFiles.labelled(spark, images,
                Io.partitions(spark, partitions));
        if (listed.count() == 0) {
            throw new IllegalArgumentException("--images " + images + ": no picture in a class folder (give a folder"
                    + " with one sub-folder of pictures per class)" + listed.outsideLine().map(l -> "; " + l).orElse(""));
        }
        Dataset<Row> labelled = listed.pictures();
        // featurized once (kept for the fit and the counts); a picture that cannot be decoded has an error and no
        // features, and is left out of the fit unless --fail-fast, which fails the job on it
        Dataset<Row> featurized = features.setFailFast(failFast).transform(labelled).persist();
        try {
            Column bad = functions.col(features.getErrorCol()).isNotNull();
            long n = featurized.count();
            Dataset<Row> errors = featurized.filter(bad).select(features.getErrorCol());
            long undecodable = errors.count();
            if (undecodable == n) {
                throw new IllegalArgumentException("--images " + images + ": none of the " + n
                        + " pictures could be decoded (first: " + errors.first().getString(0) + ")");
            }
            Dataset<Row> usable = featurized.filter(functions.not(bad));
            // class i is the i-th class folder by name, as in train's and transfer's models (StringIndexer's default
            // order is by frequency: an index nobody could read without the indexer)
            StringIndexerModel indexer = new StringIndexer().setInputCol("label_name").setOutputCol("label")
                    .setStringOrderType("alphabetAsc").fit(usable);
            LogisticRegressionModel lr = new LogisticRegression().setRegParam(reg).setMaxIter(maxIter)
                    .fit(indexer.transform(usable));
            String[] classes = indexer.labelsArray()[0];
            IndexToString names = new IndexToString().setInputCol("prediction").setOutputCol("className")
                    .setLabels(classes);
            PipelineModel complete = new PipelineModel(Identifiable$.MODULE$.randomUID("pipeline"),
                    new Transformer[] {indexer, features, lr, names});
            long right = lr.transform(indexer.transform(usable)).filter(functions.col("prediction")
                    .equalTo(functions.col("label"))).count();
            AtomicOutputs.writeDirectory(out, overwrite, spark.sparkContext().hadoopConfiguration(),
                    tmp -> complete.write().save(tmp));
            System.out.println(String.format(Locale.ROOT, "case 1: %d pictures of %d classes, %d features at '%s',"
                    + " logistic regression training accuracy %.4f; saved %s", n - undecodable, classes.length,
                    features.featureSize(), features.effectiveCut(), (double) right / (n - undecodable), out));
            if (undecodable > 0) {
                System.err.println(undecodable + " of " + n + " pictures could not be decoded and were left out (first: "
                        + errors.first().getString(0) + ")");
            }
            listed.outsideLine().ifPresent(System.err::println); // after the work: a failure stays one line
            return 0;
        } finally {
            featurized.unpersist();
        }
    }
}

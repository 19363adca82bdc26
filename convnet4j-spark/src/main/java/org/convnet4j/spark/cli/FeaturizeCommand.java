package org.convnet4j.spark.cli;

import java.io.IOException;
import java.util.Iterator;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.convnet4j.spark.AtomicOutputs;
import org.convnet4j.spark.ConvNetFeaturizer;
import org.convnet4j.spark.HadoopFiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "featurize", mixinStandardHelpOptions = true,
        description = {"Bottleneck features (the network's output at --cut, flattened) of every picture, on Spark.",
                "Parquet: path, features (an ML vector), error; CSV: path then one column per feature."},
        footer = {"", "Example:",
                "  convnet4j spark featurize --model resnet50.c4j --cut avgpool --images photos/ -o features.parquet"})
final class FeaturizeCommand extends SparkMain.SparkCommand {
    @Option(names = "--model", required = true, paramLabel = "FILE")
    String model;

    @Option(names = "--cut", paramLabel = "LAYER", description = "layer whose output is the feature (default: before the dense head)")
    String cut;

    @Option(names = "--images", required = true, paramLabel = "DIR|GLOB")
    String images;

    @Option(names = {"-o", "--out"}, required = true, paramLabel = "FILE.parquet|FILE.csv")
    String out;

    @Option(names = "--overwrite")
    boolean overwrite;

    @Option(names = "--fail-fast")
    boolean failFast;

    @Option(names = "--batch", defaultValue = "32")
    int batch;

    @Option(names = "--partitions", defaultValue = "0")
    int partitions;

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
        featurizer = Io.featurizer(model, cut, conf);
        Io.checkBatch(batch, featurizer.modelBytes());
    }

    private ConvNetFeaturizer featurizer;

    @Override
    int run(SparkSession spark) throws Exception {
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        ConvNetFeaturizer f = featurizer.setBatchSize(batch).setFailFast(failFast);
        Dataset<Row> result = f.transform(Io.pictures(spark, images, partitions)).select("path", "features", "error");
        long[] counts = new long[2];
        if (Io.extension(out).equals("parquet")) {
            AtomicOutputs.writeParquet(result, out, overwrite, conf);
            Dataset<Row> back = spark.read().parquet(out);
            counts[0] = back.count();
            counts[1] = back.filter(functions.col("error").isNotNull()).count();
        } else {
            int dim = f.featureSize();
            AtomicOutputs.writeCsv(out, w -> {
                StringBuilder h = new StringBuilder("path");
                for (int j = 0; j < dim; j++) {
                    h.append(",f").append(j);
                }
                w.write(h.append('\n').toString());
                Iterator<Row> it = result.orderBy("path").toLocalIterator();
                while (it.hasNext()) {
                    Row r = it.next();
                    counts[0]++;
                    if (!r.isNullAt(2)) {
                        counts[1]++;
                        continue;
                    }
                    StringBuilder line = new StringBuilder(Io.csv(r.getString(0)));
                    Vector v = r.getAs(1);
                    for (int j = 0; j < dim; j++) {
                        line.append(',').append((float) v.apply(j));
                    }
                    w.write(line.append('\n').toString());
                }
            }, conf);
        }
        System.err.println(counts[0] + " pictures, " + counts[1] + " could not be decoded; features of "
                + f.featureSize() + " values at '" + f.effectiveCut() + "'; wrote " + out);
        return 0;
    }
}

package org.convnet4j.spark.cli;

import java.net.URI;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import org.convnet4j.spark.HadoopFiles;
import org.convnet4j.spark.SparkYarnArchive;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "package-yarn", mixinStandardHelpOptions = true,
        description = {"Puts Spark's jars (those of this command's class path) on the YARN cluster's file system once,"
                + " as one archive for spark.yarn.archive, so that 'spark ... --master yarn' stops uploading them"
                + " (273 MB) for every application.",
                "Default place: .convnet4j/spark-jars-VERSION-HASH.zip in your home folder on fs.defaultFS (from"
                + " HADOOP_CONF_DIR's core-site.xml), where the spark commands look for it. Nothing is written when it"
                + " is already there."},
        footer = {"", "Example:", "  HADOOP_CONF_DIR=/etc/hadoop/conf convnet4j spark package-yarn"})
final class PackageYarnCommand implements Callable<Integer> {
    @Option(names = "--to", paramLabel = "URI", description = "another place (then give --conf spark.yarn.archive=URI"
            + " to the commands)")
    String to;

    @Option(names = "--overwrite", description = "write it again even when it is there")
    boolean overwrite;

    @Option(names = "--conf", paramLabel = "KEY=VALUE", description = "spark.hadoop.* settings of the file system")
    Map<String, String> conf = new LinkedHashMap<>();

    @Override
    public Integer call() throws Exception {
        SparkMain.SparkOptions options = new SparkMain.SparkOptions();
        options.conf = conf;
        Configuration hadoop = options.hadoopConf();
        List<Path> jars = SparkYarnArchive.sparkJarsOfThisJvm();
        URI where = to != null ? URI.create(HadoopFiles.resolve(to, hadoop))
                : SparkYarnArchive.defaultLocation(jars, HadoopFiles.forChecks(hadoop));
        SparkYarnArchive.Published p = SparkYarnArchive.publish(jars, where, hadoop, overwrite);
        System.out.println(String.format(Locale.ROOT, "%s %s (%d jars, %d MB)%s", p.written() ? "wrote" : "already there:",
                p.location(), p.jars(), p.bytes() >> 20, to == null ? "; the spark commands on --master yarn use it"
                        : "; give --conf spark.yarn.archive=" + p.location() + " to the spark commands"));
        return 0;
    }
}

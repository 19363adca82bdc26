package org.convnet4j.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/**
 * {@link RemoteFileSystemTests} on a real HDFS ({@link MiniHdfs}: a NameNode and a DataNode on 127.0.0.1, read through
 * Spark's own Hadoop client), and {@code hdfs:///path} with the NameNode from {@code fs.defaultFS}.
 */
class HdfsTest extends RemoteFileSystemTests {
    private MiniHdfs hdfs;

    @Override
    String start(Path base) throws Exception {
        hdfs = new MiniHdfs(base);
        System.out.printf(java.util.Locale.ROOT, "HdfsTest: MiniDFSCluster (1 NameNode, 1 DataNode) up in %.1f s,"
                + " %.1f s CPU, at %s%n", hdfs.startSeconds, hdfs.startCpuSeconds, hdfs.uri);
        return hdfs.uri;
    }

    @Override
    void stop() {
        if (hdfs != null) {
            hdfs.close();
        }
    }

    @Override
    FileSystem fileSystem() throws IOException {
        return hdfs.fileSystem();
    }

    /**
     * {@code hdfs:///path} as a cluster user writes it: the NameNode comes from {@code fs.defaultFS}, here given as
     * {@code --conf spark.hadoop.fs.defaultFS=...}; the checks made before Spark starts read with it too.
     */
    @Test
    void hdfsPathsWithoutANameNodeUseTheDefaultFileSystemGivenWithConf() throws Exception {
        // the command must make its own session (Spark applies spark.hadoop.* only to a new context)
        TestSpark.stopIfRunning();
        try {
            String[] r = org.convnet4j.spark.cli.CliRun.run("predict", "--master", "local[2]", "--conf",
                    "spark.hadoop.fs.defaultFS=" + hdfs.uri, "--conf", "spark.ui.enabled=false", "--model", "hdfs:///models/lenet.c4j", "--images",
                    "/data/pictures", "-o", "/out/default-fs.csv", "--partitions", "2");
            assertEquals("0", r[0], r[2]);
            List<String> lines = new String(hdfs.fileSystem().open(new org.apache.hadoop.fs.Path(hdfs.uri
                    + "/out/default-fs.csv")).readAllBytes(), StandardCharsets.UTF_8).lines().toList();
            assertEquals(25, lines.size());
            assertTrue(lines.get(1).startsWith(hdfs.uri + "/data/pictures/horizontal/"), lines.get(1));
        } finally {
            SparkSession.getDefaultSession().foreach(s -> {
                s.stop();
                return null;
            });
        }
    }
}

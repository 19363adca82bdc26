package org.convnet4j.spark;

import java.io.IOException;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.hdfs.DistributedFileSystem;

/**
 * HDFS whose open of a file named {@code N} waits while {@code HOLDS/N.hold} exists in the local folder {@code HOLDS}
 * (the setting {@value #HOLDS}; none: plain HDFS), after writing {@code HOLDS/N.reader-PID}: {@link HoldingFileSystem}'s
 * hold ({@link HeldPicture} on {@code HOLDS/N}) for pictures on HDFS, for the JVMs of one machine (a cluster test's
 * executors), given as {@code --conf spark.hadoop.fs.hdfs.impl=org.convnet4j.spark.HoldingHdfs --conf
 * spark.hadoop.convnet4j.test.holds=HOLDS}. The task reading {@code N} is in the middle of its work for as long as the
 * test holds it.
 */
public class HoldingHdfs extends DistributedFileSystem {
    public static final String HOLDS = "convnet4j.test.holds";

    @Override
    public FSDataInputStream open(Path f, int bufferSize) throws IOException {
        String holds = getConf().get(HOLDS);
        if (holds != null) {
            HoldingFileSystem.waitWhileHeld(java.nio.file.Path.of(holds, f.getName()), f);
        }
        return super.open(f, bufferSize);
    }
}

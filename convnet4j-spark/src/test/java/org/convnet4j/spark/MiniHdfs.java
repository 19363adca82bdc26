package org.convnet4j.spark;

import java.io.IOException;
import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.hdfs.MiniDFSCluster;

/**
 * A real HDFS for the tests: Hadoop's {@code MiniDFSCluster} (one NameNode and one DataNode in this JVM, their RPC,
 * data-transfer and HTTP ports ephemeral on 127.0.0.1, storage in {@code base}), from the shaded
 * {@code hadoop-client-minicluster} of the Hadoop release Spark 3.5 is built with. The clients are Spark's own
 * {@code hadoop-client-api}/{@code -runtime}: what a cluster's Spark reads HDFS with.
 */
final class MiniHdfs implements AutoCloseable {
    private final MiniDFSCluster cluster;
    private final String host;
    /** {@code hdfs://127.0.0.1:PORT}: the NameNode, the authority of every test URI. */
    final String uri;
    /** Seconds from {@code build()} until the DataNode had registered. */
    final double startSeconds;
    /** CPU seconds this process used meanwhile (other threads of the JVM included). */
    final double startCpuSeconds;

    MiniHdfs(Path base) throws IOException {
        this(base, null);
    }

    /**
     * With {@code host} null everything listens on 127.0.0.1 only. With an address, for clients on other hosts (the
     * network-namespace test): the NameNode listens on every address of this host (MiniDFSCluster has its DataNode
     * register at 127.0.0.1), the DataNode too, and it announces {@code host} as its name, so clients on other hosts
     * that set {@code dfs.client.use.datanode.hostname=true} read blocks from {@code host}.
     */
    MiniHdfs(Path base, String host) throws IOException {
        this.host = host;
        Configuration conf = new Configuration();
        conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, base.toAbsolutePath().toString());
        String address = host == null ? "127.0.0.1" : host;
        conf.set("dfs.namenode.rpc-bind-host", host == null ? "127.0.0.1" : "0.0.0.0");
        conf.set("dfs.namenode.http-address", "127.0.0.1:0");
        // with a host: every address of this host (127.0.0.1 for this JVM's clients, the host for the others)
        conf.set("dfs.datanode.address", (host == null ? "127.0.0.1" : "0.0.0.0") + ":0");
        conf.set("dfs.datanode.http.address", "127.0.0.1:0");
        conf.set("dfs.datanode.ipc.address", "127.0.0.1:0");
        if (host != null) {
            conf.set("dfs.datanode.hostname", host);
        }
        long t0 = System.nanoTime();
        long cpu0 = processCpuNanos();
        // with a host, MiniDFSCluster must keep the DataNode's address and name given above (it sets 127.0.0.1 otherwise)
        cluster = new MiniDFSCluster.Builder(conf).numDataNodes(1).format(true).checkDataNodeAddrConfig(host != null)
                .checkDataNodeHostConfig(host != null).build();
        cluster.waitActive();
        startSeconds = (System.nanoTime() - t0) / 1e9;
        startCpuSeconds = (processCpuNanos() - cpu0) / 1e9;
        uri = "hdfs://" + address + ":" + cluster.getNameNodePort();
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getProcessCpuTime();
    }

    /** A client of this HDFS by {@link #uri} (MiniDFSCluster's own calls its NameNode "localhost"). */
    FileSystem fileSystem() throws IOException {
        return host == null ? cluster.getFileSystem()
                : new org.apache.hadoop.fs.Path(uri).getFileSystem(cluster.getConfiguration(0));
    }

    /** Copies a local file or folder (recursively) to {@code hdfsPath}; returns its full URI. */
    String put(Path local, String hdfsPath) throws IOException {
        org.apache.hadoop.fs.Path target = new org.apache.hadoop.fs.Path(uri + hdfsPath);
        fileSystem().copyFromLocalFile(false, true, new org.apache.hadoop.fs.Path(local.toUri()), target);
        return target.toString();
    }

    @Override
    public void close() {
        cluster.shutdown(true);
    }
}

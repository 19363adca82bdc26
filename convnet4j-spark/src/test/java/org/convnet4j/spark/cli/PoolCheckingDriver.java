package org.convnet4j.spark.cli;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import org.apache.spark.SparkEnv;
import org.apache.spark.SparkExecutorInfo;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.BlockManagerId;
import org.convnet4j.spark.PoolProbe;

/**
 * StandaloneClusterIT's driver, spark-submit's main class (from {@code --jars}): {@code convnet4j spark train ARGS} in
 * the session the command would make ({@link CommandsInOneApplication#session}: the command leaves a caller's session
 * running), then every live executor is asked how many model copies of any training run its JVM still pools; prints
 * {@code model copies pooled per executor after the run: {HOST:PORT=N, ...}}. With {@code train ARGS --then COMMAND
 * ARGS [--then ...]} it then waits for the file named by the system property {@code convnet4j.test.go} and runs those
 * commands in the same application (the session is reused; no driver or executor start more), printing {@code command
 * N (NAME) exited with CODE} for each and stopping at the first that fails; exits with the last command's code.
 */
public final class PoolCheckingDriver {
    private PoolCheckingDriver() {
    }

    public static void main(String[] args) throws Exception {
        List<List<String>> commands = CommandsInOneApplication.commands(args);
        SparkSession spark = CommandsInOneApplication.session(commands.get(0));
        int code = SparkMain.run(commands.get(0).toArray(String[]::new));
        if (code == 0) {
            System.out.println("model copies pooled per executor after the run: " + pooledPerExecutor(spark));
            if (commands.size() > 1) {
                // the next commands in the same application, once the test says go (it notes first which tasks the
                // executors have run so far, so that it can tell the next command's tasks from these)
                java.nio.file.Path go = java.nio.file.Path.of(System.getProperty("convnet4j.test.go"));
                System.out.println("waiting for " + go);
                while (!java.nio.file.Files.exists(go)) {
                    Thread.sleep(20);
                }
                for (int n = 1; n < commands.size() && code == 0; n++) {
                    code = SparkMain.run(commands.get(n).toArray(String[]::new));
                    System.out.println("command " + (n + 1) + " (" + commands.get(n).get(0) + ") exited with " + code);
                }
            }
        }
        spark.stop();
        System.exit(code);
    }

    /** Short tasks until every live executor has answered (Spark spreads them over the free slots). */
    private static TreeMap<String, Integer> pooledPerExecutor(SparkSession spark) throws InterruptedException {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        BlockManagerId self = SparkEnv.get().blockManager().blockManagerId();
        TreeMap<String, Integer> pooled = new TreeMap<>();
        for (int round = 0; round < 20; round++) {
            Set<String> live = new HashSet<>();
            for (SparkExecutorInfo e : spark.sparkContext().statusTracker().getExecutorInfos()) {
                if (!(e.host().equals(self.host()) && e.port() == self.port())) {
                    live.add(e.host() + ":" + e.port());
                }
            }
            if (!live.isEmpty() && pooled.keySet().containsAll(live)) {
                pooled.keySet().retainAll(live);
                return pooled;
            }
            List<Integer> tasks = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                tasks.add(i);
            }
            for (String answer : jsc.parallelize(tasks, tasks.size()).map(i -> {
                Thread.sleep(200); // keep a slot busy so that the other executors get tasks too
                BlockManagerId bm = SparkEnv.get().blockManager().blockManagerId();
                return bm.host() + ":" + bm.port() + " " + PoolProbe.pooledHere();
            }).collect()) {
                String[] f = answer.split(" ");
                pooled.put(f[0], Integer.parseInt(f[1]));
            }
        }
        throw new IllegalStateException("not every executor answered: " + pooled);
    }
}

package org.convnet4j.spark;

import java.nio.file.Path;
import java.util.List;
import org.convnet4j.spark.cli.SparkMain;

/**
 * What {@link SparkCds} runs to fill its archive (under spark-submit, local[2]): the main classes of the cluster JVMs
 * the tests start are loaded, then a small spark train, predict and featurize run, driver and executor code alike.
 */
public final class CdsWorkload {
    private CdsWorkload() {
    }

    public static void main(String[] args) throws Exception {
        Path work = Path.of(args[0]);
        ClassLoader app = ClassLoader.getSystemClassLoader();
        for (String main : List.of("org.apache.spark.deploy.master.Master", "org.apache.spark.deploy.worker.Worker",
                "org.apache.spark.deploy.worker.DriverWrapper", "org.apache.spark.launcher.Main")) {
            try {
                Class.forName(main, false, app);
            } catch (ClassNotFoundException | LinkageError e) {
                // another Spark: its classes are simply not archived
            }
        }
        // one session for the three commands (SparkMain.run keeps a caller's session on the same master)
        TestSpark.session();
        Path data = TestSpark.stripeFolder(work.resolve("stripes"), 16, 3);
        Path model = work.resolve("m.c4j");
        check(SparkMain.run(new String[] {"train", "--master", "local[2]", "--model", "lenet5-classic", "--data",
            data.toString(), "--epochs", "1", "--batch", "8", "--optimizer", "sgd", "--lr", "0.1", "--val-split", "0.25",
            "--seed", "1", "--partitions", "2", "--exchange", "ring", "--no-progress", "--out", model.toString()}));
        for (String command : List.of("predict", "featurize")) {
            check(SparkMain.run(new String[] {command, "--master", "local[2]", "--model", model.toString(), "--images",
                data.toString(), "--partitions", "2", "--batch", "8", "-o", work.resolve(command + ".csv").toString()}));
        }
        TestSpark.stopIfRunning();
    }

    private static void check(int code) {
        if (code != 0) {
            throw new IllegalStateException("exit " + code);
        }
    }
}

package org.convnet4j.spark;

import com.google.gson.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Locale;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;
import org.convnet4j.checkpoint.Checkpoint;
import org.convnet4j.internal.json.Json;
import org.convnet4j.model.ModelFiles;
import org.convnet4j.model.Preprocessing;
import org.convnet4j.nn.Model;
import org.convnet4j.train.TrainingCheckpoints;
import org.convnet4j.train.TrainingContext;
import org.convnet4j.train.TrainingListener;
import org.convnet4j.util.AtomicFiles;

/**
 * {@link SparkTrainer}'s checkpoints: after every epoch the run's state as a complete model file ({@code last.c4j} and
 * {@code epoch-NNN.c4j}) in a directory on any Hadoop file system, in the layout of {@code TrainingCheckpoints}.
 */
final class HadoopCheckpoints implements TrainingListener {
    /**
     * The key of the Spark settings in the description of every checkpoint written here (and of no other model file):
     * how {@code --resume} knows a file of a checkpoint directory.
     */
    static final String SPARK_KEY = "spark";
    private final SparkSession spark;
    private final String checkpointDir;
    private final Preprocessing preprocessing;
    private final int localSteps;
    private final int partitions;
    private final org.convnet4j.run.TrainingSettings settings;

    /** {@code settings}: the run's, saved in every checkpoint so that {@code --resume} can start from one; or null. */
    HadoopCheckpoints(SparkSession spark, String checkpointDir, Preprocessing preprocessing, int localSteps,
                      int partitions, org.convnet4j.run.TrainingSettings settings) {
        this.settings = settings;
        this.spark = spark;
        this.checkpointDir = checkpointDir;
        this.preprocessing = preprocessing;
        this.localSteps = localSteps;
        this.partitions = partitions;
    }

    @Override
    public void onEpochEnd(TrainingContext ctx, int epoch, Map<String, Double> record) {
        Model model = ctx.model();
        String described = ModelFiles.describe(model,
                preprocessing != null ? preprocessing : ModelFiles.defaultPreprocessing(model));
        JsonObject d = Json.parseObject(settings != null ? settings.savedInto(described) : described, "description");
        JsonObject s = new JsonObject();
        s.addProperty("local_steps", localSteps);
        s.addProperty("partitions", partitions);
        d.add(SPARK_KEY, s);
        Checkpoint c = TrainingCheckpoints.capture(ctx, Json.toCompact(d));
        try {
            save(checkpointDir, epoch, c, spark.sparkContext().hadoopConfiguration(), UnaryOperator.identity());
        } catch (IOException e) {
            throw new UncheckedIOException("checkpoint to " + checkpointDir + ": " + e.getMessage(), e);
        }
    }

    /**
     * Writes {@code epoch-NNN.c4j}, then {@code last.c4j} as a copy of it, each streamed into a hidden temporary
     * beside its target and renamed over it ({@link HadoopFiles#writeAtomically(String, AtomicFiles.Writer,
     * Configuration)}): nothing is staged in the system's temporary directory, a kill at any point leaves the previous
     * {@code last.c4j} whole, and the next checkpoint removes a killed run's temporary. {@code wrap} sees each
     * file's stream (tests stop a write halfway).
     */
    static void save(String checkpointDir, int epoch, Checkpoint c, Configuration conf, UnaryOperator<OutputStream> wrap)
            throws IOException {
        String epochFile = new org.apache.hadoop.fs.Path(checkpointDir,
                String.format(Locale.ROOT, "epoch-%03d.c4j", epoch)).toString();
        HadoopFiles.writeAtomically(epochFile, out -> Checkpoint.write(wrap.apply(out), c), conf);
        String resolved = HadoopFiles.resolve(epochFile, conf);
        HadoopFiles.writeAtomically(new org.apache.hadoop.fs.Path(checkpointDir, "last.c4j").toString(), out -> {
            try (InputStream in = HadoopFiles.fileSystem(resolved, conf).open(new org.apache.hadoop.fs.Path(resolved))) {
                in.transferTo(wrap.apply(out));
            }
        }, conf);
    }
}

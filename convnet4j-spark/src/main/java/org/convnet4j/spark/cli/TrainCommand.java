package org.convnet4j.spark.cli;

import java.io.IOException;
import java.nio.file.Path;
import org.apache.spark.sql.SparkSession;
import org.convnet4j.run.internal.TrainingOptions;
import org.convnet4j.run.TrainingRun;
import org.convnet4j.run.TrainingSettings;
import org.convnet4j.spark.SparkTrainer;
import org.convnet4j.spark.HadoopFiles;
import org.convnet4j.spark.SparkTrainingRun;
import org.convnet4j.tensor.Shape;
import org.convnet4j.train.LogListener;
import org.convnet4j.train.TrainingDivergedException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code convnet4j spark train}: parses the options into {@link TrainingSettings} and a {@link SparkTrainingRun}
 * (the {@code train} command's {@link TrainingRun} with its steps on Spark), runs it and prints its summary.
 */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        resourceBundle = "org.convnet4j.spark.cli.TrainCommand",
        description = {"Synchronous data-parallel training on Spark; writes a normal model file (.c4j).",
                "The same run as 'convnet4j train' (same data specs, --limit, validation split, best/last files, "
                        + "--patience, --resume): each step every partition computes the gradient of its share of "
                        + "the global batch on pictures decoded and cached on the executors, the gradients are summed "
                        + "(treeReduce) and one optimiser step is taken. --local-steps K > 1 averages weights every K "
                        + "steps instead (less traffic)."},
        footer = {"", "Examples:",
                "  convnet4j spark train --master local[2] --data fashion-mnist --limit 500 --epochs 3 --out lenet5.c4j",
                "  convnet4j spark train --master spark://HOST:7077 --data hdfs:///pictures --input 3x64x64 \\",
                "      --model resnet18 --checkpoint-dir hdfs:///ckpt/run1 --out resnet18.c4j"})
final class TrainCommand extends SparkMain.SparkCommand {
    /** --model ... --patience, declared once for this command and 'train'; worded here by TrainCommand.properties. */
    @Mixin
    TrainingOptions options;

    @Option(names = "--partitions", defaultValue = "0", description = "data shards (default: the task slots)")
    int partitions;

    @Option(names = "--local-steps", defaultValue = "1", description = "1: synchronous; K: average weights every K steps")
    int localSteps;

    @Option(names = "--exchange", defaultValue = "tree", paramLabel = "tree|ring", description = "how the gradients are"
            + " summed: treeReduce to the driver (default) or a ring all-reduce among the tasks (barrier mode: needs a"
            + " task slot per partition)")
    String exchange;

    @Option(names = "--checkpoint-dir", paramLabel = "URI", description = "also write last.c4j and epoch-NNN.c4j there"
            + " after every epoch (any Hadoop path)")
    String checkpointDir;

    @Option(names = "--resume", paramLabel = "FILE|URI", description = "continue a run from its --out, .last or"
            + " --checkpoint-dir file (options not given come from the file; from a --checkpoint-dir file the run keeps"
            + " checkpointing in that folder unless --checkpoint-dir is given)")
    String resume;

    @Option(names = {"-o", "--out"}, paramLabel = "FILE", description = "model file (default model.c4j); FILE.last.c4j"
            + " beside it after every epoch",
            converter = ModelFile.class)
    Path out;

    @Option(names = "--overwrite", description = "replace an existing --out")
    boolean overwrite;

    @Option(names = "--plots", paramLabel = "DIR", description = "write the training curves to"
            + " DIR/training-curves.png (redrawn after every epoch, as train --plots)")
    Path plots;

    @Option(names = "--fail-fast", description = "fail on the first picture that cannot be decoded (default: leave it"
            + " out and count it in the summary)")
    boolean failFast;

    @Option(names = "--json", description = "print the result as one JSON object instead of the epoch lines")
    boolean json;

    @Option(names = "--no-progress", description = "no progress line on stderr")
    boolean noProgress;

    private SparkTrainingRun prepared;

    @Override
    void check() throws IOException {
        Io.checkPartitions(partitions);
        if (out != null && out.toString().matches("[A-Za-z][A-Za-z0-9+.-]+:/.*")) { // a URI, // collapsed by Path
            throw new IllegalArgumentException("--out " + out.toString().replaceFirst(":/+", "://") + ": spark train"
                    + " writes its model file on the driver's machine, give a local path (--checkpoint-dir takes a"
                    + " hdfs:// or s3a:// folder)");
        }
        SparkTrainingRun.Resumable resumed = null;
        if (resume != null) {
            try {
                resumed = SparkTrainingRun.Resumable.read(resume, HadoopFiles.forChecks(spark.hadoopConf()));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--resume " + e.getMessage(), e);
            }
            if (resumed.savedSettings().isEmpty() && (options.model() == null || options.data() == null)) {
                throw new IllegalArgumentException(resume + " holds no run settings, so --model and --data must be"
                        + " given to resume it");
            }
        }
        TrainingSettings settings;
        try {
            settings = options(resumed == null ? TrainingSettings.builder() : resumed.settings()).build();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--" + e.getMessage(), e);
        }
        prepared = new SparkTrainingRun(settings).partitions(partitions).localSteps(localSteps)
                .exchange(SparkTrainer.Exchange.parse(exchange)).checkpointDir(checkpointDir).failFast(failFast)
                .plots(plots);
        if (resumed != null) {
            prepared.resume(resumed);
        } else if (!overwrite) {
            prepared.requireNewOutput();
        }
        // listed (not decoded) before Spark starts: a missing folder or an empty class fails at once; a file system
        // that does not answer, within seconds (the folder keeps the configuration it is listed with for the job)
        String data = prepared.settings().data();
        if (data != null && data.contains("://")) {
            HadoopFiles.exists(data, HadoopFiles.forChecks(spark.hadoopConf()));
        }
        prepared.listData(spark.hadoopConf());
    }

    @Override
    int run(SparkSession spark) throws Exception {
        // pictures beside the class folders have no class: left out, and said so as train says it
        prepared.outsideClassFolders().ifPresent((json ? System.err : System.out)::println);
        if (!json) {
            prepared.addListener(new LogListener(System.out));
        }
        if (!noProgress) {
            prepared.addListener(new ProgressLine());
        }
        SparkTrainingRun.Result r;
        try {
            r = prepared.run(spark, json ? m -> { } : System.out::println);
        } catch (TrainingDivergedException e) {
            throw new IllegalArgumentException(prepared.divergenceMessage(e), e);
        }
        if (r.curvesFailure() != null) { // as train --plots: the model is saved, the failure is the one line
            throw new IOException("training curves: " + r.curvesFailure().getMessage() + "; the training went on"
                    + (java.nio.file.Files.exists(r.run().out()) ? " and saved " + r.run().out() : ""), r.curvesFailure());
        }
        System.out.println(json ? r.toJson() : r.summary());
        return 0;
    }

    /** The options given on the command line over {@code b} (the resumed run's settings, or the defaults). */
    private TrainingSettings.Builder options(TrainingSettings.Builder b) {
        TrainingSettings.Overrides given = options.overrides(Shape::parsePicture);
        given.out = out;
        return b.override(given);
    }

    /** --out: a name ending in '/' means a folder, refused as the local train does (AtomicFiles.outputFile). */
    static final class ModelFile implements picocli.CommandLine.ITypeConverter<Path> {
        @Override
        public Path convert(String value) {
            try {
                return org.convnet4j.util.AtomicFiles.outputFile(value, "model.c4j");
            } catch (IllegalArgumentException e) {
                throw new picocli.CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }
}

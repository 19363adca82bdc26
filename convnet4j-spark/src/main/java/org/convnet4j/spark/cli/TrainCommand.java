package org.convnet4j.spark.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.apache.spark.sql.SparkSession;
import org.convnet4j.data.Dataset;
import org.convnet4j.data.Datasets;
import org.convnet4j.data.FashionMnist;
import org.convnet4j.data.ImageFolderDataset;
import org.convnet4j.model.ModelFiles;
import org.convnet4j.model.Preprocessing;
import org.convnet4j.nn.Model;
import org.convnet4j.spark.SparkTrainer;
import org.convnet4j.tensor.Shape;
import org.convnet4j.train.History;
import org.convnet4j.train.TrainConfig;
import org.convnet4j.train.Trainer;
import org.convnet4j.train.optim.Adam;
import org.convnet4j.train.optim.Optimizer;
import org.convnet4j.train.optim.Sgd;
import org.convnet4j.zoo.ModelZoo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "train", mixinStandardHelpOptions = true,
        description = {"Synchronous data-parallel training on Spark; writes a normal model file (.c4j).",
                "Each step every partition computes the gradient of its share of the global batch, the gradients are"
                        + " summed (treeReduce) and one optimiser step is taken: the same run as 'train' with the same"
                        + " batch. --local-steps K > 1 averages weights every K steps instead (less traffic)."},
        footer = {"", "Example:",
                "  convnet4j spark train --master local[2] --data fashion-mnist --epochs 3 --out lenet5.c4j \\",
                "      --checkpoint-dir file:///tmp/ckpt"})
final class TrainCommand extends SparkMain.SparkCommand {
    @Option(names = "--model", defaultValue = "lenet5", description = "a zoo model (default ${DEFAULT-VALUE})")
    String modelName;

    @Option(names = "--data", defaultValue = "fashion-mnist", paramLabel = "fashion-mnist|DIR",
            description = "Fashion-MNIST or a folder with one sub-folder of pictures per class")
    String data;

    @Option(names = "--epochs", defaultValue = "10")
    int epochs;

    @Option(names = "--batch", defaultValue = "64", description = "the global batch (split over the partitions)")
    int batch;

    @Option(names = "--optimizer", defaultValue = "adam", description = "adam or sgd")
    String optimizer;

    @Option(names = "--lr", description = "learning rate (default: adam 0.001, sgd 0.1)")
    Double lr;

    @Option(names = "--momentum", defaultValue = "0")
    double momentum;

    @Option(names = "--seed", defaultValue = "42")
    long seed;

    @Option(names = "--val-split", defaultValue = "0.1")
    double valSplit;

    @Option(names = "--limit", defaultValue = "0", description = "use the first N training pictures")
    int limit;

    @Option(names = "--input", paramLabel = "CxHxW", description = "input shape for a picture folder (default: the model's)")
    String input;

    @Option(names = "--partitions", defaultValue = "0", description = "data shards (default: the task slots)")
    int partitions;

    @Option(names = "--local-steps", defaultValue = "1", description = "1: synchronous; K: average weights every K steps")
    int localSteps;

    @Option(names = "--checkpoint-dir", paramLabel = "URI", description = "last.c4j and epoch-NNN.c4j after every epoch")
    String checkpointDir;

    @Option(names = "--resume", paramLabel = "URI", description = "continue from a checkpoint")
    String resume;

    @Option(names = "--out", defaultValue = "model.c4j")
    Path out;

    @Option(names = "--overwrite")
    boolean overwrite;

    @Override
    void check() throws IOException {
        Io.checkPartitions(partitions);
        if (Files.exists(out) && !overwrite) {
            throw new IOException(out + ": already exists (add --overwrite to replace it)");
        }
        if (!ModelZoo.contains(modelName)) {
            throw new IllegalArgumentException("--model " + modelName + ": not a zoo model (" + ModelZoo.names() + ")");
        }
    }

    @Override
    int run(SparkSession spark) throws Exception {
        boolean fashion = data.equalsIgnoreCase("fashion-mnist");
        Shape shape = input != null ? Shape.of(java.util.Arrays.stream(input.split("x")).mapToInt(Integer::parseInt).toArray())
                : fashion ? Shape.of(1, 28, 28) : ModelZoo.defaultInput(modelName);
        Preprocessing p = Preprocessing.forInput(shape);
        Dataset all = fashion ? FashionMnist.train() : folder(data, p);
        if (limit > 0) {
            all = Datasets.subset(all, Math.min(limit, all.size()));
        }
        Datasets.Split split = valSplit > 0 ? Datasets.split(all, valSplit, seed) : null;
        Dataset train = split == null ? all : split.train();
        Dataset val = split == null ? null : split.validation();
        Model model = ModelZoo.build(modelName, shape, all.numClasses());
        model.initialize(seed);
        model.setClassNames(all.classNames());
        Optimizer opt = switch (optimizer.toLowerCase(Locale.ROOT)) {
            case "adam" -> new Adam(model, lr == null ? 1e-3 : lr);
            case "sgd" -> new Sgd(model, lr == null ? 0.1 : lr).momentum(momentum);
            default -> throw new IllegalArgumentException("--optimizer " + optimizer + ": adam or sgd");
        };
        TrainConfig cfg = TrainConfig.builder(opt).epochs(epochs).batchSize(batch).seed(seed).build();
        SparkTrainer trainer = new SparkTrainer(spark, cfg).localSteps(localSteps).preprocessing(p)
                .checkpointDir(checkpointDir).log(System.out::println);
        if (partitions > 0) {
            trainer.partitions(partitions);
        }
        History h = resume != null ? trainer.resume(resume, model, train, val) : trainer.fit(model, train, val);
        ModelFiles.save(model, out, p);
        String test = "";
        if (fashion) {
            test = String.format(Locale.ROOT, ", test accuracy %.4f", Trainer.evaluate(model, FashionMnist.test(), 256).accuracy());
        }
        System.out.println(String.format(Locale.ROOT, "trained %d epochs on %d pictures (%d partitions, %s)%s; wrote %s",
                h.size(), train.size(), partitions > 0 ? partitions : spark.sparkContext().defaultParallelism(),
                localSteps == 1 ? "synchronous" : "averaging every " + localSteps + " steps", test, out));
        return 0;
    }

    private static Dataset folder(String dir, Preprocessing p) throws IOException {
        Path d = Path.of(dir);
        if (!Files.isDirectory(d)) {
            throw new IOException("--data " + dir + ": no such directory (give fashion-mnist or a folder of class folders)");
        }
        return ImageFolderDataset.builder(d).channels(p.channels()).transform(p.transform()).build();
    }
}

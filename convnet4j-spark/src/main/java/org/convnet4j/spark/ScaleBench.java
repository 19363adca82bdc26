package org.convnet4j.spark;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.convnet4j.data.Datasets;
import org.convnet4j.data.FashionMnist;
import org.convnet4j.image.Images;
import org.convnet4j.model.ImageClassifier;
import org.convnet4j.nn.Model;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.train.TrainConfig;
import org.convnet4j.train.Trainer;
import org.convnet4j.train.optim.Adam;
import org.convnet4j.zoo.ModelZoo;

/**
 * The measurements of docs/SCALE.md, one JVM per master setting (Spark allows one context per JVM):
 * <pre>
 *   ScaleBench predict MODEL.c4j PICTURE_DIR local[1]|local[2]|inprocess [files]
 *   ScaleBench train local[2]|inprocess STEPS
 *   ScaleBench bytes
 *   ScaleBench list PICTURE_DIR
 * </pre>
 * Prints one line of numbers. Timings are medians of repeated runs after a warm-up run.
 */
public final class ScaleBench {
    private ScaleBench() {
    }

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "predict" -> predict(args[1], args[2], args[3], args.length > 4 && args[4].equals("files"));
            case "train" -> train(args[1], Integer.parseInt(args[2]), args.length > 3
                    ? SparkTrainer.Exchange.valueOf(args[3].toUpperCase(Locale.ROOT)) : SparkTrainer.Exchange.TREE);
            case "bytes" -> bytes();
            case "list" -> list(args[1]);
            default -> throw new IllegalArgumentException(args[0]);
        }
    }

    /**
     * {@code asCommands} (argument {@code files}): the pictures read as the spark commands read them
     * ({@link PictureFiles}: names listed on the driver, hash-partitioned, content read in the tasks); otherwise
     * Spark's binaryFile source, then a repartition (the file bytes shuffled), as the commands read them until
     * 2026-12-06.
     */
    private static void predict(String model, String dir, String master, boolean asCommands) throws Exception {
        List<Path> files;
        try (Stream<Path> s = Files.walk(Path.of(dir))) {
            files = s.filter(p -> p.toString().endsWith(".png")).sorted().toList();
        }
        List<Double> rates = new ArrayList<>();
        if (master.equals("inprocess")) {
            ImageClassifier c = ImageClassifier.load(Path.of(model));
            for (int rep = 0; rep < 4; rep++) {
                long t = System.nanoTime();
                for (int i = 0; i < files.size(); i += 32) {
                    List<Tensor> batch = new ArrayList<>();
                    for (Path f : files.subList(i, Math.min(i + 32, files.size()))) {
                        batch.add(Images.read(f));
                    }
                    c.predictAll(batch, 1);
                }
                rates.add(files.size() / ((System.nanoTime() - t) / 1e9));
            }
        } else {
            SparkSession spark = SparkSession.builder().master(master).appName("scale-bench")
                    .config("spark.ui.enabled", "false").getOrCreate();
            spark.sparkContext().setLogLevel("ERROR");
            ConvNetClassifierModel stage = ConvNetClassifierModel.fromFile(spark, model);
            int slots = spark.sparkContext().defaultParallelism();
            for (int rep = 0; rep < 4; rep++) {
                long t = System.nanoTime();
                Dataset<Row> pics = asCommands ? PictureFiles.read(spark, dir, slots * 2)
                        : spark.read().format("binaryFile").option("recursiveFileLookup", "true").load(dir)
                        .repartition(slots * 2);
                long n = stage.transform(pics).select("prediction").collectAsList().size();
                rates.add(n / ((System.nanoTime() - t) / 1e9));
            }
            spark.stop();
        }
        rates.remove(0); // warm-up
        System.out.printf(Locale.ROOT, "predict %s%s: %d pictures, median %.0f pictures/s (runs %s), peak heap %d MB%n",
                master, asCommands ? " (PictureFiles)" : "", files.size(), median(rates),
                rates.stream().map(r -> String.format(Locale.ROOT, "%.0f", r)).toList(), peakHeapMb());
    }

    private static void train(String master, int steps, SparkTrainer.Exchange exchange) throws Exception {
        var data = Datasets.subset(FashionMnist.train(), steps * 64);
        Model m = ModelZoo.build("lenet5", Shape.of(1, 28, 28), 10);
        m.initialize(1);
        TrainConfig cfg = TrainConfig.builder(new Adam(m, 1e-3)).epochs(2).batchSize(64).seed(1).build();
        long t = System.nanoTime();
        double seconds;
        if (master.equals("inprocess")) {
            var h = Trainer.fit(m, data, null, cfg);
            seconds = h.last().get("seconds");
        } else {
            SparkSession spark = SparkSession.builder().master(master).appName("scale-bench")
                    .config("spark.ui.enabled", "false").getOrCreate();
            spark.sparkContext().setLogLevel("ERROR");
            SparkTrainer trainer = new SparkTrainer(spark, cfg).partitions(2).exchange(exchange);
            long up;
            try (DriverTraffic traffic = new DriverTraffic(spark.sparkContext())) {
                var h = trainer.fit(m, data, null);
                seconds = h.last().get("seconds");
                up = traffic.resultBytes();
            }
            System.out.printf(Locale.ROOT, "bytes per exchange (tree: per partition to the driver; ring: busiest link):"
                    + " %d%n", trainer.bytesPerExchange());
            System.out.printf(Locale.ROOT, "driver traffic over %d steps: task results up %d bytes (%.0f per step,"
                    + " Spark's resultSize), broadcasts made %d bytes (%.0f per step)%n", 2 * steps, up,
                    up / (2.0 * steps), trainer.broadcastBytes(), trainer.broadcastBytes() / (2.0 * steps));
            spark.stop();
        }
        System.out.printf(Locale.ROOT, "train %s (%s): LeNet-5, global batch 64, epoch 2 (after warm-up): %.1f ms per"
                + " step, total %.1f s, peak heap %d MB%n", master, exchange, seconds * 1000 / steps, (System.nanoTime() - t) / 1e9,
                peakHeapMb());
    }

    /**
     * The driver's listing of a folder of class folders, as {@code spark train} lists it ({@link PictureFolder}) and
     * as the other spark commands do ({@link PictureFiles}), on Hadoop's local file system: the median of 5 after a
     * warm-up. Run under {@code strace -f -e trace=execve -c} it also counts the processes the listing starts.
     */
    private static void list(String dir) throws Exception {
        org.apache.hadoop.conf.Configuration conf = new org.apache.hadoop.conf.Configuration();
        org.convnet4j.model.Preprocessing prep = org.convnet4j.model.Preprocessing.forInput(Shape.of(1, 28, 28));
        List<Double> train = new ArrayList<>();
        List<Double> files = new ArrayList<>();
        int n = 0;
        for (int rep = 0; rep < 6; rep++) {
            long t = System.nanoTime();
            n = PictureFolder.list(dir, prep, conf).size();
            train.add((System.nanoTime() - t) / 1e6);
            t = System.nanoTime();
            PictureFiles.list(dir, conf);
            files.add((System.nanoTime() - t) / 1e6);
        }
        train.remove(0); // warm-up
        files.remove(0);
        System.out.printf(Locale.ROOT, "list %d pictures: PictureFolder (spark train) median %.1f ms (runs %s),"
                + " PictureFiles (predict, featurize, transfer) median %.1f ms (runs %s)%n", n, median(train),
                rounded(train), median(files), rounded(files));
    }

    private static List<String> rounded(List<Double> v) {
        return v.stream().map(x -> String.format(Locale.ROOT, "%.1f", x)).toList();
    }

    private static void bytes() {
        for (String name : List.of("lenet5", "resnet50")) {
            Model m = ModelZoo.build(name, ModelZoo.defaultInput(name), name.equals("lenet5") ? 10 : 1000);
            long trainable = m.learnableParameters().values().stream().mapToLong(p -> p.value().size()).sum();
            long all = m.stateDict().values().stream().mapToLong(Tensor::size).sum();
            System.out.printf(Locale.ROOT, "%s: %d trainable values, %d values in the state (with buffers);"
                    + " per step each partition sends %d bytes up (float32 gradients + buffers) and receives %d bytes"
                    + " (the weights)%n", name, trainable, all, 4 * all, 4 * all);
        }
    }

    private static double median(List<Double> v) {
        List<Double> s = new ArrayList<>(v);
        s.sort(null);
        return s.size() % 2 == 1 ? s.get(s.size() / 2) : (s.get(s.size() / 2 - 1) + s.get(s.size() / 2)) / 2;
    }

    private static long peakHeapMb() {
        long peak = 0;
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            if (p.getType() == MemoryType.HEAP && p.getPeakUsage() != null) {
                peak += p.getPeakUsage().getUsed();
            }
        }
        return peak >> 20;
    }
}

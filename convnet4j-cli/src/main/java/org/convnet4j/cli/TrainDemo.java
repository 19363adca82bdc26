package org.convnet4j.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.convnet4j.dataspec.DataSpec;
import org.convnet4j.data.Dataset;
import org.convnet4j.model.Classifications;
import org.convnet4j.model.ImageClassifier;
import org.convnet4j.model.LearnedPictures;
import org.convnet4j.model.ModelFiles;
import org.convnet4j.model.SavedModel;
import org.convnet4j.nn.Sequential;
import org.convnet4j.tensor.Tensor;
import picocli.CommandLine;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The main demo: trains LeNet-5 on Fashion-MNIST with the train command, evaluates it with the evaluate command,
 * then shows what the network learned (first-layer kernels, feature maps of a test picture) as PNG files.
 * Shared by {@code demo} and {@code demo train} as a picocli mixin.
 */
final class TrainDemo {
    static final int DEFAULT_EPOCHS = 3;
    static final int DEFAULT_LIMIT = 6000;

    @Option(names = "--epochs", paramLabel = "N", defaultValue = "" + DEFAULT_EPOCHS)
    int epochs;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "" + DEFAULT_LIMIT)
    int limit;

    @Option(names = "--test-limit", paramLabel = "N")
    Integer testLimit;

    @Mixin
    SeedOption seed;

    @Option(names = {"-o", "--out-dir"}, paramLabel = "DIR", defaultValue = "out")
    Path outDir;

    @Mixin
    ProgressOption noProgress;

    int run(PrintWriter out, PrintWriter err) throws Exception {
        Files.createDirectories(outDir); // a file there: "OUT: exists and is not a directory" (FileProblems)
        Path modelFile = outDir.resolve("lenet5.c4j");
        out.printf(Locale.ROOT, "LeNet-5 (ReLU, max pooling; 61,706 weights) learns Fashion-MNIST: %d epoch(s) on %d "
                + "training pictures, Adam, batch 64.%n%n", epochs, limit * 10);

        out.println("1. Training  (convnet4j train)");
        List<String> trainArgs = new ArrayList<>(List.of("--model", "lenet5", "--data", DataSpec.FASHION_MNIST,
                "--epochs", Integer.toString(epochs), "--limit", Integer.toString(limit),
                "--seed", Long.toString(seed.value),
                "--out", modelFile.toString(), "--plots", outDir.toString()));
        if (noProgress.given) {
            trainArgs.add("--no-progress");
        }
        TrainCommand train = sub(new TrainCommand(), out, err, trainArgs);
        train.call();

        out.println();
        out.println("2. Testing on pictures it never saw  (convnet4j evaluate)");
        List<String> evalArgs = new ArrayList<>(List.of("--model", modelFile.toString(), "--data",
                DataSpec.FASHION_MNIST, "--plots", outDir.toString()));
        if (testLimit != null) {
            evalArgs.addAll(List.of("--limit", testLimit.toString()));
        }
        EvaluateCommand evaluate = sub(new EvaluateCommand(), out, err, evalArgs);
        evaluate.call();

        out.println();
        out.println("3. What it learned  (pictures in " + outDir + ")");
        SavedModel saved = ModelFiles.read(modelFile);
        showWhatItLearned(out, saved, DataSpec.of(DataSpec.FASHION_MNIST).test(saved.preprocessing(), 42).test());
        out.println();
        out.printf(Locale.ROOT, "Test accuracy %.4f after %d epoch(s) (chance: 0.10). Open the PNG files in %s.%n",
                evaluate.metrics.accuracy(), train.result.history().size(), outDir.toAbsolutePath().normalize());
        return 0;
    }

    private void showWhatItLearned(PrintWriter out, SavedModel saved, Dataset test) throws IOException {
        Tensor picture = test.sample(0); // [1, 28, 28], prepared as the model takes it
        String caption = "test picture #0, class " + test.classNames().get(test.label(0));
        for (LearnedPictures.Picture p : LearnedPictures.write((Sequential) saved.model(), picture, caption, outDir)) {
            out.printf("   %-24s %s%n", p.file().getFileName(), p.description());
        }
        ImageClassifier classifier = new ImageClassifier(saved.model(), saved.preprocessing());
        Classifications top = classifier.classifyPrepared(picture.reshape(picture.shape().prepend(1)), 1).get(0);
        out.println("   prediction for test picture #0: " + top.describe(3));
        out.printf("   %-24s %s%n", "training-curves.png", "loss and accuracy per epoch");
        out.printf("   %-24s %s%n", "confusion-matrix.png", "which classes it confuses with which");
    }

    /** A command parsed with its own picocli instance, printing where the demo prints. */
    private static <T> T sub(T command, PrintWriter out, PrintWriter err, List<String> args) {
        CommandLine cl = new CommandLine(command).setOut(out).setErr(err);
        cl.parseArgs(args.toArray(new String[0]));
        return command;
    }
}

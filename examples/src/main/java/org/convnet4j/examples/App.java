package org.convnet4j.examples;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.imageio.ImageIO;
import org.convnet4j.data.ArrayDataset;
import org.convnet4j.data.Dataset;
import org.convnet4j.io.weights.ModelLoader;
import org.convnet4j.model.Classifications;
import org.convnet4j.model.ImageClassifier;
import org.convnet4j.model.ModelFiles;
import org.convnet4j.model.SavedModel;
import org.convnet4j.run.TrainingRun;
import org.convnet4j.run.TrainingSettings;
import org.convnet4j.nn.Sequential;
import org.convnet4j.tensor.Shape;
import org.convnet4j.transfer.FineTuneSettings;
import org.convnet4j.transfer.FineTuning;
import org.convnet4j.transfer.Transfer;
import org.convnet4j.transfer.TransferCase;
import org.convnet4j.transfer.TransferOptions;
import org.convnet4j.transfer.TransferPlan;

/**
 * What an application does with convnet4j, using only the BOM, convnet4j-core and convnet4j-io: train with
 * checkpoints and resume, fine-tune the trained network for a new task (transfer learning), save, and classify
 * encoded pictures (bytes) on several threads at once. The pictures are made up (stripes of three orientations),
 * so the example needs no data set. Exit code 0 when every step did what it should.
 */
public final class App {
    private static final List<String> CLASSES = List.of("horizontal", "vertical", "diagonal");
    /** The new task of the fine-tuning: horizontal and vertical stripes are "straight". */
    private static final List<String> NEW_TASK = List.of("straight", "diagonal");
    private static final int SIZE = 28;

    private App() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Files.createDirectories(Path.of(args.length > 0 ? args[0] : "run"));

        // 1. train for 2 epochs with best/last checkpoints, then resume the same run up to 3 epochs
        Dataset pictures = stripes(600, 1, 1f / 255, CLASSES, 0, 1, 2);
        TrainingSettings settings = TrainingSettings.builder().model("lenet5").data("stripes").epochs(2).batch(32)
                .valSplit(0.2).seed(7).out(dir.resolve("stripes.c4j")).build();
        new TrainingRun(settings, pictures).run();
        TrainingRun.Result trained = TrainingRun.resume(settings.lastFile(), pictures, b -> b.epochs(3)).run();
        System.out.printf("trained %d epochs, best validation accuracy %.3f%n", trained.history().size(),
                trained.bestValidationAccuracy());

        // 2. fine-tune it for a new task (transfer learning, case 2): a new head for straight vs diagonal stripes on
        //    the trained network's features, then its last layers tuned with the head; saved (convnet4j-io reads it)
        SavedModel saved = ModelLoader.load(trained.out());
        Dataset target = stripes(300, 2, 1f / 255, NEW_TASK, 0, 0, 1);
        TransferPlan plan = Transfer.plan(TransferCase.FINE_TUNE_LAST, (Sequential) saved.model(),
                TransferOptions.forClasses(target.classNames()));
        FineTuning.Result fineTuned = FineTuning.fit(plan, target,
                FineTuneSettings.defaults().withMaxHeadEpochs(20).withMaxTuneEpochs(3), line -> { });
        Path tuned = dir.resolve("stripes-tuned.c4j");
        ModelFiles.save(fineTuned.model(), tuned, saved.preprocessing());
        System.out.printf("fine-tuned for %s: validation accuracy %.3f%n", NEW_TASK,
                fineTuned.validationAccuracy());

        // 3. classify PNG bytes (as an upload would arrive) on 4 threads sharing one classifier
        ImageClassifier classifier = ModelLoader.classifier(tuned);
        Dataset test = stripes(60, 3, 1f, NEW_TASK, 0, 0, 1);
        List<byte[]> uploads = new ArrayList<>();
        for (int i = 0; i < test.size(); i++) {
            uploads.add(png(test, i));
        }
        List<Classifications> sequential = new ArrayList<>();
        for (byte[] b : uploads) {
            sequential.add(classifier.classify(b));
        }
        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<Future<Classifications>> parallel = new ArrayList<>();
        for (byte[] b : uploads) {
            parallel.add(pool.submit(() -> classifier.classify(b)));
        }
        int correct = 0;
        for (int i = 0; i < uploads.size(); i++) {
            Classifications c = parallel.get(i).get();
            if (!java.util.Arrays.equals(c.probabilities(), sequential.get(i).probabilities())) {
                throw new IllegalStateException("picture " + i + ": threads and sequential answers differ");
            }
            correct += c.best().label() == test.label(i) ? 1 : 0;
        }
        pool.shutdown();
        double accuracy = correct / (double) uploads.size();
        System.out.printf("classified %d uploaded pictures on 4 threads: accuracy %.3f, first: %s%n", uploads.size(),
                accuracy, sequential.get(0).topK(2));
        if (accuracy < 0.8) {
            throw new IllegalStateException("accuracy " + accuracy + " on stripes: training did not work");
        }
    }

    /**
     * n pictures [1, 28, 28] of stripes with a random phase and noise, times scale; orientation o (horizontal,
     * vertical, diagonal) is class {@code classOf[o]} of {@code classes}.
     */
    static ArrayDataset stripes(int n, long seed, float scale, List<String> classes, int... classOf) {
        Random r = new Random(seed);
        float[] data = new float[n * SIZE * SIZE];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            int label = i % 3;
            labels[i] = classOf[label];
            int period = 4 + r.nextInt(4);
            int phase = r.nextInt(period);
            for (int y = 0; y < SIZE; y++) {
                for (int x = 0; x < SIZE; x++) {
                    int t = switch (label) {
                        case 0 -> y;
                        case 1 -> x;
                        default -> x + y;
                    };
                    float v = ((t + phase) % period) < period / 2 ? 220 : 30;
                    v += (float) (r.nextGaussian() * 20);
                    data[i * SIZE * SIZE + y * SIZE + x] = Math.max(0, Math.min(255, v)) * scale;
                }
            }
        }
        return ArrayDataset.ofFloats(data, Shape.of(1, SIZE, SIZE), labels, classes);
    }

    /** Sample i (values 0..255) encoded as a grey PNG. */
    static byte[] png(Dataset d, int i) throws IOException {
        float[] v = new float[SIZE * SIZE];
        d.copySample(i, v, 0);
        BufferedImage image = new BufferedImage(SIZE, SIZE, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < SIZE; y++) {
            for (int x = 0; x < SIZE; x++) {
                image.getRaster().setSample(x, y, 0, Math.round(v[y * SIZE + x]));
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(image, "png", out);
        return out.toByteArray();
    }
}

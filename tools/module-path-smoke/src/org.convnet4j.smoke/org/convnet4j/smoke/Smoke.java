package org.convnet4j.smoke;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import org.convnet4j.data.ArrayDataset;
import org.convnet4j.model.Classifications;
import org.convnet4j.model.ImageClassifier;
import org.convnet4j.nn.LayerFactory;
import org.convnet4j.run.TrainingRun;
import org.convnet4j.run.TrainingSettings;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.kernels.KernelProvider;

/**
 * convnet4j-core used from the module path: what its module-info.java must make work. Trains LeNet-5 for one
 * epoch through TrainingRun (checkpoints: Gson), classifies a BufferedImage and JPEG bytes (ImageIO with
 * TwelveMonkeys' reader), finds the layer types registered as services, and runs the Vector API kernels without
 * any --add-modules option. Exit code 0 when every check holds.
 */
public final class Smoke {
    public static void main(String[] args) throws Exception {
        check(Smoke.class.getModule().isNamed() && LayerFactory.class.getModule().getName().equals("org.convnet4j.core"),
                "convnet4j-core is the named module org.convnet4j.core, got " + LayerFactory.class.getModule());
        String kernels = KernelProvider.get().name();
        check(kernels.startsWith("vector"), "the Vector API kernels run without --add-modules, got " + kernels);
        check(LayerFactory.types().contains("ShallowClassifier"), "the layer type provided as a service (transfer's"
                + " ShallowClassifier) is known: " + LayerFactory.types());
        List<String> jpegReaders = new ArrayList<>();
        ImageIO.getImageReadersByFormatName("jpeg").forEachRemaining((ImageReader r) -> jpegReaders.add(r.getClass().getName()));
        check(jpegReaders.stream().anyMatch(n -> n.startsWith("com.twelvemonkeys.")),
                "TwelveMonkeys' JPEG reader is registered: " + jpegReaders);

        Path dir = Files.createTempDirectory("c4j-module-smoke");
        int n = 90;
        float[] data = new float[n * 28 * 28];
        int[] labels = new int[n];
        Random r = new Random(1);
        for (int i = 0; i < n; i++) {
            labels[i] = i % 2;
            for (int p = 0; p < 28 * 28; p++) {
                data[i * 784 + p] = (labels[i] == 0 ? 40 : 200) + (float) r.nextGaussian() * 10;
            }
        }
        ArrayDataset pictures = ArrayDataset.ofFloats(data, Shape.of(1, 28, 28), labels, List.of("dark", "bright"));
        TrainingSettings settings = TrainingSettings.builder().model("lenet5").data("made-up").epochs(2).batch(16)
                .valSplit(0.2).seed(3).out(dir.resolve("m.c4j")).build();
        TrainingRun.Result result = new TrainingRun(settings, pictures).run();
        check(Files.isRegularFile(result.out()) && Files.isRegularFile(result.last()), "both checkpoints written");

        ImageClassifier classifier = ImageClassifier.load(result.out());
        BufferedImage bright = new BufferedImage(40, 40, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < 40; y++) {
            for (int x = 0; x < 40; x++) {
                bright.getRaster().setSample(x, y, 0, 200);
            }
        }
        Classifications fromImage = classifier.classify(bright);
        ByteArrayOutputStream jpeg = new ByteArrayOutputStream();
        check(ImageIO.write(bright, "jpeg", jpeg), "a JPEG writer");
        Classifications fromBytes = classifier.classify(jpeg.toByteArray());
        check(fromImage.best().className().equals("bright") && fromBytes.best().className().equals("bright"),
                "a bright picture is 'bright': " + fromImage.topK(2) + " / " + fromBytes.topK(2));
        System.out.println("module path: " + LayerFactory.class.getModule().getName() + ", kernels " + kernels
                + ", JPEG reader " + jpegReaders.get(0) + ", trained " + result.history().size() + " epochs, "
                + fromBytes.topK(2));
    }

    private static void check(boolean ok, String what) {
        if (!ok) {
            System.err.println("module-path smoke: FAILED: " + what);
            System.exit(1);
        }
    }
}

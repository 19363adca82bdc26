package org.convnet4j.smoke;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import org.convnet4j.charts.TrainingCurves;
import org.convnet4j.data.ImageFolderDataset;
import org.convnet4j.imagenet.ImageNet;
import org.convnet4j.io.keras.KerasH5File;
import org.convnet4j.io.onnx.OnnxExporter;
import org.convnet4j.io.weights.ModelLoader;
import org.convnet4j.model.Classifications;
import org.convnet4j.model.ImageClassifier;
import org.convnet4j.model.ModelFiles;
import org.convnet4j.model.SavedModel;
import org.convnet4j.nn.LayerFactory;
import org.convnet4j.run.TrainingRun;
import org.convnet4j.run.TrainingSettings;
import org.convnet4j.serve.ModelServer;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.tensor.kernels.KernelProvider;
import org.convnet4j.transfer.ShallowClassifier;
import org.convnet4j.transfer.ShallowClassifiers;

/**
 * The convnet4j library modules used from the module path: what their module-info.java files must make work.
 * core: trains LeNet-5 for two epochs through TrainingRun on a picture folder (checkpoints: Gson), classifies a
 * BufferedImage and JPEG bytes (ImageIO with TwelveMonkeys' reader), finds the layer types registered as services,
 * runs the Vector API kernels without any --add-modules option. io: exports the model to ONNX and imports it back
 * (protobuf), reads a Keras .h5 file (jHDF and the modules it needs), reads the ImageNet class names (a resource of
 * the module). ml: found as a service, fits a logistic regression (Tribuo, liblinear). charts: draws the training
 * curves (JFreeChart). serve: answers a picture over HTTP (Javalin, Jetty). Exit code 0 when every check holds.
 * Argument: a Keras .h5 weights file.
 */
public final class Smoke {
    public static void main(String[] args) throws Exception {
        check(Smoke.class.getModule().isNamed() && LayerFactory.class.getModule().getName().equals("org.convnet4j.core"),
                "convnet4j-core is the named module org.convnet4j.core, got " + LayerFactory.class.getModule());
        for (Class<?> c : List.of(OnnxExporter.class, TrainingCurves.class, ModelServer.class)) {
            check(c.getModule().isNamed() && c.getModule().getDescriptor() != null
                    && !c.getModule().getDescriptor().isAutomatic(), c.getName() + " is in an explicit named module,"
                    + " got " + c.getModule().getDescriptor());
        }
        String kernels = KernelProvider.get().name();
        check(kernels.startsWith("vector"), "the Vector API kernels run without --add-modules, got " + kernels);
        check(LayerFactory.types().contains("ShallowClassifier"), "the layer type provided as a service (transfer's"
                + " ShallowClassifier) is known: " + LayerFactory.types());
        List<String> jpegReaders = new ArrayList<>();
        ImageIO.getImageReadersByFormatName("jpeg").forEachRemaining((ImageReader r) -> jpegReaders.add(r.getClass().getName()));
        check(jpegReaders.stream().anyMatch(n -> n.startsWith("com.twelvemonkeys.")),
                "TwelveMonkeys' JPEG reader is registered: " + jpegReaders);

        // core: a picture folder (one sub-folder per class) read and trained on
        Path dir = Files.createTempDirectory("c4j-module-smoke");
        Path pictures = dir.resolve("pictures");
        Random r = new Random(1);
        for (String name : List.of("dark", "bright")) {
            Files.createDirectories(pictures.resolve(name));
            for (int i = 0; i < 45; i++) {
                BufferedImage img = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
                for (int y = 0; y < 28; y++) {
                    for (int x = 0; x < 28; x++) {
                        int v = (name.equals("dark") ? 40 : 200) + (int) Math.round(r.nextGaussian() * 10);
                        img.getRaster().setSample(x, y, 0, Math.max(0, Math.min(255, v)));
                    }
                }
                ImageIO.write(img, "png", pictures.resolve(name).resolve(i + ".png").toFile());
            }
        }
        ImageFolderDataset folder = ImageFolderDataset.builder(pictures).channels(1).build();
        check(folder.size() == 90 && folder.numClasses() == 2, "the picture folder has 90 pictures of 2 classes: "
                + folder.size() + ", " + folder.numClasses());
        TrainingSettings settings = TrainingSettings.builder().model("lenet5").data(pictures.toString()).epochs(2)
                .batch(16).valSplit(0.2).seed(3).out(dir.resolve("m.c4j")).build();
        TrainingRun.Result result = new TrainingRun(settings, folder).run();
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

        // io: ONNX out and back in, a Keras .h5 file, a resource of the module
        Path onnx = dir.resolve("m.onnx");
        OnnxExporter.export(result.model(), onnx);
        SavedModel imported = ModelLoader.load(onnx);
        Tensor x = folder.sample(0).reshape(1, 1, 28, 28);
        float[] ours = result.model().predict(x).data();
        float[] back = imported.model().predict(x).data();
        check(ours.length == back.length, "the imported ONNX model has " + ours.length + " outputs: " + back.length);
        for (int i = 0; i < ours.length; i++) {
            check(Math.abs(ours[i] - back[i]) <= 1e-4f * Math.max(1, Math.abs(ours[i])),
                    "ONNX round trip output " + i + ": " + ours[i] + " vs " + back[i]);
        }
        int kerasValues;
        try (KerasH5File h5 = KerasH5File.open(Path.of(args[0]))) {
            KerasH5File.Layer layer = h5.weightedLayers().get(0);
            float[] w = h5.read(layer, layer.weights().get(0));
            kerasValues = w.length;
            check(w.length > 0 && Float.isFinite(w[0]), "read " + layer.name() + " of " + args[0]);
        }
        check(ImageNet.classNames().size() == 1000, "1000 ImageNet class names: " + ImageNet.classNames().size());

        // ml (a service of core's ShallowClassifierProvider): logistic regression on two separable clouds
        check(ShallowClassifiers.algorithms().contains("logreg"), "convnet4j-ml's algorithms are found: "
                + ShallowClassifiers.algorithms());
        float[][] features = new float[40][];
        int[] labels = new int[40];
        for (int i = 0; i < 40; i++) {
            labels[i] = i % 2;
            features[i] = new float[] {(labels[i] == 0 ? -2 : 2) + (float) r.nextGaussian() * 0.3f,
                (float) r.nextGaussian()};
        }
        ShallowClassifier logreg = ShallowClassifiers.create("logreg", 7);
        logreg.fit(features, labels, 2);
        double[][] p = logreg.predictProba(new float[][] {{-2, 0}, {2, 0}});
        check(p[0][0] > 0.5 && p[1][1] > 0.5, "logreg separates the clouds: " + java.util.Arrays.deepToString(p));

        // charts
        Path curves = dir.resolve("curves.png");
        TrainingCurves.write(result.history(), curves);
        BufferedImage drawn = ImageIO.read(curves.toFile());
        check(drawn != null && drawn.getWidth() > 100, "training curves drawn to " + curves);

        // serve: a picture over HTTP
        ModelServer.Options options = new ModelServer.Options();
        options.port = 0;
        String answer;
        try (ModelServer server = ModelServer.start(Map.of("m", ModelFiles.read(result.out())), options)) {
            HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create(server.url() + "/predictions/m?topk=1"))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(jpeg.toByteArray())).build(),
                    HttpResponse.BodyHandlers.ofString());
            answer = response.body();
            check(response.statusCode() == 200 && answer.contains("\"bright\""), "the server answers 'bright': "
                    + response.statusCode() + " " + answer);
        }
        System.out.println("module path: " + LayerFactory.class.getModule().getName() + ", "
                + OnnxExporter.class.getModule().getName() + ", " + TrainingCurves.class.getModule().getName() + ", "
                + ModelServer.class.getModule().getName() + ", ml " + logreg.getClass().getModule().getName()
                + "; kernels " + kernels + ", JPEG reader " + jpegReaders.get(0) + ", trained "
                + result.history().size() + " epochs on a folder of " + folder.size() + " pictures, " + fromBytes.topK(2)
                + "; ONNX round trip of " + ours.length + " outputs, Keras weight of " + kerasValues
                + " values; served " + answer);
    }

    private static void check(boolean ok, String what) {
        if (!ok) {
            System.err.println("module-path smoke: FAILED: " + what);
            System.exit(1);
        }
    }
}

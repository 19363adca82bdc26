package org.convnet4j.cli.train;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.convnet4j.data.Dataset;
import org.convnet4j.data.FashionMnist;
import org.convnet4j.data.ImageFolderDataset;
import org.convnet4j.model.Preprocessing;
import org.convnet4j.tensor.Shape;

/**
 * What {@code --data} names: {@value #FASHION_MNIST} (60000 training, 10000 test pictures, found as
 * {@link FashionMnist#locate} describes) or a folder with one sub-folder per class, whose pictures are prepared
 * with the model's {@link Preprocessing} (converted to its channels, resized to its input).
 */
public final class DataSource {
    public static final String FASHION_MNIST = "fashion-mnist";
    private static final Shape FASHION_SHAPE = Shape.of(1, 28, 28);

    private DataSource() {
    }

    public static boolean isFashionMnist(String data) {
        return FASHION_MNIST.equalsIgnoreCase(data);
    }

    /** The training pictures: Fashion-MNIST's training set, or every picture of the folder. */
    public static Dataset training(String data, Preprocessing p) throws IOException {
        if (isFashionMnist(data)) {
            requireFashionFits(p);
            return FashionMnist.train();
        }
        return folder(data, p);
    }

    /** The pictures to evaluate on: Fashion-MNIST's test set, or every picture of the folder. */
    public static Dataset test(String data, Preprocessing p) throws IOException {
        if (isFashionMnist(data)) {
            requireFashionFits(p);
            return FashionMnist.test();
        }
        return folder(data, p);
    }

    private static Dataset folder(String data, Preprocessing p) throws IOException {
        Path dir = Path.of(data);
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("--data " + data + ": " + (Files.exists(dir) ? "not a directory" : "no such directory")
                    + " (give " + FASHION_MNIST + " or a folder with one sub-folder of pictures per class)");
        }
        ImageFolderDataset ds = ImageFolderDataset.builder(dir).channels(p.channels()).transform(p.transform()).build();
        if (ds.numClasses() < 2) {
            throw new IllegalArgumentException("--data " + data + ": found " + ds.numClasses() + " class folder(s) "
                    + ds.classNames() + "; a classifier needs at least 2 (one sub-folder of pictures per class)");
        }
        return ds;
    }

    /** Fashion-MNIST is used as stored (28x28 grey, pixels / 255): the model must take exactly that. */
    private static void requireFashionFits(Preprocessing p) {
        if (!p.outputShape().equals(FASHION_SHAPE) || p.scale() != Preprocessing.UNIT_SCALE || p.mean().length > 0) {
            throw new IllegalArgumentException("the model takes " + p.outputShape() + " inputs"
                    + (p.outputShape().equals(FASHION_SHAPE) ? " with other preprocessing (" + p + ")" : "")
                    + ", but Fashion-MNIST pictures are " + FASHION_SHAPE + " scaled to 0..1");
        }
    }
}

package org.convnet4j.data;

import org.convnet4j.tensor.Shape;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Loads an MNIST-style pair of IDX files (images N x H x W unsigned bytes, labels N unsigned bytes) as an
 * {@link ArrayDataset} with samples [1, H, W] scaled to [0, 1]. The pixels stay bytes in memory.
 */
public final class Mnist {
    private Mnist() {
    }

    public static ArrayDataset load(Path imagesFile, Path labelsFile, List<String> classNames) throws IOException {
        if (classNames.isEmpty() || classNames.size() > 256) {
            throw new IllegalArgumentException("Mnist.load: need 1 to 256 class names, got " + classNames.size());
        }
        IdxReader.IdxData images = IdxReader.read(imagesFile, "image data", 3);
        if (images.rank() != 3) {
            throw new DatasetFormatException(imagesFile + ": expected images with 3 dimensions (count x height x width), found "
                    + images.rank() + " " + java.util.Arrays.toString(images.dims()));
        }
        IdxReader.IdxData labels = IdxReader.read(labelsFile, "label data", 1);
        if (labels.rank() != 1) {
            throw new DatasetFormatException(labelsFile + ": expected labels with 1 dimension (count), found "
                    + labels.rank() + " " + java.util.Arrays.toString(labels.dims()));
        }
        if (images.count() != labels.count()) {
            throw new DatasetFormatException(imagesFile + " holds " + images.count() + " images but " + labelsFile
                    + " holds " + labels.count() + " labels");
        }
        byte[] lb = labels.data();
        int[] lab = new int[lb.length];
        for (int i = 0; i < lb.length; i++) {
            lab[i] = lb[i] & 0xff;
            if (lab[i] >= classNames.size()) {
                throw new DatasetFormatException(labelsFile + ": label " + i + " is " + lab[i] + ", outside 0.."
                        + (classNames.size() - 1) + " (" + classNames.size() + " classes)");
            }
        }
        Shape sample = Shape.of(1, images.dims()[1], images.dims()[2]);
        return ArrayDataset.ofBytes(images.data(), 1f / 255f, sample, lab, classNames);
    }
}

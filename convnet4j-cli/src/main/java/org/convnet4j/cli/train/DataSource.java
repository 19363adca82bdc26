package org.convnet4j.cli.train;

import java.io.IOException;
import java.util.function.Consumer;
import org.convnet4j.data.Dataset;
import org.convnet4j.data.OnBadFile;
import org.convnet4j.dataspec.DataSpec;
import org.convnet4j.model.Preprocessing;

/**
 * What {@code --data} names, in the one data language of every command ({@link DataSpec}): fashion-mnist,
 * fashion-mnist:CLASSES, opencv-digits[:CLASSES] or a folder with one sub-folder per class, prepared with the
 * model's {@link Preprocessing} (converted to its channels, resized to its input).
 */
public final class DataSource {
    public static final String FASHION_MNIST = DataSpec.FASHION_MNIST;

    private DataSource() {
    }

    /** The training pictures: Fashion-MNIST's training set, the digits' training part, or every picture of the folder. */
    public static Dataset training(String data, Preprocessing p) throws IOException {
        return training(data, p, s -> { });
    }

    /** As {@link #training(String, Preprocessing)}; {@code notes} hears what was converted. */
    public static Dataset training(String data, Preprocessing p, Consumer<String> notes) throws IOException {
        return training(data, p, notes, OnBadFile.FAIL);
    }

    /** As {@link #training(String, Preprocessing, Consumer)}; a folder's undecodable pictures fail or are skipped. */
    public static Dataset training(String data, Preprocessing p, Consumer<String> notes, OnBadFile onBadFile)
            throws IOException {
        DataSpec.Loaded l = DataSpec.of(data).onBadFile(onBadFile).training(p, 42);
        l.conversions().forEach(notes);
        return l.train();
    }

    /** The pictures to evaluate on: Fashion-MNIST's test set, the digits' test part, or every picture of the folder. */
    public static Dataset test(String data, Preprocessing p) throws IOException {
        return test(data, p, s -> { });
    }

    public static Dataset test(String data, Preprocessing p, Consumer<String> notes) throws IOException {
        DataSpec.Loaded l = DataSpec.of(data).test(p, 42);
        l.conversions().forEach(notes);
        return l.test();
    }
}

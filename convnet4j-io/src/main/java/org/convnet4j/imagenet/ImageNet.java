package org.convnet4j.imagenet;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.convnet4j.model.Preprocessing;

/**
 * ImageNet-1k for pretrained models: the 1000 class names and the three ways the published weights expect
 * pictures to be prepared.
 *
 * <p>Class names are in class-index order, the order torchvision and Keras share (WordNet ids sorted), with
 * torchvision's readable names ({@code imagenet_classes.txt}, written by {@code tools/imagenet_classes.py}).
 */
public final class ImageNet {
    public static final int CLASSES = 1000;
    private static final String RESOURCE = "imagenet_classes.txt";
    private static volatile List<String> names;

    private ImageNet() {
    }

    /**
     * How a family of published weights wants its input:
     * <ul>
     *   <li>{@link #CAFFE} (Keras VGG16/19, ResNet50): RGB to BGR, subtract the per-channel mean
     *       [103.939, 116.779, 123.68] (BGR), no scaling; pictures resized to the input size.</li>
     *   <li>{@link #TF} (Keras InceptionV3, Xception, MobileNet): x / 127.5 - 1, resized to the input size.</li>
     *   <li>{@link #TORCH} (torchvision): x / 255, mean [0.485, 0.456, 0.406], std [0.229, 0.224, 0.225],
     *       shorter side resized to 256/224 of the input size (256 for 224, 342 for 299), then centre crop.</li>
     * </ul>
     * Keras' own examples load pictures with {@code load_img(target_size=...)} (a stretch, nearest neighbour by
     * default); we stretch with bilinear interpolation, which changes probabilities slightly, not rankings of
     * clear pictures.
     */
    public enum Mode {
        CAFFE, TF, TORCH;

        public static Mode parse(String s) {
            try {
                return valueOf(s.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("ImageNet preprocessing '" + s + "': use caffe, tf or torch");
            }
        }

        /** The preprocessing for a square RGB input of {@code size} pixels. */
        public Preprocessing forSize(int size) {
            return forSize(size, size);
        }

        public Preprocessing forSize(int height, int width) {
            float[] ones = {1f, 1f, 1f};
            return switch (this) {
                case CAFFE -> new Preprocessing(3, height, width, 1f, new float[] {103.939f, 116.779f, 123.68f}, ones,
                        true, 0);
                case TF -> new Preprocessing(3, height, width, 1f / 127.5f, ones, ones, false, 0);
                case TORCH -> new Preprocessing(3, height, width, 1f / 255f, new float[] {0.485f, 0.456f, 0.406f},
                        new float[] {0.229f, 0.224f, 0.225f}, false,
                        (int) Math.round(Math.max(height, width) * 256.0 / 224.0));
            };
        }
    }

    /** The mode Keras' applications use for a zoo architecture (its {@code preprocess_input}). */
    public static Mode kerasMode(String architecture) {
        return architecture.startsWith("inception") ? Mode.TF : Mode.CAFFE;
    }

    /** The 1000 class names in index order. */
    public static List<String> classNames() {
        List<String> n = names;
        if (n == null) {
            n = load();
            names = n;
        }
        return n;
    }

    private static List<String> load() {
        try (InputStream in = ImageNet.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("resource " + RESOURCE + " is missing from the convnet4j-io jar");
            }
            List<String> out = new ArrayList<>();
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                if (!line.isEmpty()) {
                    out.add(line);
                }
            }
            if (out.size() != CLASSES) {
                throw new IllegalStateException("resource " + RESOURCE + " has " + out.size() + " names, not 1000");
            }
            return List.copyOf(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

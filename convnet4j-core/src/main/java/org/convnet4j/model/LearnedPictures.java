package org.convnet4j.model;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.convnet4j.image.ImageGrid;
import org.convnet4j.nn.Layer;
import org.convnet4j.nn.Sequential;
import org.convnet4j.nn.layers.Conv2d;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;

/**
 * What a trained convolutional network learned, as pictures (the lecture's "what the kernels see"): the first
 * convolution's kernels, one prepared input picture, and for every convolution of the network the feature maps it
 * makes of that picture, taken after the layers that follow it and keep its shape (its activation, a batch norm).
 * Each picture is an {@link ImageGrid} (every map min-max normalised on its own, enlarged, 8 tiles a row at most).
 *
 * <pre>{@code
 * List<LearnedPictures.Picture> written =
 *         LearnedPictures.write(net, test.sample(0), "test picture #0", Path.of("out"));
 * Path firstKernels = written.get(0).file(); // each Picture: its file and what it shows
 * }</pre>
 */
public final class LearnedPictures {
    /** Tiles per row at most. */
    public static final int COLUMNS = 8;

    private LearnedPictures() {
    }

    /** A picture written: its file and what it shows. */
    public record Picture(Path file, String description) {
    }

    /**
     * Writes into {@code dir} (created if missing): {@code <conv>-kernels.png} for the first convolution (kernels
     * enlarged to about 120 pixels), {@code input-picture.png} (about 224 pixels wide) and one
     * {@code <conv>-feature-maps.png} per convolution (maps enlarged to about 168 pixels), in layer order.
     *
     * @param net      a network whose top-level layers include at least one {@link Conv2d}
     * @param prepared one input as the network takes it, [C, H, W] (a data set's sample, or
     *                 {@link ImageClassifier#prepare} of a picture file)
     * @param caption  what the input is, for the descriptions (e.g. "test picture #0, class shirt")
     * @return the pictures written, in the order above
     * @throws IllegalArgumentException when the network has no convolution or {@code prepared} is not its input
     */
    public static List<Picture> write(Sequential net, Tensor prepared, String caption, Path dir) throws IOException {
        Shape input = net.inputShapes().get(0);
        if (!prepared.shape().equals(input)) {
            throw new IllegalArgumentException("LearnedPictures: the picture is " + prepared.shape()
                    + " but the network takes " + input);
        }
        Conv2d first = net.layers().stream().filter(l -> l instanceof Conv2d).map(l -> (Conv2d) l).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("LearnedPictures: the network has no Conv2d layer"));
        Files.createDirectories(dir);
        List<Picture> out = new ArrayList<>();
        Tensor kernels = first.kernel().value(); // [F, C, KH, KW]
        int f = kernels.dim(0);
        int c = kernels.dim(1);
        out.add(grid(kernels, 120, c == 1 ? Math.min(f, COLUMNS) : c, dir.resolve(first.name() + "-kernels.png"),
                String.format(Locale.ROOT, "the %d kernels (%dx%d%s) of the first convolution, enlarged", f,
                        kernels.dim(2), kernels.dim(3), c == 1 ? "" : ", a row per kernel, a tile per channel")));
        out.add(grid(prepared, 224, prepared.dim(0), dir.resolve("input-picture.png"), caption));
        Tensor x = prepared.reshape(input.prepend(1));
        Conv2d pending = null;
        Tensor maps = null;
        for (Layer layer : net.layers()) {
            Tensor y = layer.forward(x, false);
            if (pending != null && !(layer instanceof Conv2d) && y.shape().equals(maps.shape())) {
                maps = y; // the convolution's activation (or batch norm): same maps, what the next layer sees
            } else {
                flush(pending, maps, dir, out);
                pending = layer instanceof Conv2d conv ? conv : null;
                maps = y;
            }
            x = y;
        }
        flush(pending, maps, dir, out);
        return out;
    }

    private static void flush(Conv2d conv, Tensor maps, Path dir, List<Picture> out) throws IOException {
        if (conv == null) {
            return;
        }
        int n = maps.dim(1);
        out.add(grid(maps, 168, Math.min(n, COLUMNS), dir.resolve(conv.name() + "-feature-maps.png"),
                String.format(Locale.ROOT, "what the %d kernels of %s see in it (%dx%d each)", n, conv.name(),
                        maps.dim(2), maps.dim(3))));
    }

    private static Picture grid(Tensor maps, int pixels, int columns, Path file, String description)
            throws IOException {
        int w = maps.dim(maps.rank() - 1);
        ImageGrid.write(maps, Math.max(1, pixels / w), columns, file);
        return new Picture(file, description);
    }
}

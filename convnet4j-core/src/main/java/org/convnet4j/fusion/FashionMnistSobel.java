package org.convnet4j.fusion;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.convnet4j.data.ArrayDataset;
import org.convnet4j.data.Dataset;
import org.convnet4j.data.FashionMnist;
import org.convnet4j.ops.PadMode;
import org.convnet4j.ops.PaddingSpec;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.vision.ImageFilters;
import org.convnet4j.vision.SobelEdges;

/**
 * Two modalities derived from one grey image data set, so fusion can be demonstrated without paired folders:
 * {@value #PIXELS} = the image itself [1, H, W] (values 0..1), and {@value #EDGES} = its Sobel gradient as two
 * channels [2, H, W]: magnitude / 4 (so a step from 0 to 1 gives about 1) and direction atan2(gy, gx) / pi (in
 * -1..1; 0 where the image is flat). The edge maps are computed once, when the data set is built.
 */
public final class FashionMnistSobel {
    public static final String PIXELS = "pixels";
    public static final String EDGES = "edges";

    private FashionMnistSobel() {
    }

    /** The first {@code limit} images of Fashion-MNIST's training or test set ({@code part}) as pixels + edges. */
    public static MultiInputDataset load(FusionSources.Part part, int limit) throws IOException {
        ArrayDataset base = part == FusionSources.Part.TEST ? FashionMnist.test() : FashionMnist.train();
        return of(base, limit);
    }

    /**
     * The first {@code limit} training (or test) images of Fashion-MNIST as pixels + edges.
     *
     * @deprecated the boolean does not say what it means at the call site; use {@link #load(FusionSources.Part, int)}
     */
    @Deprecated
    public static MultiInputDataset load(boolean test, int limit) throws IOException {
        return load(test ? FusionSources.Part.TEST : FusionSources.Part.TRAIN, limit);
    }

    /** Pixels + Sobel edges of the first {@code limit} samples of any single-channel image data set. */
    public static MultiInputDataset of(Dataset grey, int limit) {
        Shape s = grey.sampleShape();
        if (s.rank() != 3 || s.dim(0) != 1) {
            throw new IllegalArgumentException("FashionMnistSobel: needs grey images [1, H, W], got " + s);
        }
        int n = Math.min(limit, grey.size());
        int h = s.dim(1);
        int w = s.dim(2);
        int per = h * w;
        float[] pixels = new float[n * per];
        float[] edges = new float[n * 2 * per];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            Tensor img = grey.sample(i);
            System.arraycopy(img.data(), 0, pixels, i * per, per);
            // same size as the image, no false edge at the border (as the CLI's `edges` does)
            SobelEdges e = ImageFilters.sobelEdges(img, PaddingSpec.same(), PadMode.REPLICATE);
            float[] mag = e.magnitude().data();
            float[] dir = e.direction().data();
            int off = i * 2 * per;
            for (int j = 0; j < per; j++) {
                edges[off + j] = mag[j] / 4f;
                edges[off + per + j] = mag[j] > 1e-6f ? (float) (dir[j] / Math.PI) : 0f;
            }
            labels[i] = grey.label(i);
        }
        Map<String, Dataset> m = new LinkedHashMap<>();
        m.put(PIXELS, ArrayDataset.ofFloats(pixels, s, labels, grey.classNames()));
        m.put(EDGES, ArrayDataset.ofFloats(edges, Shape.of(2, h, w), labels, grey.classNames()));
        return MultiInputDataset.of(m);
    }
}

package org.convnet4j.nn.layers;

import org.convnet4j.nn.StepBuffers;
import org.convnet4j.nn.UnaryLayer;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.tensor.kernels.KernelProvider;
import org.convnet4j.tensor.kernels.Kernels;
import org.convnet4j.tensor.kernels.ParallelChunks;

/** Mean of each channel over all positions: [C, H, W] to [C]. No parameters, 0 MACs. */
public final class GlobalAvgPool2d extends UnaryLayer {
    /**
     * Switch for A/B runs ({@code -Dconvnet4j.pool.globalAvgParallel=false}): whether a forward pass over at least
     * {@link ParallelChunks#VALUES} values shares its planes out over the kernels' threads instead of summing them all
     * on the calling thread. ResNet-50's pool at batch 1 (2048 planes of 49) was about 0.1 ms of the caller's serial work
     * per pass while the second thread waited (docs/PERFORMANCE.md, session 21, the threads engineer). Each plane is
     * summed by the same loop whichever thread takes it: the same bits.
     */
    static volatile boolean parallelPlanes = !"false".equals(System.getProperty("convnet4j.pool.globalAvgParallel"));

    /**
     * Output and input gradient: inside a training step the previous step's (the gradient from the memory plan's pool),
     * not a new 3 MB array per ResNet-50 step at batch 8 (docs/PERFORMANCE.md, session 26, the step memory engineer).
     * Both are written whole.
     */
    private final StepBuffers.Slots buffers = new StepBuffers.Slots(2);
    private Shape inShape;

    @Override
    protected Shape outputShapeOf(Shape input) {
        if (input.rank() != 3) {
            throw new IllegalArgumentException(describe() + ": expects an image input [C, H, W], got " + input);
        }
        return Shape.of(input.dim(0));
    }

    @Override
    public Tensor forward(Tensor x, boolean training) {
        x.requireRank(describe(), 4);
        inShape = x.shape();
        int planes = x.dim(0) * x.dim(1);
        int area = x.dim(2) * x.dim(3);
        Tensor y = buffers.overwritten(0, Shape.of(x.dim(0), x.dim(1)));
        float[] a = x.data();
        float[] b = y.data();
        Kernels k = KernelProvider.get();
        int tasks = parallelPlanes && (long) planes * area >= ParallelChunks.VALUES ? Math.min(planes, k.threads()) : 1;
        if (tasks < 2) {
            means(a, area, b, 0, planes);
        } else {
            k.parallelFor(tasks, t -> means(a, area, b, (int) ((long) planes * t / tasks),
                    (int) ((long) planes * (t + 1) / tasks)));
        }
        return y;
    }

    /** The means of planes [p0, p1) of {@code area} values each into {@code b}. */
    private static void means(float[] a, int area, float[] b, int p0, int p1) {
        for (int pl = p0; pl < p1; pl++) {
            double s = 0;
            int base = pl * area;
            for (int i = 0; i < area; i++) {
                s += a[base + i];
            }
            b[pl] = (float) (s / area);
        }
    }

    @Override
    public Tensor backward(Tensor dy) {
        Tensor dx = buffers.gradientOverwritten(1, inShape);
        int area = inShape.dim(2) * inShape.dim(3);
        float[] g = dy.data();
        float[] d = dx.data();
        for (int pl = 0; pl < g.length; pl++) {
            float share = g[pl] / area;
            int base = pl * area;
            for (int i = 0; i < area; i++) {
                d[base + i] = share;
            }
        }
        return dx;
    }
}

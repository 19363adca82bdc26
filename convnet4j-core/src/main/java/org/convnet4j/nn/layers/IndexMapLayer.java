package org.convnet4j.nn.layers;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.convnet4j.nn.StepBuffers;
import org.convnet4j.nn.UnaryLayer;
import org.convnet4j.tensor.Shape;

import org.convnet4j.tensor.Tensor;

/**
 * A layer whose every output value is one input value of the same sample: y[n, i] = x[n, map[i]]. Transpose,
 * Slice, Gather, Tile, Expand, DepthToSpace, SpaceToDepth and nearest-neighbour Resize are all such
 * rearrangements, so they share the forward (a gather) and the backward (the adjoint scatter-add, which sums
 * the gradients of values read more than once). Subclasses only say which input value each output reads.
 */
public abstract class IndexMapLayer extends UnaryLayer {
    private Shape mappedFor;
    private int[] map;
    private Shape inShape;
    // the output (every element written by the gather) and the input gradient (a scatter-add into zeros): reused
    // between training steps and taken from the inference buffers in Model.predict instead of fresh arrays
    private final StepBuffers.Slots buffers = new StepBuffers.Slots(2);

    /** For each per-sample output position (row-major), the per-sample input position it reads. */
    protected abstract int[] sourceMap(Shape inSample, Shape outSample);

    private int[] mapFor(Shape inSample) {
        if (!inSample.equals(mappedFor)) {
            Shape out = outputShapeOf(inSample);
            map = sourceMap(inSample, out);
            mappedFor = inSample;
        }
        return map;
    }

    @Override
    public Tensor forward(Tensor x, boolean training) {
        Shape sample = x.shape().dropFirst();
        int[] m = mapFor(sample);
        Shape out = outputShapeOf(sample);
        int n = x.dim(0);
        int inSize = sample.size();
        int outSize = m.length;
        Tensor y = buffers.overwritten(0, out.prepend(n));
        float[] xd = x.data();
        float[] yd = y.data();
        for (int b = 0; b < n; b++) {
            int xo = b * inSize;
            int yo = b * outSize;
            if (copiesSample(sample, xd, xo, yd, yo)) {
                continue;
            }
            for (int i = 0; i < outSize; i++) {
                yd[yo + i] = xd[xo + m[i]];
            }
        }
        inShape = x.shape();
        return y;
    }

    /**
     * A faster forward copy of one sample that a subclass knows for this sample shape: writes exactly what the map's
     * gather writes ({@code yd[yo + i] = xd[xo + map[i]]} for every i) and returns true, or returns false to leave it
     * to the gather.
     */
    protected boolean copiesSample(Shape inSample, float[] xd, int xo, float[] yd, int yo) {
        return false;
    }

    @Override
    public Tensor backward(Tensor dy) {
        Shape in = fromForward(inShape);
        int[] m = mapFor(in.dropFirst());
        int n = in.dim(0);
        int inSize = in.sizeFrom(1);
        int outSize = m.length;
        Tensor dx = buffers.gradientZeros(1, in);
        float[] g = dy.data();
        float[] d = dx.data();
        for (int b = 0; b < n; b++) {
            int xo = b * inSize;
            int yo = b * outSize;
            for (int i = 0; i < outSize; i++) {
                d[xo + m[i]] += g[yo + i];
            }
        }
        return dx;
    }

    /**
     * The map of a separable rearrangement: output coordinate c along axis j reads input coordinate
     * {@code perAxis[j][c]} (Slice, Gather of a vector, Tile, Expand, nearest Resize).
     */
    protected static int[] separable(Shape in, int[][] perAxis) {
        int rank = in.rank();
        int[] outDims = new int[rank];
        int total = 1;
        for (int j = 0; j < rank; j++) {
            outDims[j] = perAxis[j].length;
            total *= outDims[j];
        }
        int[] inStrides = in.strides();
        int[] map = new int[total];
        int[] idx = new int[rank];
        for (int k = 0; k < total; k++) {
            int src = 0;
            for (int j = 0; j < rank; j++) {
                src += perAxis[j][idx[j]] * inStrides[j];
            }
            map[k] = src;
            for (int j = rank - 1; j >= 0; j--) {
                if (++idx[j] < outDims[j]) {
                    break;
                }
                idx[j] = 0;
            }
        }
        return map;
    }

    /** The map of a general rearrangement: output dims {@code outDims}, source offset = sum idx[j]*strides[j]. */
    protected static int[] strided(int[] outDims, int[] strides) {
        int total = 1;
        for (int d : outDims) {
            total *= d;
        }
        int[] map = new int[total];
        int[] idx = new int[outDims.length];
        int src = 0;
        for (int k = 0; k < total; k++) {
            map[k] = src;
            for (int j = outDims.length - 1; j >= 0; j--) {
                src += strides[j];
                if (++idx[j] < outDims[j]) {
                    break;
                }
                src -= strides[j] * idx[j];
                idx[j] = 0;
            }
        }
        return map;
    }

    static List<Integer> list(int[] v) {
        List<Integer> out = new ArrayList<>();
        for (int x : v) {
            out.add(x);
        }
        return out;
    }

    static void put(Map<String, Object> c, String key, int[] v) {
        c.put(key, list(v));
    }
}

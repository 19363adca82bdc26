package org.convnet4j.nn.layers;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.convnet4j.nn.Parameter;
import org.convnet4j.nn.UnaryLayer;
import org.convnet4j.nn.init.Initializer;
import org.convnet4j.ops.ConvParams;
import org.convnet4j.ops.Convolution;
import org.convnet4j.ops.PadMode;
import org.convnet4j.ops.Padding;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;

/**
 * A valid, stride-1 convolution in which each output map reads only some of the input maps, given by a
 * connection table: LeNet-5's layer C3 (LeCun et al. 1998, Table I), which the paper motivates by keeping the
 * number of connections in bounds and by breaking the symmetry between the feature maps.
 *
 * <p>Only connected (output, input) pairs have kernel weights, so the parameter count is the paper's: the
 * {@code kernel} parameter holds one {@code KH x KW} slice per connection, shape [connections, KH, KW], in
 * table order (output map 0's inputs in the order listed, then output map 1's, ...), and {@code bias} is [F].
 * To compute, the slices are scattered into a dense [F, C, KH, KW] kernel whose unconnected slices are zero,
 * and the ordinary {@link Convolution} runs on it; backward gathers the connected slices of the dense kernel
 * gradient. That costs F*C/connections times the multiply-adds of the sparse product (1.6x for C3) on a
 * small layer, and keeps one tested convolution kernel. {@link #macs} reports the connected ones only.
 *
 * <p>Each slice starts from the kernel initializer with the fan-in of its own output map (connected inputs x
 * kernel area), since output maps of one table have different fan-ins (75, 100 or 150 for C3).
 */
public final class ConnectionTableConv2d extends UnaryLayer {
    /**
     * LeNet-5's C3 table (LeCun et al. 1998, Table I): for each of the 16 output maps, the S2 maps it reads.
     * Maps 0-5 read 3 contiguous maps, 6-11 read 4 contiguous ones, 12-14 read 4 non-contiguous ones and 15
     * reads all 6 (contiguous meaning cyclically: map 4 reads 4, 5, 0).
     */
    public static final int[][] LECUN_1998_C3 = {
        {0, 1, 2}, {1, 2, 3}, {2, 3, 4}, {3, 4, 5}, {4, 5, 0}, {5, 0, 1},
        {0, 1, 2, 3}, {1, 2, 3, 4}, {2, 3, 4, 5}, {3, 4, 5, 0}, {4, 5, 0, 1}, {5, 0, 1, 2},
        {0, 1, 3, 4}, {1, 2, 4, 5}, {0, 2, 3, 5},
        {0, 1, 2, 3, 4, 5}
    };

    private final int[][] table;
    private final int connections;
    private final int kh;
    private final int kw;
    private Initializer kernelInit = Initializer.GLOROT_UNIFORM;

    private Shape built;
    private ConvParams params;
    private Parameter kernel;
    private Parameter bias;
    private Tensor x;

    /** LeNet-5's C3: {@link #LECUN_1998_C3} with 5x5 kernels (1,516 parameters). */
    public static ConnectionTableConv2d lecun1998C3() {
        return new ConnectionTableConv2d(LECUN_1998_C3, 5, 5);
    }

    /**
     * @param table {@code table[f]} lists the input maps output map {@code f} reads; each non-empty, without
     *              repeats, indices >= 0 (checked against the input's channels when the layer is built)
     */
    public ConnectionTableConv2d(int[][] table, int kernelH, int kernelW) {
        if (kernelH < 1 || kernelW < 1) {
            throw new IllegalArgumentException("ConnectionTableConv2d: kernel size must be >= 1, got " + kernelH
                    + "x" + kernelW);
        }
        if (table == null || table.length == 0) {
            throw new IllegalArgumentException("ConnectionTableConv2d: the connection table needs at least one output map");
        }
        this.table = new int[table.length][];
        int count = 0;
        for (int f = 0; f < table.length; f++) {
            if (table[f] == null || table[f].length == 0) {
                throw new IllegalArgumentException("ConnectionTableConv2d: output map " + f + " reads no input map");
            }
            int[] row = table[f].clone();
            int[] sorted = row.clone();
            Arrays.sort(sorted);
            if (sorted[0] < 0) {
                throw new IllegalArgumentException("ConnectionTableConv2d: output map " + f
                        + " lists a negative input map " + sorted[0]);
            }
            for (int i = 1; i < sorted.length; i++) {
                if (sorted[i] == sorted[i - 1]) {
                    throw new IllegalArgumentException("ConnectionTableConv2d: output map " + f + " lists input map "
                            + sorted[i] + " twice");
                }
            }
            this.table[f] = row;
            count += row.length;
        }
        this.connections = count;
        this.kh = kernelH;
        this.kw = kernelW;
    }

    /** Kernel initializer (before the layer is built); applied per output map with that map's fan-in. */
    public ConnectionTableConv2d init(Initializer init) {
        if (built != null) {
            throw new IllegalStateException(describe() + ": cannot change init after the layer was built");
        }
        kernelInit = init;
        return this;
    }

    public int filters() {
        return table.length;
    }

    /** Number of (output map, input map) pairs, i.e. of kernel slices. */
    public int connections() {
        return connections;
    }

    /** A copy of the table: entry f lists the input maps output map f reads. */
    public int[][] table() {
        int[][] copy = new int[table.length][];
        for (int f = 0; f < table.length; f++) {
            copy[f] = table[f].clone();
        }
        return copy;
    }

    public Parameter kernel() {
        return kernel;
    }

    public Parameter bias() {
        return bias;
    }

    @Override
    protected Shape outputShapeOf(Shape input) {
        if (input.rank() != 3) {
            throw new IllegalArgumentException(describe() + ": expects an image input [C, H, W], got " + input);
        }
        if (built != null) {
            if (!built.equals(input)) {
                throw new IllegalArgumentException(describe() + ": built for input " + built + ", given " + input);
            }
            return outputOf(input);
        }
        int c = input.dim(0);
        for (int f = 0; f < table.length; f++) {
            for (int i : table[f]) {
                if (i >= c) {
                    throw new IllegalArgumentException(describe() + ": output map " + f + " reads input map " + i
                            + " but the input " + input + " has only " + c + " channel(s)");
                }
            }
        }
        ConvParams p = new ConvParams(1, 1, 1, 1, Padding.valid(), PadMode.ZERO, 1);
        Shape out = Convolution.outputShape(input.prepend(1), Shape.of(table.length, c, kh, kw), p).dropFirst();
        params = p;
        built = input;
        int area = kh * kw;
        kernel = Parameter.learnable("kernel", Shape.of(connections, kh, kw), perMapFanIn(kernelInit),
                connections * area / table.length, table.length * area);
        bias = Parameter.learnable("bias", Shape.of(table.length), Initializer.ZEROS, area, table.length * area);
        setTrainable(isTrainable()); // a layer frozen before it was built freezes its new parameters
        return out;
    }

    private Shape outputOf(Shape input) {
        return Convolution.outputShape(input.prepend(1), Shape.of(table.length, input.dim(0), kh, kw), params).dropFirst();
    }

    /** Fills output map f's slices from {@code base} with fan-in |table[f]| * KH * KW. */
    private Initializer perMapFanIn(Initializer base) {
        int area = kh * kw;
        return new Initializer() {
            @Override
            public void fill(Tensor t, int fanIn, int fanOut, Random random) {
                int slot = 0;
                for (int[] inputs : table) {
                    Tensor part = Tensor.zeros(inputs.length, kh, kw);
                    base.fill(part, inputs.length * area, fanOut, random);
                    System.arraycopy(part.data(), 0, t.data(), slot * area, part.size());
                    slot += inputs.length;
                }
            }

            @Override
            public String id() {
                return base.id();
            }
        };
    }

    /** The dense [F, C, KH, KW] kernel: connected slices from {@code packed}, zeros elsewhere. */
    private Tensor dense(Tensor packed) {
        int c = built.dim(0);
        int area = kh * kw;
        Tensor w = Tensor.zeros(table.length, c, kh, kw);
        int slot = 0;
        for (int f = 0; f < table.length; f++) {
            for (int i : table[f]) {
                System.arraycopy(packed.data(), slot * area, w.data(), (f * c + i) * area, area);
                slot++;
            }
        }
        return w;
    }

    @Override
    public Tensor forward(Tensor input, boolean training) {
        if (built == null) {
            throw new IllegalStateException(describe() + ": not built yet; add it to a model (or call outputShape) first");
        }
        requireSample(input, built);
        x = input;
        return Convolution.forward(input, dense(kernel.value()), bias.value(), params);
    }

    @Override
    public Tensor backward(Tensor dy) {
        if (x == null) {
            throw new IllegalStateException(describe() + ": backward before forward");
        }
        int c = built.dim(0);
        int area = kh * kw;
        Tensor denseGrad = Tensor.zeros(table.length, c, kh, kw);
        Convolution.backwardWeights(x, dy, denseGrad, bias.grad(), params);
        float[] g = kernel.grad().data();
        float[] dg = denseGrad.data();
        int slot = 0;
        for (int f = 0; f < table.length; f++) {
            for (int i : table[f]) {
                int from = (f * c + i) * area;
                int to = slot * area;
                for (int k = 0; k < area; k++) {
                    g[to + k] += dg[from + k];
                }
                slot++;
            }
        }
        return Convolution.backwardInput(dy, dense(kernel.value()), x.shape(), params);
    }

    /** Connected multiply-adds only: OH * OW * connections * KH * KW. */
    @Override
    protected long macsOf(Shape input) {
        Shape out = built != null ? outputOf(input) : outputShapeOf(input);
        return (long) out.dim(1) * out.dim(2) * connections * kh * kw;
    }

    @Override
    public List<Parameter> parameters() {
        return kernel == null ? List.of() : List.of(kernel, bias);
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = super.config();
        List<List<Integer>> rows = new ArrayList<>();
        for (int[] row : table) {
            rows.add(Arrays.stream(row).boxed().toList());
        }
        c.put("connections", rows);
        c.put("kernel_size", List.of(kh, kw));
        c.put("kernel_init", kernelInit.id());
        return c;
    }
}

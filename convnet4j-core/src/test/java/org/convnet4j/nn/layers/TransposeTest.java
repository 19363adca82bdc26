package org.convnet4j.nn.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * Transpose against a coordinate-by-coordinate reference: every perm of ranks 1 to 4, shapes with axes of 1 and
 * long axes, forward and backward. The rotations among them ([1, 0], [1, 2, 0], [2, 0, 1], [1, 2, 3, 0], ...) take the
 * blocked 2-D copy, with axes longer than its 16 x 16 blocks and not multiples of 16 (70, 40, 35, 33, 37); the
 * others the index map's gather.
 */
class TransposeTest {
    @Test
    void everyPermMatchesTheCoordinateDefinitionForwardAndBackward() {
        int[][] shapes = {{5}, {3, 70}, {33, 1, 40}, {2, 3, 35, 4}, {37, 2, 1, 33}};
        Random r = new Random(5);
        for (int[] sample : shapes) {
            for (int[] perm : permutations(sample.length)) {
                Transpose t = new Transpose(perm);
                int n = 2;
                Tensor x = Tensor.randn(r, 1f, Shape.of(sample).prepend(n).dims());
                Tensor y = t.forward(x, true);
                int[] outDims = new int[sample.length];
                for (int i = 0; i < perm.length; i++) {
                    outDims[i] = sample[perm[i]];
                }
                assertArrayEquals(Shape.of(outDims).prepend(n).dims(), y.shape().dims());
                float[] want = new float[x.size()];
                Tensor dy = Tensor.randn(r, 1f, y.shape().dims());
                float[] wantDx = new float[x.size()];
                int[] inStrides = Shape.of(sample).strides();
                int size = Shape.of(sample).size();
                int[] idx = new int[sample.length];
                for (int k = 0; k < size; k++) { // k walks the output's coordinates in row-major order
                    int src = 0;
                    for (int i = 0; i < perm.length; i++) {
                        src += idx[i] * inStrides[perm[i]];
                    }
                    for (int b = 0; b < n; b++) {
                        want[b * size + k] = x.data()[b * size + src];
                        wantDx[b * size + src] = dy.data()[b * size + k];
                    }
                    for (int j = outDims.length - 1; j >= 0; j--) {
                        if (++idx[j] < outDims[j]) {
                            break;
                        }
                        idx[j] = 0;
                    }
                }
                String what = java.util.Arrays.toString(sample) + " perm " + java.util.Arrays.toString(perm);
                assertArrayEquals(want, y.data(), what);
                assertArrayEquals(wantDx, t.backward(dy).data(), what + " backward");
            }
        }
    }

    /**
     * In inference a rotating Transpose absorbs a constant arithmetic with one value per output row (ConvNeXt's layer
     * scale after its permute back to [C, H, W]) and gives the bits of the two layers one by one: each operation,
     * either operand order, a per-row and a single-value constant, rows longer than a block (35 = 5 x 7 > 16), and
     * a rotation whose output leads with two axes ([C, H, W] to [H, W, C], a constant [H, 1, 1]: H x W copy rows).
     * Other constants and perms are left to the layers one by one.
     */
    @Test
    void absorbsAConstantPerOutputRowWithTheBitsOfTheLayersOneByOne() {
        Random r = new Random(9);
        Tensor x = Tensor.randn(r, 1f, 2, 5, 7, 20);
        Transpose back = new Transpose(2, 0, 1);
        Tensor chw = Tensor.randn(r, 1f, 2, 4, 6, 5);
        Transpose forth = new Transpose(1, 2, 0); // [4, 6, 5] -> [6, 5, 4]
        for (ArithmeticOp op : ArithmeticOp.values()) {
            for (boolean first : new boolean[] {false, true}) {
                for (int[] shape : new int[][] {{20, 1, 1}, {1, 1, 1}, {6, 1, 1}}) {
                    Tensor c = Tensor.randn(r, 1f, shape);
                    ConstantArithmetic ca = new ConstantArithmetic(op, c, ConstantArithmetic.Order.constantFirst(first),
                            ConstantArithmetic.Kind.learnable(false));
                    Transpose t = shape[0] == 6 ? forth : back;
                    Tensor in = shape[0] == 6 ? chw : x;
                    String what = op + " first " + first + " " + java.util.Arrays.toString(shape);
                    assertEquals(1, t.absorbable(List.of(ca)), what);
                    float[] want = ca.forward(t.forward(in, false), false).data().clone();
                    assertArrayEquals(want, t.forwardAbsorbing(List.of(in), List.of(ca), 1).data(), what);
                }
            }
        }
        ConstantArithmetic perPixel = new ConstantArithmetic(ArithmeticOp.MUL, Tensor.randn(r, 1f, 1, 5, 1));
        assertEquals(0, back.absorbable(List.of(perPixel)));
        ConstantArithmetic scale = new ConstantArithmetic(ArithmeticOp.MUL, Tensor.randn(r, 1f, 20, 1, 1));
        assertEquals(0, new Transpose(0, 2, 1).absorbable(List.of(scale)));
        assertEquals(0, back.absorbable(List.of(new ReLU())));
    }

    private static List<int[]> permutations(int rank) {
        List<int[]> out = new ArrayList<>();
        permute(new int[rank], new boolean[rank], 0, out);
        return out;
    }

    private static void permute(int[] p, boolean[] used, int i, List<int[]> out) {
        if (i == p.length) {
            out.add(p.clone());
            return;
        }
        for (int v = 0; v < p.length; v++) {
            if (!used[v]) {
                used[v] = true;
                p[i] = v;
                permute(p, used, i + 1, out);
                used[v] = false;
            }
        }
    }
}

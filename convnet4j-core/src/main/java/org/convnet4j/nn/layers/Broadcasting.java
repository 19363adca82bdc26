package org.convnet4j.nn.layers;

import java.util.Arrays;

/**
 * NumPy/ONNX broadcasting for two operands of equal rank (batch dimension included): each dimension is
 * equal or 1, and a 1 is stretched. Used by {@link Arithmetic} and {@link ConstantArithmetic}; the
 * backward helper sums a gradient over the stretched dimensions, which is the adjoint of stretching.
 */
final class Broadcasting {
    private Broadcasting() {
    }

    /** The broadcast shape of {@code a} and {@code b}, or null if some dimension pair is neither equal nor 1. */
    static int[] shape(int[] a, int[] b) {
        if (a.length != b.length) {
            return null;
        }
        int[] out = new int[a.length];
        for (int i = 0; i < a.length; i++) {
            if (a[i] == b[i] || b[i] == 1) {
                out[i] = a[i];
            } else if (a[i] == 1) {
                out[i] = b[i];
            } else {
                return null;
            }
        }
        return out;
    }

    /** Strides of {@code s} measured in the output's index space: 0 where {@code s} is stretched. */
    static int[] stridesIn(int[] s, int[] out) {
        int[] st = new int[s.length];
        int acc = 1;
        for (int i = s.length - 1; i >= 0; i--) {
            st[i] = s[i] == 1 && out[i] != 1 ? 0 : acc;
            acc *= s[i];
        }
        return st;
    }

    /**
     * For every output position, the flat index of the operand element it reads: {@code map[k]} for output
     * element {@code k}.
     */
    static int[] indexMap(int[] s, int[] out) {
        int[] st = stridesIn(s, out);
        int total = 1;
        for (int d : out) {
            total *= d;
        }
        int[] map = new int[total];
        int[] idx = new int[out.length];
        int src = 0;
        for (int k = 0; k < total; k++) {
            map[k] = src;
            for (int ax = out.length - 1; ax >= 0; ax--) {
                idx[ax]++;
                src += st[ax];
                if (idx[ax] < out[ax]) {
                    break;
                }
                src -= st[ax] * idx[ax];
                idx[ax] = 0;
            }
        }
        return map;
    }

    /**
     * If operand {@code s} equals {@code out} on its leading axes and is 1 on all trailing ones, the number of
     * output values each operand value covers (1 when the shapes are equal); else 0.
     */
    static int trailingRepeat(int[] s, int[] out) {
        int k = s.length;
        while (k > 0 && s[k - 1] == 1) {
            k--;
        }
        int repeat = 1;
        for (int i = 0; i < s.length; i++) {
            if (i < k && s[i] != out[i]) {
                return 0;
            }
            if (i >= k) {
                repeat *= out[i];
            }
        }
        return repeat;
    }

    static String text(int[] s) {
        return Arrays.toString(s);
    }
}

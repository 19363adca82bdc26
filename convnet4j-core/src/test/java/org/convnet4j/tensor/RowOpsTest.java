package org.convnet4j.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The one softmax, log-sum-exp and row arg-max against values worked out by hand. */
class RowOpsTest {
    @Test
    void logSumExpOfARowWithinAnArrayAndWithoutOverflow() {
        // log(e^1 + e^2 + e^3) = 3 + log(1 + e^-1 + e^-2) = 3.4076059644443806
        float[] v = {9, 1, 2, 3, 9};
        assertEquals(3.4076059644443806, RowOps.logSumExp(v, 1, 3), 1e-15);
        // e^1000 overflows a double; shifted by the maximum it does not: 1000 + log 2
        assertEquals(1000 + Math.log(2), RowOps.logSumExp(new float[] {1000, 1000}, 0, 2), 1e-12);
        // a row's cross-entropy for class y is logSumExp - v[y]; softmax's log agrees
        double[] p = RowOps.softmax(new float[] {1, 2, 3});
        assertEquals(-Math.log(p[0]), RowOps.logSumExp(new float[] {1, 2, 3}, 0, 3) - 1, 1e-12);
    }

    @Test
    void logSoftmaxInPlaceIsTheLogOfSoftmax() {
        double[] z = RowOps.logSoftmaxInPlace(new double[] {0, 0});
        assertArrayEquals(new double[] {-Math.log(2), -Math.log(2)}, z, 1e-15);
        double[] w = RowOps.logSoftmaxInPlace(new double[] {1, 2, 3, 1000});
        assertEquals(0, w[3], 1e-12);
        assertEquals(-999, w[0], 1e-9);
        double[] q = RowOps.softmaxInPlace(new double[] {1, 2, 3});
        double[] lq = RowOps.logSoftmaxInPlace(new double[] {1, 2, 3});
        for (int c = 0; c < 3; c++) {
            assertEquals(Math.log(q[c]), lq[c], 1e-12);
        }
    }

    @Test
    void argmaxTakesTheFirstOfEqualMaximaWithinTheRow() {
        double[] v = {7, 1, 5, 5, 2, 9};
        assertEquals(1, RowOps.argmax(v, 1, 4)); // row [1, 5, 5, 2]: the first 5
        assertEquals(5, RowOps.argmax(v));
        assertEquals(0, RowOps.argmax(new double[] {3, 3}));
        assertEquals(2, RowOps.argmax(new float[] {0, 4, 1, 6}, 1, 3)); // row [4, 1, 6]
    }
}

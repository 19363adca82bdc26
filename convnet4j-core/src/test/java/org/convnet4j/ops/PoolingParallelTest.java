package org.convnet4j.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.convnet4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * {@link Pooling} (planes spread over threads, unrolled 2x2 max) must give exactly the bits of the
 * one-window-at-a-time {@link PoolingReference}: same forward values, same gradients, and the same
 * first-maximum-wins choice on ties. Inputs are rounded to a coarse grid so that windows contain ties, and
 * some inputs are large enough (&gt;= 32768 values) to take the multi-threaded path.
 */
class PoolingParallelTest {

    @Test
    void matchesReferenceBitForBit() {
        List<PoolParams> params = new ArrayList<>();
        for (PoolParams base : new PoolParams[] {PoolParams.max(2, 2), PoolParams.avg(2, 2), PoolParams.lp(2.5, 2, 2)}) {
            params.add(base);
            params.add(base.withKernel(3, 3).withStride(2, 2));
            params.add(base.withKernel(3, 3).withStride(1, 1).withPadding(Padding.of(1)));
            params.add(base.withKernel(2, 3).withStride(1, 2).withPadding(new Padding(1, 0, 0, 1)));
            params.add(base.withKernel(3, 3).withStride(2, 2).withPadding(Padding.of(1)).withCountIncludePad(true));
        }
        int[][] shapes = {{2, 3, 8, 8}, {1, 1, 5, 7}, {1, 2, 2, 2}, {3, 5, 9, 6}, {8, 32, 24, 24}, {4, 6, 28, 28}};
        Random random = new Random(11);
        for (int[] s : shapes) {
            Tensor x = Tensor.randn(random, 1f, s);
            float[] xd = x.data();
            for (int i = 0; i < xd.length; i++) {
                xd[i] = Math.round(xd[i] * 2) / 2f; // many ties
            }
            for (PoolParams p : params) {
                if (p.kh() > s[2] + p.padding().top() + p.padding().bottom()
                        || p.kw() > s[3] + p.padding().left() + p.padding().right()) {
                    continue;
                }
                String what = p + " on " + x.shape();
                Tensor expected = PoolingReference.forward(x, p);
                Tensor actual = Pooling.forward(x, p);
                assertArrayEquals(expected.data(), actual.data(), what);
                Tensor dy = Tensor.randn(random, 1f, expected.shape().dims());
                assertArrayEquals(PoolingReference.backward(x, expected, dy, p).data(),
                        Pooling.backward(x, actual, dy, p).data(), what);
            }
        }
    }
}

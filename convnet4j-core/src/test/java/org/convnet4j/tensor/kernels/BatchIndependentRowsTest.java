package org.convnet4j.tensor.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.Arrays;
import java.util.Random;
import org.convnet4j.nn.Model;
import org.convnet4j.nn.Sequential;
import org.convnet4j.nn.layers.Dense;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.zoo.ModelZoo;
import org.convnet4j.zoo.ZooOptions;
import org.junit.jupiter.api.Test;

/**
 * Why a sample's inference output depends on its batch, and the switch that removes it: with
 * {@link VectorGemm#exactRows} one picture alone and in batches of 1 to 9 (every position) or all together give the
 * same bits; without it (the default, see there why) Dense's products of at most 4 rows (or a small output from long
 * rows, 1024 to 10 up to 25 rows) are dot products, which sum a row's terms in another order than the GEMM of larger
 * batches (Spark's featurizer gave a picture other last bits when a broken picture moved it into another batch,
 * HdfsTest).
 */
class BatchIndependentRowsTest {
    private static Tensor rows(Tensor x, int from, int n) {
        int per = x.size() / x.dim(0);
        int[] dims = x.shape().dims().clone();
        dims[0] = n;
        return Tensor.wrap(Arrays.copyOfRange(x.data(), from * per, (from + n) * per), dims);
    }

    /** Whether every sample of batches of 1..9 (every position) and of all of them predicts its bits alone. */
    private static boolean independent(Model m, Tensor samples) {
        int out = m.outputShape().size();
        for (int n : new int[] {1, 2, 3, 4, 5, 6, 7, 8, 9, samples.dim(0)}) {
            for (int from = 0; from + n <= samples.dim(0); from += n) {
                float[] batch = m.predict(rows(samples, from, n)).data().clone();
                for (int i = 0; i < n; i++) {
                    float[] alone = m.predict(rows(samples, from + i, 1)).data();
                    if (!Arrays.equals(Arrays.copyOfRange(batch, i * out, (i + 1) * out), Arrays.copyOf(alone, out))) {
                        return false;
                    }
                }
            }
        }
        return true;
    }

    private static Model dense(int in, int units) {
        Sequential m = new Sequential("dense", Shape.of(in));
        m.add(new Dense(units));
        return m.initialize(3);
    }

    @Test
    void aSamplePredictsTheSameBitsAloneAndInAnyBatch() {
        Random r = new Random(4);
        Model lenet = ModelZoo.build("lenet5", ZooOptions.defaults()).initialize(5);
        Tensor pictures = Tensor.randn(r, 1f, 18, 1, 28, 28);
        Model narrow = dense(1024, 10); // a small output from long rows: dot products up to 25 rows
        Tensor wide = Tensor.randn(r, 1f, 30, 1024);
        boolean before = VectorGemm.exactRows;
        try {
            VectorGemm.exactRows = true;
            assertArrayEquals(new boolean[] {true, true}, new boolean[] {independent(lenet, pictures),
                independent(narrow, wide)});
            if (KernelProvider.isScalar(KernelProvider.get())) {
                return; // -Dconvnet4j.kernels=scalar (a -Dtest run of both executions): no dot products to show
            }
            // the cause, shown: with the dot products for a few rows, a sample alone gets other bits
            VectorGemm.exactRows = false;
            lenet.weightsChanged(); // drop the packed copies, as switching mid-run would not otherwise be seen
            narrow.weightsChanged();
            assertFalse(independent(lenet, pictures), "lenet5 with dot products");
            assertFalse(independent(narrow, wide), "1024 -> 10 with dot products");
        } finally {
            VectorGemm.exactRows = before;
        }
    }
}

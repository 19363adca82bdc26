package org.convnet4j.transfer;

import java.util.List;
import org.convnet4j.data.Dataset;
import org.convnet4j.dataspec.ClassNames;
import org.convnet4j.nn.Sequential;
import org.convnet4j.tensor.RowOps;
import org.convnet4j.train.ConfusionMatrix;

/**
 * The Brier score of a model's class probabilities on labelled pictures: per picture {@code sum_j (p_j - y_j)^2}
 * over the model's classes ({@code y} one for the right class, zero otherwise), 0 for a certain right answer, 2 for a
 * certain wrong one. A proper scoring rule: unlike right-or-wrong it uses how confident each answer was, so a small
 * held-out set tells models apart better (docs/TRANSFER.md, "Ranking the folds by the Brier score"). Classes are
 * matched by name, leniently, as {@link TransferRun#accuracyByName} matches them (a target class the model lacks
 * counts every probability as wrong). Outputs are turned into probabilities by a softmax unless a row already is a
 * distribution (non-negative, summing to 1 within 1e-4).
 */
public final class BrierScore {
    private BrierScore() {
    }

    /** The Brier score summed over the pictures of {@code data} (divide by its size for the mean). */
    public static double sum(Sequential model, Dataset data) {
        List<String> own = model.classNames().isEmpty()
                ? ConfusionMatrix.numberedClasses(model.outputShape().dim(0)) : model.classNames();
        int[] index = ClassNames.match(data.classNames(), own).indexOf();
        double[] total = {0};
        TransferRun.predictInBatches(model, data, (start, b, out, k) -> {
            double[] p = new double[k];
            for (int i = 0; i < b; i++) {
                probabilities(out, i * k, p);
                int right = index[data.label(start + i)];
                for (int j = 0; j < k; j++) {
                    double y = j == right ? 1 : 0;
                    total[0] += (p[j] - y) * (p[j] - y);
                }
            }
        });
        return total[0];
    }

    /** Row {@code from .. from + p.length} of {@code out} as probabilities, into {@code p}. */
    static void probabilities(float[] out, int from, double[] p) {
        int k = p.length;
        double sum = 0;
        boolean distribution = true;
        for (int j = 0; j < k; j++) {
            distribution &= out[from + j] >= 0;
            sum += out[from + j];
        }
        if (distribution && Math.abs(sum - 1) <= 1e-4) {
            for (int j = 0; j < k; j++) {
                p[j] = out[from + j];
            }
            return;
        }
        RowOps.softmax(out, from, k, p);
    }
}

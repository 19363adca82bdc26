package org.convnet4j.fusion;

/**
 * Fits the member weights of a weighted-mean late fusion on validation probabilities by coordinate search on the
 * simplex: start from equal weights; in each round, for each member m and each value g in 0, 0.05, ..., 1, try
 * w_m = g with the other weights rescaled to sum to 1 - g, and keep a change only if it improves the score. The
 * score is validation accuracy, ties broken by the mean log-likelihood of the true class (accuracy alone is flat
 * almost everywhere). Stops after a round without improvement, or {@value #MAX_ROUNDS} rounds. Being fitted on the
 * validation split, the weights should be judged on separate test data.
 */
public final class WeightSearch {
    static final int MAX_ROUNDS = 10;
    static final int STEPS = 20;

    private WeightSearch() {
    }

    /** Weights (summing to 1) for probs[member][sample][class] and the true labels. */
    public static double[] fit(double[][][] probs, int[] labels) {
        int m = probs.length;
        double[] w = new double[m];
        java.util.Arrays.fill(w, 1.0 / m);
        double[] best = score(probs, labels, w);
        for (int round = 0; round < MAX_ROUNDS; round++) {
            boolean improved = false;
            for (int j = 0; j < m; j++) {
                for (int s = 0; s <= STEPS; s++) {
                    double[] cand = withWeight(w, j, (double) s / STEPS);
                    double[] sc = score(probs, labels, cand);
                    if (better(sc, best)) {
                        best = sc;
                        w = cand;
                        improved = true;
                    }
                }
            }
            if (!improved) {
                break;
            }
        }
        return w;
    }

    /** w with w_j = g and the others rescaled to sum to 1 - g (equal shares if they were all 0). */
    static double[] withWeight(double[] w, int j, double g) {
        double others = 0;
        for (int i = 0; i < w.length; i++) {
            if (i != j) {
                others += w[i];
            }
        }
        double[] out = new double[w.length];
        for (int i = 0; i < w.length; i++) {
            if (i == j) {
                out[i] = g;
            } else {
                out[i] = others > 0 ? w[i] * (1 - g) / others : (1 - g) / (w.length - 1);
            }
        }
        return out;
    }

    /** {accuracy, mean log-likelihood} of the weighted mean. */
    static double[] score(double[][][] probs, int[] labels, double[] w) {
        int n = labels.length;
        int k = probs[0][0].length;
        int correct = 0;
        double ll = 0;
        for (int i = 0; i < n; i++) {
            int arg = 0;
            double argVal = -1;
            double sum = 0;
            double truth = 0;
            for (int c = 0; c < k; c++) {
                double p = 0;
                for (int j = 0; j < probs.length; j++) {
                    p += w[j] * probs[j][i][c];
                }
                sum += p;
                if (p > argVal) {
                    argVal = p;
                    arg = c;
                }
                if (c == labels[i]) {
                    truth = p;
                }
            }
            if (arg == labels[i]) {
                correct++;
            }
            ll += Math.log(Math.max(truth / sum, 1e-12));
        }
        return new double[] {(double) correct / n, ll / n};
    }

    private static boolean better(double[] a, double[] b) {
        return a[0] > b[0] + 1e-12 || (Math.abs(a[0] - b[0]) <= 1e-12 && a[1] > b[1] + 1e-12);
    }
}

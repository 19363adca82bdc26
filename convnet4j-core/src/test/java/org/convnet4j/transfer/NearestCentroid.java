package org.convnet4j.transfer;

import java.nio.ByteBuffer;
import java.util.Set;

/**
 * A tiny shallow classifier for core tests (the real ones are in convnet4j-ml): nearest class mean, with
 * probabilities from a softmax of negative squared distances. Its bytes are the class means as floats.
 */
final class NearestCentroid implements ShallowClassifier, ShallowClassifierProvider {
    private float[][] centroids;

    @Override
    public String algorithm() {
        return "centroid";
    }

    @Override
    public void fit(float[][] x, int[] y, int classes) {
        int d = x[0].length;
        centroids = new float[classes][d];
        int[] n = new int[classes];
        for (int i = 0; i < x.length; i++) {
            n[y[i]]++;
            for (int j = 0; j < d; j++) {
                centroids[y[i]][j] += x[i][j];
            }
        }
        for (int c = 0; c < classes; c++) {
            for (int j = 0; j < d; j++) {
                centroids[c][j] /= Math.max(1, n[c]);
            }
        }
    }

    @Override
    public double[][] predictProba(float[][] x) {
        double[][] p = new double[x.length][centroids.length];
        for (int i = 0; i < x.length; i++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < centroids.length; c++) {
                double s = 0;
                for (int j = 0; j < x[i].length; j++) {
                    double d = x[i][j] - centroids[c][j];
                    s += d * d;
                }
                p[i][c] = -s;
                max = Math.max(max, -s);
            }
            double sum = 0;
            for (int c = 0; c < centroids.length; c++) {
                p[i][c] = Math.exp(p[i][c] - max);
                sum += p[i][c];
            }
            for (int c = 0; c < centroids.length; c++) {
                p[i][c] /= sum;
            }
        }
        return p;
    }

    @Override
    public byte[] toBytes() {
        ByteBuffer b = ByteBuffer.allocate(8 + 4 * centroids.length * centroids[0].length);
        b.putInt(centroids.length).putInt(centroids[0].length);
        for (float[] c : centroids) {
            for (float v : c) {
                b.putFloat(v);
            }
        }
        return b.array();
    }

    @Override
    public Set<String> algorithms() {
        return Set.of("centroid");
    }

    @Override
    public ShallowClassifier create(String algorithm, long seed) {
        return new NearestCentroid();
    }

    @Override
    public ShallowClassifier load(String algorithm, byte[] bytes) {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        NearestCentroid c = new NearestCentroid();
        c.centroids = new float[b.getInt()][b.getInt()];
        for (float[] row : c.centroids) {
            for (int j = 0; j < row.length; j++) {
                row[j] = b.getFloat();
            }
        }
        return c;
    }
}

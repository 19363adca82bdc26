package org.convnet4j.vision;

import java.util.List;
import java.util.Locale;
import org.convnet4j.tensor.Tensor;

/**
 * The classic hand-made image kernels, each as a 2-D tensor [KH, KW], applied by cross-correlation (as
 * {@link org.convnet4j.ops.Convolution} does). The Sobel kernels are exactly the lecture's: Sobel-x
 * {@code [[1,0,-1],[2,0,-2],[1,0,-1]]} responds to vertical edges (left brighter than right gives a positive
 * value), Sobel-y {@code [[1,2,1],[0,0,0],[-1,-2,-1]]} to horizontal edges (top brighter than bottom gives a
 * positive value).
 */
public final class ClassicKernels {
    /** Largest kernel side we build; bigger ones are almost certainly a typo and would be slow. */
    public static final int MAX_SIZE = 99;

    private static final List<String> NAMES = List.of("sobel-x", "sobel-y", "prewitt-x", "prewitt-y", "scharr-x",
            "scharr-y", "laplacian", "laplacian8", "box3", "box5", "boxN (odd or even N)", "gaussian",
            "gaussian:SIGMA", "sharpen", "identity");

    private ClassicKernels() {
    }

    public static Tensor sobelX() {
        return rows(new double[][] {{1, 0, -1}, {2, 0, -2}, {1, 0, -1}});
    }

    public static Tensor sobelY() {
        return rows(new double[][] {{1, 2, 1}, {0, 0, 0}, {-1, -2, -1}});
    }

    public static Tensor prewittX() {
        return rows(new double[][] {{1, 0, -1}, {1, 0, -1}, {1, 0, -1}});
    }

    public static Tensor prewittY() {
        return rows(new double[][] {{1, 1, 1}, {0, 0, 0}, {-1, -1, -1}});
    }

    public static Tensor scharrX() {
        return rows(new double[][] {{3, 0, -3}, {10, 0, -10}, {3, 0, -3}});
    }

    public static Tensor scharrY() {
        return rows(new double[][] {{3, 10, 3}, {0, 0, 0}, {-3, -10, -3}});
    }

    /** The 4-neighbour Laplacian {@code [[0,1,0],[1,-4,1],[0,1,0]]}. */
    public static Tensor laplacian() {
        return rows(new double[][] {{0, 1, 0}, {1, -4, 1}, {0, 1, 0}});
    }

    /** The 8-neighbour Laplacian {@code [[1,1,1],[1,-8,1],[1,1,1]]}. */
    public static Tensor laplacian8() {
        return rows(new double[][] {{1, 1, 1}, {1, -8, 1}, {1, 1, 1}});
    }

    /** {@code [[0,-1,0],[-1,5,-1],[0,-1,0]]}: identity plus the negated 4-neighbour Laplacian. */
    public static Tensor sharpen() {
        return rows(new double[][] {{0, -1, 0}, {-1, 5, -1}, {0, -1, 0}});
    }

    /** k x k mean filter (every weight 1/k^2). */
    public static Tensor box(int k) {
        checkSize("box", k);
        return Tensor.full(org.convnet4j.tensor.Shape.of(k, k), (float) (1.0 / ((double) k * k)));
    }

    /** k x k kernel with a single 1 in the centre; k must be odd so that there is a centre. */
    public static Tensor identity(int k) {
        checkSize("identity", k);
        if (k % 2 == 0) {
            throw new IllegalArgumentException("identity kernel: size " + k + " is even and has no centre; use an odd"
                    + " size");
        }
        Tensor t = Tensor.zeros(k, k);
        t.set(1f, k / 2, k / 2);
        return t;
    }

    /** Gaussian of standard deviation sigma, size {@code 2*ceil(3*sigma)+1} (covers +-3 sigma), sum 1. */
    public static Tensor gaussian(double sigma) {
        if (!(sigma > 0) || !Double.isFinite(sigma)) {
            throw new IllegalArgumentException("gaussian kernel: sigma must be a finite number > 0, got " + sigma);
        }
        double size = 2 * Math.ceil(3 * sigma) + 1;
        if (size > MAX_SIZE) {
            throw new IllegalArgumentException("gaussian kernel: sigma " + sigma + " needs a " + (long) size + "x"
                    + (long) size + " kernel, larger than the maximum " + MAX_SIZE + "x" + MAX_SIZE);
        }
        return gaussian(sigma, (int) size);
    }

    /** size x size Gaussian of standard deviation sigma centred at (size-1)/2, normalised to sum 1. */
    public static Tensor gaussian(double sigma, int size) {
        if (!(sigma > 0) || !Double.isFinite(sigma)) {
            throw new IllegalArgumentException("gaussian kernel: sigma must be a finite number > 0, got " + sigma);
        }
        checkSize("gaussian", size);
        double c = (size - 1) / 2.0;
        double[] g = new double[size];
        for (int i = 0; i < size; i++) {
            double d = (i - c) / sigma;
            g[i] = Math.exp(-0.5 * d * d);
        }
        // The 2-D Gaussian is the outer product of two 1-D ones; normalise the result in double.
        double sum = 0;
        for (double a : g) {
            for (double b : g) {
                sum += a * b;
            }
        }
        Tensor t = Tensor.zeros(size, size);
        float[] d = t.data();
        for (int i = 0; i < size; i++) {
            for (int j = 0; j < size; j++) {
                d[i * size + j] = (float) (g[i] * g[j] / sum);
            }
        }
        return t;
    }

    /**
     * A kernel by name: sobel-x, sobel-y, prewitt-x, prewitt-y, scharr-x, scharr-y, laplacian, laplacian8,
     * boxN (e.g. box3, box5), gaussian (sigma 1) or gaussian:SIGMA (e.g. gaussian:2.0), sharpen, identity (3x3).
     * Case-insensitive.
     */
    public static Tensor byName(String name) {
        if (name == null) {
            throw unknown("null");
        }
        String n = name.trim().toLowerCase(Locale.ROOT);
        switch (n) {
            case "sobel-x":
                return sobelX();
            case "sobel-y":
                return sobelY();
            case "prewitt-x":
                return prewittX();
            case "prewitt-y":
                return prewittY();
            case "scharr-x":
                return scharrX();
            case "scharr-y":
                return scharrY();
            case "laplacian":
            case "laplacian4":
                return laplacian();
            case "laplacian8":
                return laplacian8();
            case "sharpen":
                return sharpen();
            case "identity":
                return identity(3);
            case "gaussian":
                return gaussian(1.0);
            default:
                break;
        }
        if (n.startsWith("gaussian:")) {
            String arg = n.substring("gaussian:".length());
            double sigma;
            try {
                sigma = Double.parseDouble(arg);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("kernel '" + name + "': sigma '" + arg + "' is not a number");
            }
            return gaussian(sigma);
        }
        if (n.matches("box[0-9]{1,3}")) {
            return box(Integer.parseInt(n.substring(3)));
        }
        throw unknown(name);
    }

    /** The names {@link #byName} understands (patterns written as boxN and gaussian:SIGMA). */
    public static List<String> names() {
        return NAMES;
    }

    private static IllegalArgumentException unknown(String name) {
        return new IllegalArgumentException("unknown kernel '" + name + "'; known kernels: " + String.join(", ", NAMES));
    }

    private static void checkSize(String what, int k) {
        if (k < 1 || k > MAX_SIZE) {
            throw new IllegalArgumentException(what + " kernel: size " + k + " must be between 1 and " + MAX_SIZE);
        }
    }

    private static Tensor rows(double[][] r) {
        return Tensor.fromRows(r);
    }
}

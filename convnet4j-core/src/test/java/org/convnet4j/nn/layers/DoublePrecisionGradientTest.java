package org.convnet4j.nn.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.convnet4j.nn.Layer;
import org.convnet4j.nn.Parameter;
import org.convnet4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * Gradient checks in double precision with PyTorch gradcheck's step (eps 1e-6) and tighter-than-gradcheck
 * tolerances (atol 1e-5, rtol 1e-4). The engine computes in float32, whose finite differences carry too much
 * rounding noise for such tolerances (hence {@link org.convnet4j.nn.GradientCheck}'s 2e-2), so the numeric side
 * differentiates an independent double-precision forward written here from the operator's definition; the
 * analytic side is the layer's own float32 backward. A negative control scales the analytic gradient by 1.001
 * and must fail: these checks see a 0.1% error, the float32 ones (2%) would not.
 */
class DoublePrecisionGradientTest {
    static final double EPS = 1e-6;
    static final double ATOL = 1e-5;
    static final double RTOL = 1e-4;

    /** A double forward of the layer: y from x and the parameters (in the layer's namedParameters order). */
    interface Forward {
        double[] apply(double[] x, List<double[]> params);
    }

    private static double[] toDouble(Tensor t) {
        double[] d = new double[t.size()];
        for (int i = 0; i < d.length; i++) {
            d[i] = t.data()[i];
        }
        return d;
    }

    private static double loss(double[] y, double[] r) {
        double s = 0;
        for (int i = 0; i < y.length; i++) {
            s += y[i] * r[i];
        }
        return s;
    }

    /** Largest |a - n| / (atol + rtol |n|) over x and every parameter; <= 1 passes. */
    private static double worst(Layer layer, Tensor x, Forward f, double analyticScale) {
        Random random = new Random(3);
        List<Parameter> params = new ArrayList<>(layer.namedParameters().values());
        for (Parameter p : params) {
            for (int i = 0; i < p.value().size(); i++) {
                p.value().data()[i] = (float) random.nextGaussian() * 0.5f;
            }
        }
        Tensor y = layer.forward(List.of(x), true);
        Tensor r = Tensor.uniform(random, -1f, 1f, y.shape().dims());
        layer.zeroGrad();
        List<Tensor> inputGrads = layer.backwardAll(r.copy());
        double[] rd = toDouble(r);
        double[] xd = toDouble(x);
        List<double[]> pd = new ArrayList<>();
        for (Parameter p : params) {
            pd.add(toDouble(p.value()));
        }
        double[] yRef = f.apply(xd, pd);
        double maxDiff = 0;
        for (int i = 0; i < yRef.length; i++) {
            maxDiff = Math.max(maxDiff, Math.abs(yRef[i] - y.data()[i]));
        }
        assertTrue(maxDiff < 1e-4, "the double forward computes the same function (max diff " + maxDiff + ")");
        List<double[]> targets = new ArrayList<>(List.of(xd));
        targets.addAll(pd);
        List<Tensor> analytic = new ArrayList<>(List.of(inputGrads.get(0)));
        for (Parameter p : params) {
            analytic.add(p.grad());
        }
        double worst = 0;
        for (int t = 0; t < targets.size(); t++) {
            double[] v = targets.get(t);
            for (int i = 0; i < v.length; i++) {
                double saved = v[i];
                v[i] = saved + EPS;
                double plus = loss(f.apply(xd, pd), rd);
                v[i] = saved - EPS;
                double minus = loss(f.apply(xd, pd), rd);
                v[i] = saved;
                double numeric = (plus - minus) / (2 * EPS);
                double a = analytic.get(t).data()[i] * analyticScale;
                worst = Math.max(worst, Math.abs(a - numeric) / (ATOL + RTOL * Math.abs(numeric)));
            }
        }
        return worst;
    }

    private static void checkWithNegativeControl(Layer layer, Tensor x, Forward f) {
        layer.outputShape(List.of(x.shape().dropFirst()));
        double ok = worst(layer, x, f, 1.0);
        assertTrue(ok <= 1.0, layer + ": worst error " + ok + " of the tolerance");
        double broken = worst(layer, x, f, 1.001);
        assertFalse(broken <= 1.0, layer + ": a 0.1% error in the gradient went unnoticed (worst " + broken + ")");
    }

    @Test
    void conv2dStridedPadded() {
        int n = 2, c = 2, h = 5, w = 6, o = 3, k = 3, s = 2, p = 1;
        int oh = (h + 2 * p - k) / s + 1, ow = (w + 2 * p - k) / s + 1;
        checkWithNegativeControl(new Conv2d(o, k).stride(s).padding(p), LayerGradientTest.randn(4, n, c, h, w), (x, ps) -> {
            double[] kernel = ps.get(0);
            double[] bias = ps.get(1);
            double[] y = new double[n * o * oh * ow];
            for (int b = 0; b < n; b++) {
                for (int f = 0; f < o; f++) {
                    for (int i = 0; i < oh; i++) {
                        for (int j = 0; j < ow; j++) {
                            double sum = bias[f];
                            for (int ch = 0; ch < c; ch++) {
                                for (int u = 0; u < k; u++) {
                                    for (int v = 0; v < k; v++) {
                                        int yy = i * s + u - p, xx = j * s + v - p;
                                        if (yy >= 0 && yy < h && xx >= 0 && xx < w) {
                                            sum += kernel[((f * c + ch) * k + u) * k + v] * x[((b * c + ch) * h + yy) * w + xx];
                                        }
                                    }
                                }
                            }
                            y[((b * o + f) * oh + i) * ow + j] = sum;
                        }
                    }
                }
            }
            return y;
        });
    }

    @Test
    void dense() {
        int n = 3, in = 7, units = 4;
        checkWithNegativeControl(new Dense(units), LayerGradientTest.randn(5, n, in), (x, ps) -> {
            double[] kernel = ps.get(0); // [units, in]
            double[] bias = ps.get(1);
            double[] y = new double[n * units];
            for (int b = 0; b < n; b++) {
                for (int u = 0; u < units; u++) {
                    double sum = bias[u];
                    for (int i = 0; i < in; i++) {
                        sum += kernel[u * in + i] * x[b * in + i];
                    }
                    y[b * units + u] = sum;
                }
            }
            return y;
        });
    }

    @Test
    void maxPoolWithoutTies() {
        int n = 1, c = 2, h = 4, w = 6;
        // values 0.05 apart: a step of 1e-6 never changes which element wins
        checkWithNegativeControl(new MaxPool2d(2), LayerGradientTest.noTies(6, n, c, h, w), (x, ps) -> {
            double[] y = new double[n * c * (h / 2) * (w / 2)];
            for (int b = 0; b < n * c; b++) {
                for (int i = 0; i < h / 2; i++) {
                    for (int j = 0; j < w / 2; j++) {
                        double m = Double.NEGATIVE_INFINITY;
                        for (int u = 0; u < 2; u++) {
                            for (int v = 0; v < 2; v++) {
                                m = Math.max(m, x[(b * h + 2 * i + u) * w + 2 * j + v]);
                            }
                        }
                        y[(b * (h / 2) + i) * (w / 2) + j] = m;
                    }
                }
            }
            return y;
        });
        assertEquals(1e-6, EPS);
    }
}

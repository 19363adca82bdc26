package org.convnet4j.train.optim;

import static org.junit.jupiter.api.Assertions.*;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import org.convnet4j.nn.Parameter;
import org.convnet4j.nn.init.Initializer;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

class OptimizerTest {
    private static final double TOL = 1e-6;

    private static Parameter param(String name, float... values) {
        Parameter p = Parameter.learnable(name, Shape.of(values.length), Initializer.ZEROS, 1, 1);
        p.load(Tensor.of(values, values.length));
        return p;
    }

    private static void setGrad(Parameter p, float... g) {
        System.arraycopy(g, 0, p.grad().data(), 0, g.length);
    }

    private static List<ParamGroup> group(Parameter... ps) {
        Map<String, Parameter> m = new LinkedHashMap<>();
        for (Parameter p : ps) {
            m.put(p.name(), p);
        }
        return List.of(ParamGroup.of("g", m));
    }

    @Test
    void sgdWithWeightDecayIsOneStepOfPlainGradientDescent() {
        Parameter w = param("w", 1f, -2f);
        Sgd sgd = new Sgd(group(w), 0.1).weightDecay(0.01);
        setGrad(w, 0.5f, 0.25f);
        sgd.step();
        assertEquals(1 - 0.1 * (0.5 + 0.01 * 1), w.value().data()[0], TOL);
        assertEquals(-2 - 0.1 * (0.25 + 0.01 * -2), w.value().data()[1], TOL);
        assertEquals(1, sgd.stepCount());
    }

    @Test
    void sgdMomentumAndNesterovOverTwoSteps() {
        double lr = 0.1;
        double mu = 0.9;
        double[][] grads = {{0.5, -1}, {0.2, 0.3}};
        for (boolean nesterov : new boolean[] {false, true}) {
            Parameter w = param("w", 1f, 2f);
            Sgd sgd = new Sgd(group(w), lr).momentum(mu).nesterov(nesterov);
            double[] theta = {1, 2};
            double[] buf = new double[2];
            for (int s = 0; s < 2; s++) {
                setGrad(w, (float) grads[s][0], (float) grads[s][1]);
                sgd.step();
                for (int i = 0; i < 2; i++) {
                    double g = grads[s][i];
                    buf[i] = s == 0 ? g : mu * buf[i] + g; // PyTorch: first buffer is the gradient itself
                    theta[i] -= lr * (nesterov ? g + mu * buf[i] : buf[i]);
                    assertEquals(theta[i], w.value().data()[i], TOL, "nesterov=" + nesterov + " step " + s);
                }
            }
            assertEquals(buf[1], sgd.state().get("w.momentum_buffer").data()[1], TOL);
        }
        assertThrows(IllegalArgumentException.class, () -> new Sgd(group(param("x", 1f)), 0.1).nesterov(true));
    }

    @Test
    void adamTwoStepsWithBiasCorrectionAndCoupledDecay() {
        double lr = 0.01;
        double b1 = 0.9;
        double b2 = 0.999;
        double eps = 1e-8;
        double wd = 0.1;
        Parameter w = param("w", 0.5f, -1.5f);
        Adam adam = new Adam(group(w), lr).weightDecay(wd);
        double[] theta = {0.5, -1.5};
        double[] m = new double[2];
        double[] v = new double[2];
        double[][] grads = {{0.3, -0.02}, {-0.1, 0.4}};
        for (int t = 1; t <= 2; t++) {
            setGrad(w, (float) grads[t - 1][0], (float) grads[t - 1][1]);
            adam.step();
            for (int i = 0; i < 2; i++) {
                double g = grads[t - 1][i] + wd * theta[i];
                m[i] = b1 * m[i] + (1 - b1) * g;
                v[i] = b2 * v[i] + (1 - b2) * g * g;
                double mHat = m[i] / (1 - Math.pow(b1, t));
                double vHat = v[i] / (1 - Math.pow(b2, t));
                theta[i] -= lr * mHat / (Math.sqrt(vHat) + eps);
                assertEquals(theta[i], w.value().data()[i], TOL, "step " + t + " element " + i);
            }
        }
        // first step of Adam moves each weight by about lr against the gradient's sign
        assertEquals(v[1], adam.state().get("w.exp_avg_sq").data()[1], 1e-9);
    }

    @Test
    void adamWDecaysWeightsOutsideTheMoments() {
        double lr = 0.01;
        double wd = 0.5;
        Parameter w = param("w", 2f, -3f);
        AdamW adamw = new AdamW(group(w), lr);
        adamw.weightDecay(wd);
        setGrad(w, 0.4f, 0.1f);
        adamw.step();
        double[] theta0 = {2, -3};
        double[] g = {0.4, 0.1};
        for (int i = 0; i < 2; i++) {
            // t = 1: mHat = g, vHat = g^2
            double expected = theta0[i] * (1 - lr * wd) - lr * g[i] / (Math.abs(g[i]) + 1e-8);
            assertEquals(expected, w.value().data()[i], TOL);
        }
        // the moments saw the raw gradient only
        assertEquals(0.1 * 0.4, adamw.state().get("w.exp_avg").data()[0], 1e-8);
        assertEquals(0.01, new AdamW(group(param("z", 1f)), 1e-3).weightDecay());
    }

    @Test
    void frozenParametersAndGroupsStayBitIdentical() {
        List<BiFunction<List<ParamGroup>, Double, Optimizer>> makers = List.of(
                (g, lr) -> new Sgd(g, lr).momentum(0.9).weightDecay(0.1),
                (g, lr) -> new Adam(g, lr).weightDecay(0.1),
                (g, lr) -> new AdamW(g, lr).weightDecay(0.1));
        for (BiFunction<List<ParamGroup>, Double, Optimizer> make : makers) {
            Parameter frozenParam = param("frozen", 0.7f, -0.3f);
            frozenParam.setFrozen(true);
            Parameter inFrozenGroup = param("head_off", 1.25f, 3f);
            Parameter live = param("live", 1f, 1f);
            Map<String, Parameter> a = new LinkedHashMap<>();
            a.put("frozen", frozenParam);
            a.put("live", live);
            List<ParamGroup> groups = List.of(ParamGroup.of("a", a),
                    ParamGroup.of("b", Map.of("head_off", inFrozenGroup)).frozen(true));
            Optimizer opt = make.apply(groups, 0.1);
            Tensor frozenBefore = frozenParam.value().copy();
            Tensor groupBefore = inFrozenGroup.value().copy();
            for (int s = 0; s < 3; s++) {
                setGrad(frozenParam, 1f, 1f);
                setGrad(inFrozenGroup, 1f, 1f);
                setGrad(live, 1f, 1f);
                opt.step();
            }
            assertArrayEquals(frozenBefore.data(), frozenParam.value().data(), opt.name());
            assertArrayEquals(groupBefore.data(), inFrozenGroup.value().data(), opt.name());
            assertNotEquals(1f, live.value().data()[0], opt.name());
            for (String key : opt.state().keySet()) {
                assertFalse(key.startsWith("frozen.") || key.startsWith("head_off."), opt.name() + " kept state " + key);
            }
            assertEquals(Map.of("live", live), opt.trainableParameters());
        }
    }

    @Test
    void stateRoundTripResumesExactly() {
        for (String kind : List.of("sgd", "adam")) {
            Parameter a = param("a", 0.1f, 0.2f);
            Parameter b = param("a", 0.1f, 0.2f);
            Optimizer first = kind.equals("sgd") ? new Sgd(group(a), 0.05).momentum(0.8) : new Adam(group(a), 0.05);
            Optimizer second = kind.equals("sgd") ? new Sgd(group(b), 0.05).momentum(0.8) : new Adam(group(b), 0.05);
            float[][] grads = {{1f, -2f}, {0.5f, 0.25f}, {-1f, 3f}, {0.1f, 0.1f}};
            for (int s = 0; s < 2; s++) {
                setGrad(a, grads[s]);
                first.step();
            }
            b.load(a.value());
            second.loadState(first.state());
            assertEquals(2, second.stepCount());
            for (int s = 2; s < 4; s++) {
                setGrad(a, grads[s]);
                first.step();
                setGrad(b, grads[s]);
                second.step();
            }
            assertArrayEquals(a.value().data(), b.value().data(), kind);
        }
    }

    @Test
    void loadStateNamesWhatDoesNotFit() {
        Parameter w = param("w", 1f, 2f);
        Adam adam = new Adam(group(w), 0.1);
        Map<String, Tensor> bad = new LinkedHashMap<>();
        bad.put("step", AbstractOptimizer.encodeCount(1));
        bad.put("w.exp_avg", Tensor.zeros(3));
        bad.put("q.exp_avg", Tensor.zeros(2));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> adam.loadState(bad));
        assertTrue(e.getMessage().contains("'w.exp_avg' is [3]") && e.getMessage().contains("'q.exp_avg'"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> adam.loadState(Map.of()));
    }

    @Test
    void countsSurviveFloat32Encoding() {
        for (long n : new long[] {0, 1, (1 << 24) + 1, 123_456_789_012L}) {
            assertEquals(n, AbstractOptimizer.decodeCount("n", AbstractOptimizer.encodeCount(n)));
        }
    }

    @Test
    void optimisersConvergeOnAQuadratic() {
        // f(θ) = Σ a_i (θ_i - c_i)², minimum at c
        double[] a = {1, 10};
        double[] c = {3, -2};
        List<BiFunction<List<ParamGroup>, Double, Optimizer>> makers = List.of(
                (g, lr) -> new Sgd(g, 0.02).momentum(0.9),
                (g, lr) -> new Sgd(g, 0.02).momentum(0.9).nesterov(true),
                (g, lr) -> new Adam(g, 0.1),
                (g, lr) -> new AdamW(g, 0.1).weightDecay(0));
        for (BiFunction<List<ParamGroup>, Double, Optimizer> make : makers) {
            Parameter w = param("w", 0f, 0f);
            Optimizer opt = make.apply(group(w), 0.0);
            LrSchedule schedule = LrSchedule.cosine(opt.learningRate(), 0, 500, LrSchedule.Unit.STEPS);
            for (int s = 0; s < 500; s++) {
                opt.setLearningRate(schedule.learningRate(0, s));
                opt.zeroGrad();
                float[] th = w.value().data();
                setGrad(w, (float) (2 * a[0] * (th[0] - c[0])), (float) (2 * a[1] * (th[1] - c[1])));
                opt.step();
            }
            assertEquals(c[0], w.value().data()[0], 1e-2, opt.name());
            assertEquals(c[1], w.value().data()[1], 1e-2, opt.name());
        }
    }

    @Test
    void clippingByGlobalNormAndByValue() {
        Parameter p = param("p", 0f, 0f);
        Parameter q = param("q", 0f);
        setGrad(p, 3f, 0f);
        setGrad(q, 4f);
        Sgd sgd = new Sgd(group(p, q), 1);
        double norm = GradientClipping.byGlobalNorm(1).apply(sgd);
        assertEquals(5, norm, 1e-9);
        assertEquals(3 / 5.0, p.grad().data()[0], 1e-6);
        assertEquals(4 / 5.0, q.grad().data()[0], 1e-6);
        // below the limit: untouched
        GradientClipping.byGlobalNorm(10).apply(sgd);
        assertEquals(4 / 5.0, q.grad().data()[0], 1e-6);
        setGrad(p, -3f, 0.5f);
        GradientClipping.byValue(1).apply(sgd);
        assertArrayEquals(new float[] {-1f, 0.5f}, p.grad().data());
    }

    @Test
    void schedulesAtKnownSteps() {
        LrSchedule step = LrSchedule.step(0.1, 3, 0.5);
        assertEquals(0.1, step.learningRate(0, 0), 1e-15);
        assertEquals(0.1, step.learningRate(2, 999), 1e-15);
        assertEquals(0.05, step.learningRate(3, 0), 1e-15);
        assertEquals(0.025, step.learningRate(7, 0), 1e-15);

        LrSchedule cos = LrSchedule.cosine(1.0, 0.1, 10, LrSchedule.Unit.EPOCHS);
        assertEquals(1.0, cos.learningRate(0, 0), 1e-12);
        assertEquals(0.55, cos.learningRate(5, 0), 1e-12); // halfway: mean of max and min
        assertEquals(0.1 + 0.9 * (1 + Math.cos(Math.PI * 0.3)) / 2, cos.learningRate(3, 0), 1e-12);
        assertEquals(0.1, cos.learningRate(10, 0), 1e-12);
        assertEquals(0.1, cos.learningRate(25, 0), 1e-12);

        LrSchedule warm = LrSchedule.warmup(4, LrSchedule.constant(0.2));
        assertEquals(0.05, warm.learningRate(0, 0), 1e-12);
        assertEquals(0.15, warm.learningRate(0, 2), 1e-12);
        assertEquals(0.2, warm.learningRate(0, 3), 1e-12);
        assertEquals(0.2, warm.learningRate(1, 100), 1e-12);
        assertEquals(0.3, LrSchedule.constant(0.3).learningRate(9, 9));
        assertThrows(IllegalArgumentException.class, () -> LrSchedule.step(0.1, 0, 0.5));
    }

    @Test
    void groupLearningRateScaleAndDecayOverride() {
        Parameter back = param("back", 1f);
        Parameter head = param("head", 1f);
        List<ParamGroup> groups = List.of(ParamGroup.of("backbone", Map.of("back", back)).lrScale(0.1),
                ParamGroup.of("head", Map.of("head", head)).weightDecay(0.5));
        Sgd sgd = new Sgd(groups, 1.0);
        setGrad(back, 1f);
        setGrad(head, 1f);
        sgd.step();
        assertEquals(1 - 0.1 * 1, back.value().data()[0], TOL);
        assertEquals(1 - 1.0 * (1 + 0.5 * 1), head.value().data()[0], TOL);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Sgd(List.of(ParamGroup.of("x", Map.of("back", back)), ParamGroup.of("y", Map.of("back", back))), 1));
        assertTrue(e.getMessage().contains("back"), e.getMessage());
    }
}

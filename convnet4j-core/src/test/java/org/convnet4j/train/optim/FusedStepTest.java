package org.convnet4j.train.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import org.convnet4j.nn.Parameter;
import org.convnet4j.nn.init.Initializer;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.tensor.kernels.KernelProvider;
import org.convnet4j.tensor.kernels.Kernels;
import org.convnet4j.tensor.kernels.ParallelChunks;
import org.junit.jupiter.api.Test;

/**
 * {@link AbstractOptimizer#fusedStep}: one parallel call for every parameter's update gives the bits of the step
 * parameter by parameter (the old path, on the default kernels) at 1, 2 and 3 threads, for SGD (momentum, Nesterov,
 * dampening, none), Adam and AdamW, over four steps: parameters of several chunks, shorter than a chunk, of one value
 * and of lengths no vector divides, so that chunks end inside parameters and hold several; a frozen parameter, a frozen
 * group, and a group with its own rate scale and weight decay. The weights and the whole saved state (momentum
 * buffers, moments, step counts) are compared, and the fused step makes one hand-off per step on two threads.
 */
class FusedStepTest {
    private static final int C = ParallelChunks.VALUES;
    private static final int[] SIZES = {3 * C + 17, 5, 1, C - 1, 2 * C + 1, 40_000, 7, 333};
    private static final int STEPS = 4;

    private static final Map<String, Function<List<ParamGroup>, AbstractOptimizer>> OPTIMIZERS = new LinkedHashMap<>();

    static {
        OPTIMIZERS.put("sgd momentum nesterov decay", g -> new Sgd(g, 0.05).momentum(0.9).nesterov(true)
                .weightDecay(0.01));
        OPTIMIZERS.put("sgd momentum dampening", g -> new Sgd(g, 0.05).momentum(0.8).dampening(0.3));
        OPTIMIZERS.put("sgd plain", g -> new Sgd(g, 0.05));
        OPTIMIZERS.put("adam decay", g -> new Adam(g, 0.01).weightDecay(0.02));
        OPTIMIZERS.put("adamw", g -> new AdamW(g, 0.01));
    }

    @Test
    void oneCallGivesTheBitsOfTheStepParameterByParameter() {
        for (Map.Entry<String, Function<List<ParamGroup>, AbstractOptimizer>> o : OPTIMIZERS.entrySet()) {
            Run reference = run(o.getValue(), false, null);
            for (int threads = 1; threads <= 3; threads++) {
                Kernels k = KernelProvider.vector(threads);
                Run fused = run(o.getValue(), true, k);
                String what = o.getKey() + ", " + threads + " threads";
                for (int i = 0; i < reference.weights.size(); i++) {
                    assertArrayEquals(reference.weights.get(i), fused.weights.get(i), what + ", parameter " + i);
                }
                assertEquals(reference.state.keySet(), fused.state.keySet(), what);
                for (String key : reference.state.keySet()) {
                    assertArrayEquals(reference.state.get(key), fused.state.get(key), what + ", state " + key);
                }
                assertEquals(threads > 1 ? STEPS : 0, fused.handOffs, what + ": one parallel call per step");
            }
        }
    }

    @Test
    void theStepChangesTheWeightsItShouldAndNoOthers() {
        // the comparison above holds for a step that does nothing too: the fused step must move every trainable value
        Run before = run(OPTIMIZERS.get("sgd momentum nesterov decay"), true, KernelProvider.vector(2), 0);
        Run after = run(OPTIMIZERS.get("sgd momentum nesterov decay"), true, KernelProvider.vector(2));
        for (int i = 0; i < SIZES.length; i++) {
            float[] a = before.weights.get(i);
            float[] b = after.weights.get(i);
            boolean frozen = i == 4 || i >= 6;
            for (int j = 0; j < a.length; j++) {
                if (frozen) {
                    assertEquals(a[j], b[j], "frozen parameter " + i + " value " + j + " untouched");
                } else {
                    assertTrue(a[j] != b[j], "parameter " + i + " value " + j + " updated");
                }
            }
        }
    }

    private record Run(List<float[]> weights, Map<String, float[]> state, long handOffs) {
    }

    private static Run run(Function<List<ParamGroup>, AbstractOptimizer> make, boolean fused, Kernels k) {
        return run(make, fused, k, STEPS);
    }

    /**
     * {@code steps} steps on fresh parameters (seeded: every run starts from the same values and meets the same
     * gradients) in three groups: a = p0-p4 (p4 frozen), c = p5 (rate x0.5, decay 0.03), b = p6-p7 (a frozen group).
     */
    private static Run run(Function<List<ParamGroup>, AbstractOptimizer> make, boolean fused, Kernels k, int steps) {
        Random random = new Random(11);
        List<Parameter> params = new ArrayList<>();
        for (int i = 0; i < SIZES.length; i++) {
            Parameter p = Parameter.learnable("p" + i, Shape.of(SIZES[i]), Initializer.ZEROS, 1, 1);
            p.load(Tensor.randn(random, 1f, SIZES[i]));
            params.add(p);
        }
        params.get(4).setFrozen(true);
        Map<String, Parameter> a = new LinkedHashMap<>();
        for (int i = 0; i <= 4; i++) {
            a.put("p" + i, params.get(i));
        }
        ParamGroup c = ParamGroup.of("c", Map.of("p5", params.get(5))).lrScale(0.5).weightDecay(0.03);
        Map<String, Parameter> b = new LinkedHashMap<>();
        b.put("p6", params.get(6));
        b.put("p7", params.get(7));
        AbstractOptimizer opt = make.apply(List.of(ParamGroup.of("a", a), c, ParamGroup.of("b", b).frozen(true)));
        if (k != null) {
            opt.useKernels(k);
        }
        boolean was = AbstractOptimizer.fusedStep;
        AbstractOptimizer.fusedStep = fused;
        long handOffs;
        try {
            long h0 = KernelProvider.handOffs();
            for (int s = 0; s < steps; s++) {
                for (Parameter p : params) {
                    float[] g = Tensor.randn(random, 1f, p.shape().size()).data();
                    System.arraycopy(g, 0, p.grad().data(), 0, g.length);
                }
                opt.step();
            }
            handOffs = KernelProvider.handOffs() - h0;
        } finally {
            AbstractOptimizer.fusedStep = was;
        }
        List<float[]> weights = new ArrayList<>();
        for (Parameter p : params) {
            weights.add(p.value().data().clone());
        }
        Map<String, float[]> state = new LinkedHashMap<>();
        opt.state().forEach((key, t) -> state.put(key, t.data()));
        return new Run(weights, state, handOffs);
    }
}

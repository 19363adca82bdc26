package org.convnet4j.nn.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.convnet4j.nn.JsonLike;
import org.convnet4j.nn.Layer;
import org.convnet4j.nn.Model;
import org.convnet4j.nn.ModelSpec;
import org.convnet4j.nn.Parameter;
import org.convnet4j.nn.Sequential;
import org.convnet4j.ops.PadMode;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The contract every layer keeps, over many configurations (in the spirit of Keras' run_layer_test):
 * the shape announced at build time is the shape forward produces, the parameter count and MACs are the
 * hand-computed ones, the spec survives a JSON-like round trip (same config, same output for the same
 * weights), and one plain gradient step against L = sum(y * r) lowers L on that batch.
 */
class LayerContractTest {
    record Case(String label, Supplier<Layer> make, Shape input, long params, long macs) {
        @Override
        public String toString() {
            return label;
        }
    }

    static Stream<Arguments> cases() {
        return Stream.of(
                new Case("conv 3x3", () -> new Conv2d(4, 3), Shape.of(2, 6, 6), 4 * 2 * 9 + 4, 4L * 4 * 4 * 9 * 2),
                new Case("conv same stride 2", () -> new Conv2d(4, 3).padding("same").stride(2), Shape.of(2, 7, 7),
                        76, 4L * 4 * 4 * 9 * 2),
                new Case("conv groups dilation no bias", () -> new Conv2d(4, 1, 3).groups(2).dilation(2).useBias(false),
                        Shape.of(2, 5, 7), 4 * 3, 5L * 3 * 4 * 3),
                new Case("conv reflect", () -> new Conv2d(2, 3).padding(1).padMode(PadMode.REFLECT), Shape.of(1, 4, 4),
                        20, 4L * 4 * 2 * 9),
                new Case("conv replicate 1,0,2,1", () -> new Conv2d(3, 2, 3).padding("1,0,2,1").padMode(PadMode.REPLICATE),
                        Shape.of(2, 4, 4), 3 * 2 * 6 + 3, 4L * 5 * 3 * 6 * 2),
                new Case("max pool 2", () -> new MaxPool2d(2), Shape.of(2, 4, 4), 0, 0),
                new Case("max pool 3 s2 same", () -> new MaxPool2d(3).stride(2).padding("same"), Shape.of(2, 5, 5), 0, 0),
                new Case("avg pool incl pad", () -> new AvgPool2d(3).stride(1).padding(1).countIncludePad(true),
                        Shape.of(2, 4, 4), 0, 0),
                new Case("avg pool 2x3", () -> new AvgPool2d(2, 3), Shape.of(1, 4, 6), 0, 0),
                new Case("lp pool p2", () -> new LpPool2d(2, 2), Shape.of(2, 4, 4), 0, 0),
                new Case("lp pool p3 s1", () -> new LpPool2d(3, 2).stride(1), Shape.of(2, 3, 3), 0, 0),
                new Case("global avg", GlobalAvgPool2d::new, Shape.of(3, 4, 4), 0, 0),
                new Case("global max", GlobalMaxPool2d::new, Shape.of(3, 4, 4), 0, 0),
                new Case("leaky relu", () -> new LeakyReLU(0.2), Shape.of(2, 3, 3), 0, 0),
                new Case("sigmoid", Sigmoid::new, Shape.of(5), 0, 0),
                new Case("tanh", Tanh::new, Shape.of(5), 0, 0),
                new Case("softmax", Softmax::new, Shape.of(6), 0, 0),
                new Case("dropout", () -> new Dropout(0.3).seed(1).freezeMask(true), Shape.of(8), 0, 0),
                new Case("batchnorm 2d", BatchNorm2d::new, Shape.of(3, 4, 4), 6, 0),
                new Case("batchnorm 1d", () -> new BatchNorm1d().momentum(0.3), Shape.of(5), 10, 0),
                new Case("lrn", () -> new LRN(3, 0.1, 0.75, 1), Shape.of(4, 3, 3), 0, 0),
                new Case("zero pad", () -> new ZeroPad2d(1, 0, 2, 1), Shape.of(2, 3, 3), 0, 0),
                new Case("dense", () -> new Dense(3), Shape.of(5), 18, 15),
                new Case("flatten", Flatten::new, Shape.of(2, 3, 3), 0, 0),
                new Case("relu", ReLU::new, Shape.of(7), 0, 0)
        ).map(Arguments::of);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void layerContract(Case c) {
        Layer layer = c.make().get();
        Sequential m = new Sequential(c.input(), layer);
        Shape announced = layer.outputShape(c.input());
        Tensor x = LayerGradientTest.noTies(7, c.input().prepend(3).dims());
        Tensor y = m.forward(x, true);
        assertEquals(announced.prepend(3), y.shape(), "forward shape");
        assertEquals(c.params(), layer.parameterCount(), "parameter count");
        assertEquals(c.macs(), layer.macs(List.of(c.input())), "MACs");

        // spec round trip: the same config, and with the same weights the same output
        Map<String, Object> spec = JsonLike.roundTrip(ModelSpec.toMap(m));
        Model back = ModelSpec.fromMap(spec);
        assertEquals(spec, JsonLike.roundTrip(ModelSpec.toMap(back)));
        m.namedParameters().forEach((k, p) -> back.namedParameters().get(k).load(p.value()));
        assertEquals(m.namedParameters().keySet(), back.namedParameters().keySet());
        assertEquals(0f, m.predict(x).maxAbsDiff(back.predict(x)), "same output after the round trip");

        // one gradient step lowers L = sum(y * r): on the parameters if there are any, else on the input
        Tensor r = Tensor.uniform(new Random(3), -1f, 1f, y.shape().dims());
        double before = loss(m.forward(x, true), r);
        m.zeroGrad();
        Tensor dx = m.backwardAll(r).get(0);
        List<Parameter> learnable = m.learnableParameters().values().stream().toList();
        if (learnable.isEmpty()) {
            step(x.data(), dx.data());
        } else {
            for (Parameter p : learnable) {
                step(p.value().data(), p.grad().data());
            }
        }
        double after = loss(m.forward(x, true), r);
        assertTrue(after < before, "L went from " + before + " to " + after);
    }

    private static void step(float[] values, float[] grads) {
        for (int i = 0; i < values.length; i++) {
            values[i] -= 0.1f * grads[i];
        }
    }

    private static double loss(Tensor y, Tensor r) {
        double s = 0;
        for (int i = 0; i < y.size(); i++) {
            s += (double) y.data()[i] * r.data()[i];
        }
        return s;
    }
}

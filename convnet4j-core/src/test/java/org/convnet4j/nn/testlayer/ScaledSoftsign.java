package org.convnet4j.nn.testlayer;

import java.util.List;
import java.util.Map;
import org.convnet4j.nn.GradMode;
import org.convnet4j.nn.LayerType;
import org.convnet4j.nn.OnnxForm;
import org.convnet4j.nn.Parameter;
import org.convnet4j.nn.UnaryLayer;
import org.convnet4j.nn.init.Initializer;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;

/**
 * A layer type that exists only in the tests, added in this one file (and its service entry): {@code y = scale *
 * x / (alpha + |x|)}, a learnable scalar {@code scale} and a config value {@code alpha}. Its {@link Type} is all
 * the library is told, and with it the type gets model-file save/load (ModelSpecTest), the double-precision
 * gradient check (DoublePrecisionGradientTest) and ONNX export and import (convnet4j-io's LayerTypeOnnxTest),
 * none of which names it.
 */
public final class ScaledSoftsign extends UnaryLayer {
    public static final String TYPE = "TestScaledSoftsign";
    /** The ONNX domain of its operator (a custom domain: no ONNX operator computes this). */
    public static final String DOMAIN = "org.convnet4j.test";

    private final double alpha;
    private Parameter scale;
    private Tensor x;

    public ScaledSoftsign(double alpha) {
        if (!(alpha > 0)) {
            throw new IllegalArgumentException("layer type " + TYPE + ": alpha must be > 0, got " + alpha);
        }
        this.alpha = alpha;
    }

    public Parameter scale() {
        return scale;
    }

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    protected boolean isBuilt() {
        return scale != null;
    }

    @Override
    protected Shape outputShapeOf(Shape input) {
        if (scale == null) {
            scale = Parameter.learnable("scale", Shape.of(1), Initializer.named("one", (t, in, o, r) -> t.fill(1f)), 1, 1);
            setTrainable(isTrainable());
        }
        return input;
    }

    @Override
    public Tensor forward(Tensor input, boolean training) {
        outputShapeOf(input.shape().dropFirst());
        float s = scale.value().data()[0];
        float[] xd = input.data();
        Tensor y = Tensor.zeros(input.shape());
        for (int i = 0; i < xd.length; i++) {
            y.data()[i] = (float) (s * xd[i] / (alpha + Math.abs(xd[i])));
        }
        x = GradMode.keep(input);
        return y;
    }

    @Override
    public Tensor backward(Tensor dy) {
        Tensor in = fromForward(x);
        float s = scale.value().data()[0];
        float[] xd = in.data();
        float[] g = dy.data();
        Tensor dx = Tensor.zeros(in.shape());
        double ds = 0;
        for (int i = 0; i < xd.length; i++) {
            double d = alpha + Math.abs(xd[i]);
            dx.data()[i] = (float) (g[i] * s * alpha / (d * d));
            ds += g[i] * xd[i] / d;
        }
        scale.grad().data()[0] += (float) ds;
        return dx;
    }

    @Override
    public List<Parameter> parameters() {
        return scale == null ? List.of() : List.of(scale);
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = super.config();
        c.put("alpha", alpha);
        return c;
    }

    /** The type's one description: name, config reader, ONNX form, an example with its double forward. */
    public static final class Type extends LayerType.Definition<ScaledSoftsign> {
        public Type() {
            super(LayerType.of(TYPE, ScaledSoftsign.class, c -> new ScaledSoftsign(c.doubleValue("alpha", 1)))
                    .onnx(new Onnx())
                    .example("TestScaledSoftsign alpha 0.5", () -> new ScaledSoftsign(0.5), new int[][] {{2, 3, 4}},
                            (xs, ps) -> {
                                double[] y = new double[xs[0].length];
                                for (int i = 0; i < y.length; i++) {
                                    y[i] = ps.get("scale")[0] * xs[0][i] / (0.5 + Math.abs(xs[0][i]));
                                }
                                return y;
                            }));
        }
    }

    /** One node of the custom domain: the input and the scale (an initializer, learned again on import). */
    static final class Onnx implements OnnxForm<ScaledSoftsign> {
        private static final Operator OP = new Operator(DOMAIN, "ScaledSoftsign", 1, "scale input (learned), alpha");

        @Override
        public void export(ScaledSoftsign layer, Export out) {
            out.node(DOMAIN, 1, OP.type(), "", List.of(out.inputs().get(0), out.initializer("scale",
                    layer.scale().value())), out.output(), Map.of("alpha", layer.alpha));
        }

        @Override
        public List<Operator> imports() {
            return List.of(OP);
        }

        @Override
        public ScaledSoftsign importNode(Import node) {
            if (node.inputCount() != 2 || !node.isConstant(1) || node.constant(1).size() != 1) {
                throw node.unsupported("needs the input and a constant one-value scale");
            }
            return new ScaledSoftsign(node.floatAttribute("alpha", 1f));
        }

        @Override
        public void loadParameters(ScaledSoftsign layer, Import node) {
            layer.scale().load(node.constant(1).reshape(1));
        }
    }
}

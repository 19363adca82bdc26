package org.convnet4j.nn;

import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import org.convnet4j.nn.init.Initializer;
import org.convnet4j.nn.layers.Add;
import org.convnet4j.nn.layers.Arithmetic;
import org.convnet4j.nn.layers.ArithmeticOp;
import org.convnet4j.nn.layers.AxisSoftmax;
import org.convnet4j.nn.layers.Clip;
import org.convnet4j.nn.layers.ConstantArithmetic;
import org.convnet4j.nn.layers.PadNd;
import org.convnet4j.nn.layers.Reshape;
import org.convnet4j.nn.layers.AvgPool2d;
import org.convnet4j.nn.layers.BatchNorm1d;
import org.convnet4j.nn.layers.BatchNorm2d;
import org.convnet4j.nn.layers.Concat;
import org.convnet4j.nn.layers.ConnectionTableConv2d;
import org.convnet4j.nn.layers.Conv2d;
import org.convnet4j.nn.layers.ConvTranspose2d;
import org.convnet4j.nn.layers.DecisionFusion;
import org.convnet4j.nn.layers.Dense;
import org.convnet4j.nn.layers.Dropout;
import org.convnet4j.nn.layers.Flatten;
import org.convnet4j.nn.layers.GlobalAvgPool2d;
import org.convnet4j.nn.layers.GlobalMaxPool2d;
import org.convnet4j.nn.layers.LRN;
import org.convnet4j.nn.layers.LeakyReLU;
import org.convnet4j.nn.layers.LpPool2d;
import org.convnet4j.nn.layers.MaxPool2d;
import org.convnet4j.nn.layers.RbfOutput;
import org.convnet4j.nn.layers.ReLU;
import org.convnet4j.nn.layers.ScaledTanh;
import org.convnet4j.nn.layers.Sigmoid;
import org.convnet4j.nn.layers.Softmax;
import org.convnet4j.nn.layers.Tanh;
import org.convnet4j.nn.layers.TrainableSubsampling;
import org.convnet4j.nn.layers.WeightedSum;
import org.convnet4j.nn.layers.ZeroPad2d;
import org.convnet4j.ops.PadMode;
import org.convnet4j.ops.PaddingSpec;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;

/**
 * Rebuilds an (unbuilt) layer from its {@link Layer#type()} and {@link Layer#config()}, as saved in
 * checkpoints. Models (Sequential, Graph) have structure beyond a config and are rebuilt by {@link ModelSpec}.
 * Unknown types and unknown config keys fail with a message listing what is known.
 */
public final class LayerFactory {
    private static final Map<String, Function<LayerConfig, Layer>> BUILDERS = new TreeMap<>();

    static {
        register("Dense", c -> (c.boolValue("use_bias", true) ? new Dense(c.intValue("units")) : Dense.withoutBias(c.intValue("units")))
                .init(Initializer.byId(c.string("kernel_init", "glorot_uniform")))
                .over(c.boolValue("over_last_axis", false) ? Dense.Over.LAST_AXIS : Dense.Over.WHOLE_SAMPLE));
        register("Elementwise", c -> new org.convnet4j.nn.layers.Elementwise(
                org.convnet4j.nn.layers.Elementwise.Fn.parse(c.string("fn", "identity")), c.doubleValue("alpha", 1),
                c.doubleValue("beta", 0)));
        register("Transpose", c -> new org.convnet4j.nn.layers.Transpose(c.intArray("perm")));
        register("Slice", c -> new org.convnet4j.nn.layers.Slice(c.intArray("starts"), c.intArray("ends"),
                c.intArray("steps")));
        register("Take", c -> new org.convnet4j.nn.layers.Take(c.intValue("axis"), c.intArray("indices"),
                c.boolValue("drop_axis", false)));
        register("Reduce", c -> new org.convnet4j.nn.layers.Reduce(
                org.convnet4j.nn.layers.Reduce.Op.parse(c.string("op", "mean")), c.intArray("axes"),
                c.boolValue("keep_dims", true)));
        register("LayerNorm", c -> new org.convnet4j.nn.layers.LayerNorm(c.intValue("axes", 1),
                c.doubleValue("eps", 1e-5)));
        register("MatMul", c -> new org.convnet4j.nn.layers.MatMul());
        register("DilatedMaxPool2d", c -> new org.convnet4j.nn.layers.DilatedMaxPool2d(c.intArray("kernel"),
                c.intArray("strides"), c.intArray("dilations"), c.intArray("pads"), c.boolValue("ceil_mode", false)));
        register("DilatedAvgPool2d", c -> new org.convnet4j.nn.layers.DilatedAvgPool2d(c.intArray("kernel"),
                c.intArray("strides"), c.intArray("dilations"), c.intArray("pads"), c.boolValue("ceil_mode", false),
                c.boolValue("count_include_pad", false)));
        register("PRelu", c -> new org.convnet4j.nn.layers.PRelu(Shape.of(c.intArray("slope_shape"))));
        register("ArgMax", c -> new org.convnet4j.nn.layers.ArgMax(c.intValue("axis"), c.boolValue("keep_dims", true),
                c.boolValue("select_last", false)));
        register("AxisResize", c -> new org.convnet4j.nn.layers.AxisResize(c.intValue("axis"), c.intArray("lo"),
                c.intArray("hi"), c.floatArray("weights")));
        register("AxisTaps", c -> new org.convnet4j.nn.layers.AxisTaps(c.intValue("axis"), c.intValue("taps"),
                c.intArray("index"), c.floatArray("weights")));
        register("Conv2d", c -> {
            int[] k = c.ints("kernel_size", 2);
            int[] s = c.ints("strides", 2, 1, 1);
            int[] d = c.ints("dilation", 2, 1, 1);
            return new Conv2d(c.intValue("filters"), k[0], k[1])
                    .stride(s[0], s[1])
                    .dilation(d[0], d[1])
                    .padding(PaddingSpec.parse(c.string("padding", "valid")))
                    .padMode(PadMode.parse(c.string("pad_mode", "zero")))
                    .groups(c.intValue("groups", 1))
                    .useBias(c.boolValue("use_bias", true))
                    .init(Initializer.byId(c.string("kernel_init", "glorot_uniform")));
        });
        register("ConvTranspose2d", c -> {
            int[] k = c.ints("kernel_size", 2);
            int[] s = c.ints("strides", 2, 1, 1);
            int[] d = c.ints("dilation", 2, 1, 1);
            int[] p = c.ints("padding", 4, 0, 0, 0, 0);
            int[] op = c.ints("output_padding", 2, 0, 0);
            return new ConvTranspose2d(c.intValue("filters"), k[0], k[1])
                    .stride(s[0], s[1])
                    .dilation(d[0], d[1])
                    .padding(new org.convnet4j.ops.Padding(p[0], p[1], p[2], p[3]))
                    .outputPadding(op[0], op[1])
                    .groups(c.intValue("groups", 1))
                    .useBias(c.boolValue("use_bias", true))
                    .init(Initializer.byId(c.string("kernel_init", "glorot_uniform")));
        });
        register("MaxPool2d", c -> {
            int[] k = c.ints("pool_size", 2);
            int[] s = c.ints("strides", 2, k);
            return new MaxPool2d(k[0], k[1]).stride(s[0], s[1]).padding(c.string("padding", "valid"));
        });
        register("AvgPool2d", c -> {
            int[] k = c.ints("pool_size", 2);
            int[] s = c.ints("strides", 2, k);
            return new AvgPool2d(k[0], k[1]).stride(s[0], s[1]).padding(c.string("padding", "valid"))
                    .countIncludePad(c.boolValue("count_include_pad", false));
        });
        register("LpPool2d", c -> {
            int[] k = c.ints("pool_size", 2);
            int[] s = c.ints("strides", 2, k);
            return new LpPool2d(c.doubleValue("p"), k[0], k[1]).stride(s[0], s[1])
                    .padding(c.string("padding", "valid"));
        });
        register("GlobalAvgPool2d", c -> new GlobalAvgPool2d());
        register("GlobalMaxPool2d", c -> new GlobalMaxPool2d());
        register("ReLU", c -> new ReLU());
        register("LeakyReLU", c -> new LeakyReLU(c.doubleValue("alpha", 0.01)));
        register("Sigmoid", c -> new Sigmoid());
        register("Tanh", c -> new Tanh());
        register("ScaledTanh", c -> new ScaledTanh(c.doubleValue("amplitude", ScaledTanh.LECUN_AMPLITUDE),
                c.doubleValue("slope", ScaledTanh.LECUN_SLOPE)));
        register("TrainableSubsampling", c -> new TrainableSubsampling(c.intValue("pool_size", 2)));
        register("ConnectionTableConv2d", c -> {
            int[] k = c.ints("kernel_size", 2);
            return new ConnectionTableConv2d(c.intLists("connections"), k[0], k[1])
                    .init(Initializer.byId(c.string("kernel_init", "glorot_uniform")));
        });
        register("RbfOutput", c -> new RbfOutput(c.intValue("units")).seed(c.longValue("seed", 1998))
                .learnCentres(c.boolValue("learn_centres", false)));
        register("Softmax", c -> {
            int axis = c.intValue("axis", -1);
            if (axis != -1) {
                throw new IllegalArgumentException("layer type Softmax: only axis -1 (the last) is supported, got " + axis);
            }
            return new Softmax();
        });
        register("Dropout", c -> new Dropout(c.doubleValue("rate")).seed(c.longValue("seed", 0x5EEDL)));
        register("BatchNorm2d", c -> new BatchNorm2d().momentum(c.doubleValue("momentum", 0.1))
                .eps(c.doubleValue("eps", 1e-5)));
        register("BatchNorm1d", c -> new BatchNorm1d().momentum(c.doubleValue("momentum", 0.1))
                .eps(c.doubleValue("eps", 1e-5)));
        register("LRN", c -> new LRN(c.intValue("size"), c.doubleValue("alpha", 1e-4), c.doubleValue("beta", 0.75),
                c.doubleValue("k", 1.0)));
        register("ZeroPad2d", c -> {
            int[] p = c.ints("padding", 4);
            return new ZeroPad2d(p[0], p[1], p[2], p[3]);
        });
        register("Flatten", c -> new Flatten());
        register("Reshape", c -> new Reshape(Shape.of(c.intArray("shape"))));
        register("Clip", c -> new Clip(c.doubleValue("min"), c.doubleValue("max")));
        register("AxisSoftmax", c -> new AxisSoftmax(c.intValue("axis"), c.intValue("end_axis", -1),
                c.boolValue("log", false)));
        register("PadNd", c -> new PadNd(c.intArray("before"), c.intArray("after"),
                PadNd.parseMode(c.string("mode", "constant")), c.doubleValue("value", 0)));
        register("Arithmetic", c -> new Arithmetic(ArithmeticOp.parse(c.string("op", "add"))));
        register("ConstantArithmetic", c -> new ConstantArithmetic(ArithmeticOp.parse(c.string("op", "add")),
                Tensor.zeros(Shape.of(c.intArray("shape"))), c.boolValue("constant_first", false),
                c.boolValue("learnable", false)));
        register("Add", c -> new Add());
        register("WeightedSum", c -> new WeightedSum());
        register("DecisionFusion", c -> new DecisionFusion(DecisionFusion.Mode.parse(c.string("mode", "mean"))));
        register("Concat", c -> {
            int axis = c.intValue("axis", 1);
            if (axis < 1) {
                throw new IllegalArgumentException("layer type Concat: axis must be >= 1 (0 is the batch axis), got "
                        + axis);
            }
            return new Concat(axis - 1);
        });
        // Layers defined outside nn (transfer's ShallowClassifier) arrive as services, so that nn depends on no
        // package above it (ArchitectureTest: no package cycles).
        for (LayerProvider provider : java.util.ServiceLoader.load(LayerProvider.class, LayerFactory.class.getClassLoader())) {
            BUILDERS.putAll(provider.layers());
        }
    }

    private LayerFactory() {
    }

    /** Registers (or replaces) the builder of a layer type, e.g. for a custom layer. */
    public static synchronized void register(String type, Function<LayerConfig, Layer> builder) {
        BUILDERS.put(type, builder);
    }

    public static synchronized Set<String> types() {
        return new TreeSet<>(BUILDERS.keySet());
    }

    /** A new, unbuilt layer of the given type; fails naming the type and the problem. */
    public static Layer create(String type, Map<String, Object> config) {
        Function<LayerConfig, Layer> builder;
        synchronized (LayerFactory.class) {
            builder = BUILDERS.get(type);
        }
        if (builder == null) {
            String hint = "Sequential".equals(type) || "Graph".equals(type) ? " (models are rebuilt by ModelSpec)" : "";
            throw new IllegalArgumentException("unknown layer type '" + type + "'" + hint + "; known: " + types());
        }
        LayerConfig c = new LayerConfig(type, config);
        Layer layer;
        try {
            layer = builder.apply(c);
        } catch (IllegalArgumentException | IllegalStateException e) {
            if (e.getMessage() != null && e.getMessage().startsWith("layer type " + type)) {
                throw e;
            }
            throw new IllegalArgumentException("layer type " + type + ": bad config " + config + ": " + e.getMessage(), e);
        }
        c.requireAllUsed();
        return layer;
    }
}

package org.convnet4j.nn;

import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
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
 * The one registry of layer types ({@link LayerType}): model files ({@link ModelSpec} through
 * {@link LayerFactory}), the ONNX exporter and the ONNX importer of convnet4j-io all consult it. The library's own
 * types are the list below; types defined elsewhere arrive as {@code org.convnet4j.nn.LayerType} services (and, for
 * compatibility, {@link LayerProvider} services) when the registry starts, or through {@link #register}.
 * Adding a layer type is one {@link LayerType}: its name, config reader, ONNX form and examples.
 */
public final class LayerTypes {
    private static final Map<String, LayerType<?>> TYPES = new TreeMap<>();

    static {
        builtins();
        // Types defined outside nn (transfer's ShallowClassifier, applications' own layers) arrive as services, so
        // that nn depends on no package above it (ArchitectureTest: no package cycles).
        ClassLoader loader = LayerTypes.class.getClassLoader();
        for (LayerType<?> type : ServiceLoader.load(LayerType.class, loader)) {
            TYPES.put(type.name(), type);
        }
        for (@SuppressWarnings("deprecation") LayerProvider provider : ServiceLoader.load(LayerProvider.class, loader)) {
            provider.layers().forEach((name, builder) -> TYPES.put(name, LayerType.of(name, Layer.class, builder)));
        }
    }

    private LayerTypes() {
    }

    @SuppressWarnings("unchecked")
    private static <L extends Layer> void builtin(String name, Class<L> layerClass, Function<LayerConfig, ? extends Layer> create) {
        LayerType.Definition<L> type = LayerType.of(name, layerClass, c -> layerClass.cast(create.apply(c)));
        OnnxForm<?> form = BuiltinOnnxForms.FORMS.get(name);
        TYPES.put(name, form == null ? type : type.onnx((OnnxForm<L>) form));
    }

    /** Registers (or replaces) a layer type at run time. */
    public static synchronized void register(LayerType<?> type) {
        TYPES.put(type.name(), type);
    }

    /** Removes a type registered at run time (or any other); returns it, or null. */
    public static synchronized LayerType<?> unregister(String name) {
        return TYPES.remove(name);
    }

    /** The type of that name, or null. */
    public static synchronized LayerType<?> find(String name) {
        return TYPES.get(name);
    }

    /** The names of every known type, sorted. */
    public static synchronized Set<String> names() {
        return new TreeSet<>(TYPES.keySet());
    }

    /** Every known type, sorted by name. */
    public static synchronized List<LayerType<?>> all() {
        return new ArrayList<>(TYPES.values());
    }

    /** The type whose ONNX form imports {@code opType} of {@code domain} ("" for the default domain), or null. */
    public static synchronized LayerType<?> importing(String domain, String opType) {
        for (LayerType<?> t : TYPES.values()) {
            OnnxForm<?> f = t.onnx();
            if (f != null) {
                for (OnnxForm.Operator op : f.imports()) {
                    if (op.type().equals(opType) && op.domain().equals(domain)) {
                        return t;
                    }
                }
            }
        }
        return null;
    }

    private static void builtins() {
        builtin("Dense", org.convnet4j.nn.layers.Dense.class, c -> (c.boolValue("use_bias", true) ? new Dense(c.intValue("units")) : Dense.withoutBias(c.intValue("units")))
                .init(Initializer.byId(c.string("kernel_init", "glorot_uniform")))
                .over(c.boolValue("over_last_axis", false) ? Dense.Over.LAST_AXIS : Dense.Over.WHOLE_SAMPLE));
        builtin("Elementwise", org.convnet4j.nn.layers.Elementwise.class, c -> new org.convnet4j.nn.layers.Elementwise(
                org.convnet4j.nn.layers.Elementwise.Fn.parse(c.string("fn", "identity")), c.doubleValue("alpha", 1),
                c.doubleValue("beta", 0)));
        builtin("Transpose", org.convnet4j.nn.layers.Transpose.class, c -> new org.convnet4j.nn.layers.Transpose(c.intArray("perm")));
        builtin("Slice", org.convnet4j.nn.layers.Slice.class, c -> new org.convnet4j.nn.layers.Slice(c.intArray("starts"), c.intArray("ends"),
                c.intArray("steps")));
        builtin("Take", org.convnet4j.nn.layers.Take.class, c -> new org.convnet4j.nn.layers.Take(c.intValue("axis"), c.intArray("indices"),
                c.boolValue("drop_axis", false)));
        builtin("Reduce", org.convnet4j.nn.layers.Reduce.class, c -> new org.convnet4j.nn.layers.Reduce(
                org.convnet4j.nn.layers.Reduce.Op.parse(c.string("op", "mean")), c.intArray("axes"),
                c.boolValue("keep_dims", true)));
        builtin("LayerNorm", org.convnet4j.nn.layers.LayerNorm.class, c -> new org.convnet4j.nn.layers.LayerNorm(c.intValue("axes", 1),
                c.doubleValue("eps", 1e-5)));
        builtin("MatMul", org.convnet4j.nn.layers.MatMul.class, c -> new org.convnet4j.nn.layers.MatMul());
        builtin("DilatedMaxPool2d", org.convnet4j.nn.layers.DilatedMaxPool2d.class, c -> new org.convnet4j.nn.layers.DilatedMaxPool2d(c.intArray("kernel"),
                c.intArray("strides"), c.intArray("dilations"), c.intArray("pads"), c.boolValue("ceil_mode", false)));
        builtin("DilatedAvgPool2d", org.convnet4j.nn.layers.DilatedAvgPool2d.class, c -> new org.convnet4j.nn.layers.DilatedAvgPool2d(c.intArray("kernel"),
                c.intArray("strides"), c.intArray("dilations"), c.intArray("pads"), c.boolValue("ceil_mode", false),
                c.boolValue("count_include_pad", false)));
        builtin("PRelu", org.convnet4j.nn.layers.PRelu.class, c -> new org.convnet4j.nn.layers.PRelu(Shape.of(c.intArray("slope_shape"))));
        builtin("ArgMax", org.convnet4j.nn.layers.ArgMax.class, c -> new org.convnet4j.nn.layers.ArgMax(c.intValue("axis"), c.boolValue("keep_dims", true),
                c.boolValue("select_last", false)));
        builtin("AxisResize", org.convnet4j.nn.layers.AxisResize.class, c -> new org.convnet4j.nn.layers.AxisResize(c.intValue("axis"), c.intArray("lo"),
                c.intArray("hi"), c.floatArray("weights")));
        builtin("AxisTaps", org.convnet4j.nn.layers.AxisTaps.class, c -> new org.convnet4j.nn.layers.AxisTaps(c.intValue("axis"), c.intValue("taps"),
                c.intArray("index"), c.floatArray("weights")));
        builtin("Conv2d", org.convnet4j.nn.layers.Conv2d.class, c -> {
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
        builtin("ConvTranspose2d", org.convnet4j.nn.layers.ConvTranspose2d.class, c -> {
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
        builtin("MaxPool2d", org.convnet4j.nn.layers.MaxPool2d.class, c -> {
            int[] k = c.ints("pool_size", 2);
            int[] s = c.ints("strides", 2, k);
            return new MaxPool2d(k[0], k[1]).stride(s[0], s[1]).padding(c.string("padding", "valid"));
        });
        builtin("AvgPool2d", org.convnet4j.nn.layers.AvgPool2d.class, c -> {
            int[] k = c.ints("pool_size", 2);
            int[] s = c.ints("strides", 2, k);
            return new AvgPool2d(k[0], k[1]).stride(s[0], s[1]).padding(c.string("padding", "valid"))
                    .countIncludePad(c.boolValue("count_include_pad", false));
        });
        builtin("LpPool2d", org.convnet4j.nn.layers.LpPool2d.class, c -> {
            int[] k = c.ints("pool_size", 2);
            int[] s = c.ints("strides", 2, k);
            return new LpPool2d(c.doubleValue("p"), k[0], k[1]).stride(s[0], s[1])
                    .padding(c.string("padding", "valid"));
        });
        builtin("GlobalAvgPool2d", org.convnet4j.nn.layers.GlobalAvgPool2d.class, c -> new GlobalAvgPool2d());
        builtin("GlobalMaxPool2d", org.convnet4j.nn.layers.GlobalMaxPool2d.class, c -> new GlobalMaxPool2d());
        builtin("ReLU", org.convnet4j.nn.layers.ReLU.class, c -> new ReLU());
        builtin("LeakyReLU", org.convnet4j.nn.layers.LeakyReLU.class, c -> new LeakyReLU(c.doubleValue("alpha", 0.01)));
        builtin("Sigmoid", org.convnet4j.nn.layers.Sigmoid.class, c -> new Sigmoid());
        builtin("Tanh", org.convnet4j.nn.layers.Tanh.class, c -> new Tanh());
        builtin("ScaledTanh", org.convnet4j.nn.layers.ScaledTanh.class, c -> new ScaledTanh(c.doubleValue("amplitude", ScaledTanh.LECUN_AMPLITUDE),
                c.doubleValue("slope", ScaledTanh.LECUN_SLOPE)));
        builtin("TrainableSubsampling", org.convnet4j.nn.layers.TrainableSubsampling.class, c -> new TrainableSubsampling(c.intValue("pool_size", 2)));
        builtin("ConnectionTableConv2d", org.convnet4j.nn.layers.ConnectionTableConv2d.class, c -> {
            int[] k = c.ints("kernel_size", 2);
            return new ConnectionTableConv2d(c.intLists("connections"), k[0], k[1])
                    .init(Initializer.byId(c.string("kernel_init", "glorot_uniform")));
        });
        builtin("RbfOutput", org.convnet4j.nn.layers.RbfOutput.class, c -> new RbfOutput(c.intValue("units")).seed(c.longValue("seed", 1998))
                .learnCentres(c.boolValue("learn_centres", false)));
        builtin("Softmax", org.convnet4j.nn.layers.Softmax.class, c -> {
            int axis = c.intValue("axis", -1);
            if (axis != -1) {
                throw new IllegalArgumentException("layer type Softmax: only axis -1 (the last) is supported, got " + axis);
            }
            return new Softmax();
        });
        builtin("Dropout", org.convnet4j.nn.layers.Dropout.class, c -> new Dropout(c.doubleValue("rate")).seed(c.longValue("seed", 0x5EEDL)));
        builtin("BatchNorm2d", org.convnet4j.nn.layers.BatchNorm2d.class, c -> new BatchNorm2d().momentum(c.doubleValue("momentum", 0.1))
                .eps(c.doubleValue("eps", 1e-5)));
        builtin("BatchNorm1d", org.convnet4j.nn.layers.BatchNorm1d.class, c -> new BatchNorm1d().momentum(c.doubleValue("momentum", 0.1))
                .eps(c.doubleValue("eps", 1e-5)));
        builtin("LRN", org.convnet4j.nn.layers.LRN.class, c -> new LRN(c.intValue("size"), c.doubleValue("alpha", 1e-4), c.doubleValue("beta", 0.75),
                c.doubleValue("k", 1.0)));
        builtin("ZeroPad2d", org.convnet4j.nn.layers.ZeroPad2d.class, c -> {
            int[] p = c.ints("padding", 4);
            return new ZeroPad2d(p[0], p[1], p[2], p[3]);
        });
        builtin("Flatten", org.convnet4j.nn.layers.Flatten.class, c -> new Flatten());
        builtin("Reshape", org.convnet4j.nn.layers.Reshape.class, c -> new Reshape(Shape.of(c.intArray("shape"))));
        builtin("Clip", org.convnet4j.nn.layers.Clip.class, c -> new Clip(c.doubleValue("min"), c.doubleValue("max")));
        builtin("AxisSoftmax", org.convnet4j.nn.layers.AxisSoftmax.class, c -> new AxisSoftmax(c.intValue("axis"), c.intValue("end_axis", -1),
                c.boolValue("log", false)));
        builtin("PadNd", org.convnet4j.nn.layers.PadNd.class, c -> new PadNd(c.intArray("before"), c.intArray("after"),
                PadNd.parseMode(c.string("mode", "constant")), c.doubleValue("value", 0)));
        builtin("Arithmetic", org.convnet4j.nn.layers.Arithmetic.class, c -> new Arithmetic(ArithmeticOp.parse(c.string("op", "add"))));
        builtin("ConstantArithmetic", org.convnet4j.nn.layers.ConstantArithmetic.class, c -> new ConstantArithmetic(ArithmeticOp.parse(c.string("op", "add")),
                Tensor.zeros(Shape.of(c.intArray("shape"))), c.boolValue("constant_first", false),
                c.boolValue("learnable", false)));
        builtin("Add", org.convnet4j.nn.layers.Add.class, c -> new Add());
        builtin("WeightedSum", org.convnet4j.nn.layers.WeightedSum.class, c -> new WeightedSum());
        builtin("DecisionFusion", org.convnet4j.nn.layers.DecisionFusion.class, c -> new DecisionFusion(DecisionFusion.Mode.parse(c.string("mode", "mean"))));
        builtin("Concat", org.convnet4j.nn.layers.Concat.class, c -> {
            int axis = c.intValue("axis", 1);
            if (axis < 1) {
                throw new IllegalArgumentException("layer type Concat: axis must be >= 1 (0 is the batch axis), got "
                        + axis);
            }
            return new Concat(axis - 1);
        });
    }
}

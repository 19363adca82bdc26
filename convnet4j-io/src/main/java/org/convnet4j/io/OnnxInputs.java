package org.convnet4j.io;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.convnet4j.io.onnx.OnnxModel;
import org.convnet4j.io.onnx.OnnxProgram;
import org.convnet4j.io.onnx.OnnxReader;
import org.convnet4j.io.onnx.TensorData;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.util.GroupSeal;

/**
 * Input values for an ONNX model read from files with their element type kept, so that a model whose inputs are
 * integer (indices into an embedding, shapes, sizes) can be run on them ({@link OnnxProgram#run}): {@link #read}
 * takes TensorProto ({@code .pb}) or NumPy ({@code .npy}) files, {@link #conform} checks a value against the input the
 * model declares and converts an integer to the declared width. Every refusal is one line naming the file.
 *
 * <pre>
 *   OnnxModel.Model m = OnnxReader.readModel(Path.of("model.onnx"));
 *   OnnxProgram p = OnnxImporter.importProgram(m, "model.onnx");
 *   List&lt;OnnxModel.ValueInfo&gt; declared = OnnxInputs.declared(m);
 *   TensorData ids = OnnxInputs.conform(OnnxInputs.read(Path.of("ids.npy")), declared.get(0), "ids.npy");
 *   List&lt;TensorData&gt; outputs = p.run(List.of(ids));
 * </pre>
 */
public final class OnnxInputs {
    private OnnxInputs() {
    }

    /** The model's run-time inputs in order (a graph input that is also an initializer, as IR below 4 lists, is not). */
    public static List<OnnxModel.ValueInfo> declared(OnnxModel.Model model) {
        Set<String> initializers = new HashSet<>();
        for (TensorData t : model.graph().initializers()) {
            initializers.add(t.name());
        }
        List<OnnxModel.ValueInfo> inputs = new ArrayList<>();
        for (OnnxModel.ValueInfo v : model.graph().inputs()) {
            if (!initializers.contains(v.name())) {
                inputs.add(v);
            }
        }
        return inputs;
    }

    /** True when some run-time input of {@code model} is not floating point (integer or boolean). */
    public static boolean hasNonFloatInput(OnnxModel.Model model) {
        for (OnnxModel.ValueInfo v : declared(model)) {
            if (v.elemType() != 0 && !OnnxModel.isFloating(v.elemType())) {
                return true;
            }
        }
        return false;
    }

    /**
     * A tensor file with its element type, by its suffix: {@code .npy}; {@code .json}, one tensor as in an inference
     * request ({@code {"shape": [2, 5], "datatype": "INT64", "data": [...]}}, data flat or nested, datatype one of FP32,
     * FP64, INT64, INT32, INT16, INT8, UINT8, BOOL, or BYTES for a STRING tensor of JSON strings); a TensorProto
     * otherwise. A JSON tensor is read twice, streamed:
     * its layout is checked and its values counted before the memory they need is budgeted and allocated; data nested
     * deeper than one level must be nested exactly as the shape; FP32/FP64 values must lie within the type's finite
     * range, integer values be whole and within the type's range.
     */
    public static TensorData read(Path file) throws IOException {
        String name = file.getFileName() == null ? "" : file.getFileName().toString().toLowerCase(Locale.ROOT);
        return name.endsWith(".npy") ? Npy.readData(file) : name.endsWith(".json") ? JsonTensorFile.read(file)
                : OnnxReader.readTensor(file);
    }

    /**
     * The size check {@link #read} makes first, by the file's kind (.npy, .json, else a TensorProto), for
     * {@link GroupSeal#check(List, java.util.regex.Pattern, GroupSeal.SizeLimit)}: a file that would be refused for
     * its size is refused before it is hashed against its folder's seal, not after reading it through.
     */
    static final GroupSeal.SizeLimit SIZE_LIMIT = (file, bytes) -> {
        String name = file.getFileName() == null ? "" : file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".npy")) {
            Npy.requireSize(file, bytes);
        } else if (name.endsWith(".json")) {
            JsonTensorFile.requireSize(file, bytes);
        } else {
            OnnxReader.requireTensorFileSize(file, bytes);
        }
    };

    /**
     * Input files for a float model (the float route of {@code infer}): each read as {@link #read} does and made a float
     * tensor for the input of the same position, which takes [N, ...{@code inputShapes.get(i)}]. Every refusal is one
     * line starting with the file's path: a dimension of 0 or beyond 2^31 - 1 (a float tensor holds at least one
     * value per axis), or a shape the model's input cannot take.
     *
     * @throws IllegalArgumentException when the counts differ (naming neither) or a file does not fit (naming it)
     */
    public static List<Tensor> floatInputs(List<Path> files, List<Shape> inputShapes) throws IOException {
        if (files.size() != inputShapes.size()) {
            throw new IllegalArgumentException("the model takes " + inputShapes.size() + " input(s), got "
                    + files.size() + " file(s)");
        }
        // half-replaced, stale, or too large for its reader: refused (the last before the file is hashed)
        GroupSeal.Check seal = GroupSeal.check(files, ProgramInference.OUTPUT_NAMES, SIZE_LIMIT);
        List<Tensor> out = new ArrayList<>(files.size());
        for (int i = 0; i < files.size(); i++) {
            Path file = files.get(i);
            TensorData value = read(file);
            long[] dims = value.dims();
            String which = files.size() == 1 ? "the model's input" : "the model's input " + i;
            String wanted = "[N, " + inputShapes.get(i).toString().substring(1);
            if (value.isString()) {
                throw new IllegalArgumentException(file + ": the file holds STRING values; " + which + " takes numbers");
            }
            for (long d : dims) {
                if (d < 1 || d > Integer.MAX_VALUE) {
                    throw new IllegalArgumentException(file + ": shape " + Arrays.toString(dims) + " has a dimension of "
                            + d + "; " + which + " is " + wanted + " with every dimension 1.." + Integer.MAX_VALUE);
                }
            }
            boolean fits = dims.length == inputShapes.get(i).rank() + 1;
            for (int k = 1; fits && k < dims.length; k++) {
                fits = dims[k] == inputShapes.get(i).dim(k - 1);
            }
            if (!fits) {
                throw new IllegalArgumentException(file + ": shape " + Arrays.toString(dims) + " does not fit " + which
                        + " " + wanted);
            }
            out.add(value.toTensor());
        }
        seal.confirm();
        return out;
    }

    /**
     * {@code value} as the input {@code declared}: the same kind (floating, integer, boolean or string); an integer converted
     * to the declared integer type when every element fits it; the declared rank and every fixed dimension.
     *
     * @throws IllegalArgumentException starting with {@code source} (the file) when the value does not fit
     */
    public static TensorData conform(TensorData value, OnnxModel.ValueInfo declared, String source) {
        int want = declared.elemType();
        String what = source + ": input '" + declared.name() + "' ";
        if (want != 0 && kind(want) != kind(value.dataType())) {
            throw new IllegalArgumentException(what + "is " + OnnxModel.typeName(want) + ", the file holds "
                    + OnnxModel.typeName(value.dataType()) + " values");
        }
        if (declared.hasShape()) {
            long[] dims = declared.dims();
            boolean fits = dims.length == value.dims().length;
            for (int i = 0; fits && i < dims.length; i++) {
                fits = dims[i] <= 0 || dims[i] == value.dims()[i];
            }
            if (!fits) {
                throw new IllegalArgumentException(what + "has shape " + shapeText(dims) + ", the file holds "
                        + Arrays.toString(value.dims()));
            }
        }
        if (want == 0 || want == value.dataType() || kind(want) != 1) {
            return value;
        }
        long[] range = range(want);
        for (long v : value.longs()) {
            if (v < range[0] || v > range[1]) {
                throw new IllegalArgumentException(what + "is " + OnnxModel.typeName(want) + ", the file holds " + v
                        + ", outside " + range[0] + ".." + range[1]);
            }
        }
        return new TensorData(declared.name(), want, value.dims(), value.floats(), value.longs());
    }

    private static int kind(int type) {
        return OnnxModel.isFloating(type) ? 0 : type == OnnxModel.BOOL ? 2 : type == OnnxModel.STRING ? 3 : 1;
    }

    private static long[] range(int type) {
        return JsonTensorFile.range(type);
    }

    private static String shapeText(long[] dims) {
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < dims.length; i++) {
            b.append(i > 0 ? ", " : "").append(dims[i] > 0 ? Long.toString(dims[i]) : "?");
        }
        return b.append(']').toString();
    }
}

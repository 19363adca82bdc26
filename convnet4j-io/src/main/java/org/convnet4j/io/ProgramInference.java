package org.convnet4j.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.convnet4j.io.onnx.OnnxModel;
import org.convnet4j.io.onnx.OnnxProgram;
import org.convnet4j.io.onnx.OnnxWriter;
import org.convnet4j.io.onnx.TensorData;
import org.convnet4j.io.weights.ModelLoader;
import org.convnet4j.util.AtomicFiles;
import org.convnet4j.util.GroupSeal;

/**
 * An ONNX model with integer, boolean or string inputs, or a STRING output, run on tensor files (what
 * {@code convnet4j infer} does for such a model, {@link #needed}; {@link ModelInference} runs float models): each input
 * read with its element type ({@link OnnxInputs#read}), checked against the declared input
 * ({@link OnnxInputs#conform}), the model run as an {@link OnnxProgram}, and every output written to a folder as
 * {@code output_I.pb} (TensorProto, STRING outputs included) or {@code .npy} (numbers only: a STRING output is refused
 * before anything is written). Outputs keep their declared types; they are replaced all together or not at all
 * ({@link org.convnet4j.util.AtomicFiles.Group}).
 */
public final class ProgramInference {
    /** One written output: its file, shape and ONNX element type. */
    public record Written(Path file, long[] dims, int dataType) {
        /** "FILE [d0, d1] TYPE", as {@code infer} prints it after "wrote ". */
        @Override
        public String toString() {
            return file + " " + Arrays.toString(dims) + " " + OnnxModel.typeName(dataType);
        }
    }

    /**
     * The names infer gives its outputs, {@code output_I.pb} or {@code output_I.npy}: in a folder with a seal, one the seal
     * does not list is left over from an earlier run (one with more outputs, or another format) and is not read
     * ({@link GroupSeal#check(List, java.util.regex.Pattern)}).
     */
    static final java.util.regex.Pattern OUTPUT_NAMES = java.util.regex.Pattern.compile("output_[0-9]+\\.(pb|npy)");

    private ProgramInference() {
    }

    /**
     * Whether {@code model} needs this typed route rather than the float one (a {@code Model} from
     * {@code ModelLoader}, float tensors in and out): an input that is not floating point (integer, boolean, string),
     * or a STRING output (class names from a LabelEncoder after a float network, for one), which a float model cannot
     * give. Integer outputs beside float inputs (an ONNX-ML classifier's label) stay on the float route.
     */
    public static boolean needed(OnnxModel.Model model) {
        if (OnnxInputs.hasNonFloatInput(model)) {
            return true;
        }
        for (OnnxModel.ValueInfo v : model.graph().outputs()) {
            if (v.elemType() == OnnxModel.STRING) {
                return true;
            }
        }
        return false;
    }

    /**
     * Runs {@code model} ({@code name} in messages) on one file per declared input, in order, and writes the outputs
     * to {@code outDir} (created) in {@code formatName} "pb" or "npy" ({@link ModelInference#format}).
     *
     * @throws IllegalArgumentException in one line: the number of files, a file that does not fit its input (naming
     *                                  the file), a value the model refuses, a STRING output asked for as .npy
     */
    public static List<Written> run(OnnxModel.Model model, String name, List<Path> inputs, Path outDir,
                                    String formatName) throws IOException {
        String format = ModelInference.format(formatName);
        List<OnnxModel.ValueInfo> declared = OnnxInputs.declared(model);
        if (inputs.size() != declared.size()) {
            throw new IllegalArgumentException(name + " takes " + declared.size() + " input(s) "
                    + declared.stream().map(OnnxModel.ValueInfo::name).toList() + ", got " + inputs.size());
        }
        // a half-replaced group, a stale output, a file too large for its reader refused (before it is hashed)
        GroupSeal.Check seal = GroupSeal.check(inputs, OUTPUT_NAMES, OnnxInputs.SIZE_LIMIT);
        List<TensorData> values = new ArrayList<>();
        for (int i = 0; i < inputs.size(); i++) {
            Path p = inputs.get(i);
            values.add(OnnxInputs.conform(OnnxInputs.read(p), declared.get(i), p.toString()));
        }
        seal.confirm();
        // within the memory budget, its learned weights finite: as ModelLoader checks the float route's
        OnnxProgram program = ModelLoader.importOnnxProgram(model, name);
        List<TensorData> ys = program.run(values);
        if (format.equals("npy")) {
            for (int i = 0; i < ys.size(); i++) {
                if (ys.get(i).isString()) {
                    throw new IllegalArgumentException(name + ": output " + i + " '" + program.outputNames().get(i)
                            + "' is a STRING tensor, which .npy files here do not hold (write .pb instead)");
                }
            }
        }
        Files.createDirectories(outDir);
        List<Written> written = new ArrayList<>();
        try (AtomicFiles.Group outputs = AtomicFiles.sealedGroup()) { // all outputs replaced, or none
            for (int i = 0; i < ys.size(); i++) {
                TensorData y = ys.get(i);
                Path file = outDir.resolve("output_" + i + "." + format);
                byte[] bytes = format.equals("npy") ? Npy.bytes(file, y)
                        : OnnxWriter.tensorBytes(new TensorData("output_" + i, y.dataType(), y.dims(), y.floats(),
                        y.longs(), y.doubles(), y.strings()));
                outputs.write(file, o -> o.write(bytes));
                written.add(new Written(file, y.dims().clone(), y.dataType()));
            }
            outputs.publish();
        }
        return written;
    }
}

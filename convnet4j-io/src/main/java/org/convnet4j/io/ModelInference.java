package org.convnet4j.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.convnet4j.io.onnx.OnnxModel;
import org.convnet4j.io.onnx.OnnxWriter;
import org.convnet4j.io.onnx.TensorData;
import org.convnet4j.nn.GradMode;
import org.convnet4j.nn.Graph;
import org.convnet4j.nn.Model;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.util.AtomicFiles;

/**
 * A float {@link Model} run on tensor files: what {@code convnet4j infer} does for a model whose inputs and outputs are
 * floating point ({@link ProgramInference} runs the others; {@link ProgramInference#needed} tells which). One file per
 * model input, in order, each read as {@link OnnxInputs#floatInputs} does ({@code .pb}, {@code .npy} or {@code .json},
 * a batch [N, ...the input's shape]); every output of one forward pass (all outputs of a {@link Graph}) written to a
 * folder as {@code output_I.pb} (TensorProto) or {@code output_I.npy}, all together ({@link AtomicFiles.Group}): a
 * failure replaces none of the earlier outputs.
 *
 * <pre>
 *   Model model = ModelLoader.load(Path.of("net.onnx")).model();
 *   List&lt;ProgramInference.Written&gt; written = ModelInference.run(model, "net.onnx",
 *           List.of(Path.of("input_0.pb")), Path.of("out"), "npy");
 * </pre>
 */
public final class ModelInference {
    private ModelInference() {
    }

    /**
     * {@code format} as {@link #run} and {@link ProgramInference#run} take it: "pb" or "npy" (given in any case, as a
     * user may type it), in lower case.
     *
     * @throws IllegalArgumentException "format must be pb or npy, got 'X'"
     */
    public static String format(String format) {
        String f = format.toLowerCase(java.util.Locale.ROOT);
        if (!f.equals("pb") && !f.equals("npy")) {
            throw new IllegalArgumentException("format must be pb or npy, got '" + format + "'");
        }
        return f;
    }

    /**
     * Runs {@code model} ({@code name} in messages) on one file per input and writes its outputs to {@code outDir}
     * (created) in {@code formatName} "pb" or "npy" ({@link #format}); nothing is written when an input is refused.
     *
     * @throws IllegalArgumentException in one line: the format, the number of files, a file that does not fit its input
     *                                  (naming the file)
     * @throws IOException              a file that cannot be read, or {@code outDir} that cannot be made (a file there)
     */
    public static List<ProgramInference.Written> run(Model model, String name, List<Path> inputs, Path outDir,
                                                     String formatName) throws IOException {
        String format = format(formatName);
        if (inputs.size() != model.inputShapes().size()) {
            throw new IllegalArgumentException(name + " takes " + model.inputShapes().size() + " input(s), got "
                    + inputs.size());
        }
        List<Tensor> xs = OnnxInputs.floatInputs(inputs, model.inputShapes());
        List<Tensor> ys = GradMode.withoutGradients(() -> model instanceof Graph g ? g.forwardMulti(xs, false)
                : List.of(model.forward(xs, false)));
        Files.createDirectories(outDir);
        List<ProgramInference.Written> written = new ArrayList<>();
        try (AtomicFiles.Group outputs = AtomicFiles.sealedGroup()) { // all outputs replaced, or none
            for (int i = 0; i < ys.size(); i++) {
                Path out = outDir.resolve("output_" + i + "." + format);
                byte[] bytes = format.equals("npy") ? Npy.bytes(ys.get(i))
                        : OnnxWriter.tensorBytes(TensorData.of("output_" + i, ys.get(i)));
                outputs.write(out, o -> o.write(bytes));
                written.add(new ProgramInference.Written(out, java.util.Arrays.stream(ys.get(i).shape().dims())
                        .asLongStream().toArray(), OnnxModel.FLOAT));
            }
            outputs.publish();
        }
        return written;
    }
}

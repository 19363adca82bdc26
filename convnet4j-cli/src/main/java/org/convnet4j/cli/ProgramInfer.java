package org.convnet4j.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.convnet4j.io.Npy;
import org.convnet4j.io.OnnxInputs;
import org.convnet4j.io.onnx.OnnxImporter;
import org.convnet4j.io.onnx.OnnxModel;
import org.convnet4j.io.onnx.OnnxProgram;
import org.convnet4j.io.onnx.OnnxWriter;
import org.convnet4j.io.onnx.TensorData;

/**
 * {@code infer} for an ONNX model with integer or boolean inputs: the inputs are read with their element type
 * ({@link OnnxInputs}), checked against the declared inputs, and the model is run as an {@link OnnxProgram}; outputs
 * keep their declared types.
 */
final class ProgramInfer {
    private ProgramInfer() {
    }

    static int run(OnnxModel.Model model, String name, List<Path> inputs, Path outDir, String fmt, PrintWriter out)
            throws IOException {
        List<OnnxModel.ValueInfo> declared = OnnxInputs.declared(model);
        if (inputs.size() != declared.size()) {
            throw new BadInputException(name + " takes " + declared.size() + " input(s) "
                    + declared.stream().map(OnnxModel.ValueInfo::name).toList() + ", got " + inputs.size());
        }
        List<TensorData> values = new ArrayList<>();
        for (int i = 0; i < inputs.size(); i++) {
            Path p = inputs.get(i);
            values.add(OnnxInputs.conform(OnnxInputs.read(p), declared.get(i), p.toString()));
        }
        OnnxProgram program = OnnxImporter.importProgram(model, name);
        List<TensorData> ys = program.run(values);
        Files.createDirectories(outDir);
        for (int i = 0; i < ys.size(); i++) {
            TensorData y = ys.get(i);
            Path file = outDir.resolve("output_" + i + "." + fmt);
            if (fmt.equals("npy")) {
                Npy.write(file, y);
            } else {
                OnnxWriter.writeTensor(file, new TensorData("output_" + i, y.dataType(), y.dims(), y.floats(),
                        y.longs(), y.doubles()));
            }
            out.println("wrote " + file + " " + Arrays.toString(y.dims()) + " " + OnnxModel.typeName(y.dataType()));
        }
        return 0;
    }
}

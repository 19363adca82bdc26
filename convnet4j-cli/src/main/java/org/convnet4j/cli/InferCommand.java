package org.convnet4j.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.convnet4j.io.ModelInference;
import org.convnet4j.io.ProgramInference;
import org.convnet4j.io.onnx.OnnxModel;
import org.convnet4j.io.weights.ModelLoader;
import org.convnet4j.nn.Model;
import org.convnet4j.util.AtomicFiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Runs a model on tensors from files and writes its outputs. */
@Command(name = "infer", resourceBundle = "org.convnet4j.cli.help.infer", sortOptions = false)
final class InferCommand extends CliCommand {
    @Option(names = "--model", required = true, paramLabel = "MODEL")
    String modelFile;

    @Option(names = "--input", required = true, paramLabel = "TENSOR")
    List<Path> inputs;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "OUTDIR")
    Path outDir;

    @Option(names = "--format", paramLabel = "pb|npy", defaultValue = "pb")
    String format;

    @Override
    public Integer call() throws Exception {
        if (Files.isDirectory(outDir)) {
            // first: outputs that a killed infer left half-replaced are settled (finished), one line if so
            AtomicFiles.recover(outDir);
        }
        String fmt = BadInputException.prefixed("--", () -> ModelInference.format(format)); // before the model is read
        Path local = Path.of(modelFile);
        if (modelFile.toLowerCase(Locale.ROOT).endsWith(".onnx") && Files.isRegularFile(local)) {
            OnnxModel.Model onnx = ModelLoader.readOnnx(local);
            if (ProgramInference.needed(onnx)) { // integer, boolean or string inputs, string outputs: the typed program
                ProgramInference.run(onnx, modelFile, inputs, outDir, fmt)
                        .forEach(w -> out().println("wrote " + w));
                return 0;
            }
        }
        Model model = ModelArgument.model(modelFile);
        ModelInference.run(model, modelFile, inputs, outDir, fmt).forEach(w -> out().println(
                "wrote " + w.file() + " " + java.util.Arrays.toString(w.dims())));
        return 0;
    }
}

package org.convnet4j.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.convnet4j.io.SavedModels;
import org.convnet4j.nn.Model;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** ONNX (or a convnet4j checkpoint) to a convnet4j model file. */
@Command(name = "import", mixinStandardHelpOptions = true, versionProvider = VersionInfo.class, sortOptions = false,
        header = "Convert an ONNX model into a convnet4j model file.",
        description = {"Reads FILE (.onnx; a .c4j or .safetensors convnet4j checkpoint passes through) and writes"
                + " the architecture and weights as a convnet4j checkpoint that trains and predicts like any model.",
            ""},
        footer = {"", "Example:", "  convnet4j import resnet.onnx -o resnet.c4j"})
final class ImportCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FILE", description = "Model to import (.onnx, .c4j or .safetensors).")
    Path input;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "OUT", description = "Model file to write (.c4j).")
    Path output;

    @Override
    public Integer call() throws Exception {
        Model m = SavedModels.load(input);
        SavedModels.save(m, output);
        spec.commandLine().getOut().println("wrote " + output + ": " + m.parameterCount() + " parameters, input "
                + m.inputShapes() + ", output " + m.outputShape());
        return 0;
    }
}

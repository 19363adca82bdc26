package org.convnet4j.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.convnet4j.io.onnx.OnnxExporter;
import org.convnet4j.nn.Model;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** A convnet4j model to ONNX. */
@Command(name = "export", mixinStandardHelpOptions = true, versionProvider = VersionInfo.class, sortOptions = false,
        header = "Write a convnet4j model as ONNX (opset 17).",
        description = {"Reads MODEL and writes it as an ONNX file with a symbolic batch axis.", ""},
        footer = {"", "Examples:", "  convnet4j export model.c4j -o model.onnx",
            "  convnet4j export resnet18:imagenet -o resnet18.onnx"})
final class ExportCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "MODEL", description = "Model file (.c4j, or any format import reads),"
            + " an http(s) URL of one, or a catalogued name such as resnet18:imagenet (convnet4j weights list).")
    String input;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "OUT", description = "ONNX file to write.")
    Path output;

    @Override
    public Integer call() throws Exception {
        OutputFile.requireTarget(output); // before the model is downloaded or read
        Model m = ModelArgument.load(input, null, null, null, spec.commandLine().getErr()).model();
        OnnxExporter.export(m, output);
        spec.commandLine().getOut().println("wrote " + output);
        return 0;
    }
}

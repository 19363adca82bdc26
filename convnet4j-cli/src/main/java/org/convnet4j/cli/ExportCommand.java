package org.convnet4j.cli;

import java.nio.file.Path;
import org.convnet4j.io.onnx.OnnxExporter;
import org.convnet4j.nn.Model;
import org.convnet4j.util.AtomicFiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** A convnet4j model to ONNX. */
@Command(name = "export", resourceBundle = "org.convnet4j.cli.help.export", sortOptions = false)
final class ExportCommand extends CliCommand {
    @Parameters(index = "0", paramLabel = "MODEL")
    String input;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "OUT", converter = Converters.OnnxFile.class)
    Path output;

    @Override
    public Integer call() throws Exception {
        AtomicFiles.requireWritable(output); // before the model is downloaded or read
        Model m = ModelArgument.model(input);
        OnnxExporter.export(m, output);
        out().println("wrote " + output);
        return 0;
    }
}

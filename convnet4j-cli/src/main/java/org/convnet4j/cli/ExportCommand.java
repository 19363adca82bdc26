package org.convnet4j.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.convnet4j.io.onnx.OnnxExporter;
import org.convnet4j.nn.Model;
import org.convnet4j.util.AtomicFiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** A convnet4j model to ONNX. */
@Command(name = "export", resourceBundle = "org.convnet4j.cli.help.export",
        mixinStandardHelpOptions = true, versionProvider = VersionInfo.class, sortOptions = false)
final class ExportCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "MODEL")
    String input;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "OUT", converter = Converters.OnnxFile.class)
    Path output;

    @Override
    public Integer call() throws Exception {
        AtomicFiles.requireWritable(output); // before the model is downloaded or read
        Model m = ModelArgument.load(input, null, null, null, spec.commandLine().getErr()).model();
        OnnxExporter.export(m, output);
        spec.commandLine().getOut().println("wrote " + output);
        return 0;
    }
}

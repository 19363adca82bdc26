package org.convnet4j.cli;

import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import org.convnet4j.io.onnx.OnnxImporter;
import org.convnet4j.io.onnx.OnnxModel;
import org.convnet4j.io.onnx.OnnxReader;
import org.convnet4j.io.onnx.UnsupportedOnnxException;
import org.convnet4j.nn.Model;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Parameters;

/** What a model file holds: layers or ONNX operators, shapes, parameters, what cannot be imported. */
@Command(name = "inspect", resourceBundle = "org.convnet4j.cli.help.inspect",
        mixinStandardHelpOptions = true, versionProvider = VersionInfo.class)
final class InspectCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "MODEL")
    String input;

    @Override
    public Integer call() throws Exception {
        Model model;
        if (input.toLowerCase(java.util.Locale.ROOT).endsWith(".onnx")) {
            // the operators as the file has them, before any import (downloaded first if a URL)
            Path file = ModelArgument.resolve(input);
            OnnxModel.Model m = OnnxReader.readModel(file);
            spec.commandLine().getOut().println(input + ": ONNX IR " + m.irVersion() + ", opset " + m.defaultOpset() + ", producer "
                    + m.producerName() + " " + m.producerVersion());
            Map<String, Integer> ops = new TreeMap<>();
            m.graph().nodes().forEach(n -> ops.merge(n.opType(), 1, Integer::sum));
            spec.commandLine().getOut().println("operators: " + ops);
            for (OnnxModel.ValueInfo v : m.graph().inputs()) {
                spec.commandLine().getOut().println("input  " + v.name() + " " + java.util.Arrays.toString(v.dims()));
            }
            for (OnnxModel.ValueInfo v : m.graph().outputs()) {
                spec.commandLine().getOut().println("output " + v.name() + " " + java.util.Arrays.toString(v.dims()));
            }
            try {
                model = OnnxImporter.importModel(m, file.toString());
            } catch (UnsupportedOnnxException e) {
                spec.commandLine().getOut().println("unsupported:");
                e.problems().forEach(p -> spec.commandLine().getOut().println("  " + p));
                return 0;
            }
        } else {
            model = ModelArgument.load(input, null, null, null, spec.commandLine().getErr()).model();
        }
        spec.commandLine().getOut().printf("%-28s %-18s %-18s %12s%n", "layer", "type", "output", "params");
        for (Model.SummaryRow r : model.summaryRows()) {
            spec.commandLine().getOut().printf("%-28s %-18s %-18s %12d%n", r.name(), r.type(), r.outputShape(), r.params());
        }
        spec.commandLine().getOut().println("parameters: " + model.parameterCount() + ", MACs per sample: " + model.totalMacs());
        spec.commandLine().getOut().println("everything is supported");
        return 0;
    }
}

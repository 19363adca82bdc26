package org.convnet4j.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import org.convnet4j.io.onnx.OnnxModel;
import org.convnet4j.io.onnx.UnsupportedOnnxException;
import org.convnet4j.io.weights.ModelLoader;
import org.convnet4j.nn.Model;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** What a model file holds: layers or ONNX operators, shapes, parameters, what cannot be imported. */
@Command(name = "inspect", resourceBundle = "org.convnet4j.cli.help.inspect")
final class InspectCommand extends CliCommand {
    @Parameters(index = "0", paramLabel = "MODEL")
    String input;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = out();
        Model model;
        if (input.toLowerCase(java.util.Locale.ROOT).endsWith(".onnx")) {
            // the operators as the file has them (downloaded first if a URL), then what the import makes of them; a
            // file refused by either check prints nothing but its one line
            Path file = ModelArgument.resolve(input);
            OnnxModel.Model m = ModelLoader.readOnnx(file);
            UnsupportedOnnxException unsupported = null;
            try {
                model = ModelLoader.importOnnx(m, file);
            } catch (UnsupportedOnnxException e) {
                model = null;
                unsupported = e;
            }
            List<String> about = m.describe();
            out.println(input + ": " + about.get(0));
            about.subList(1, about.size()).forEach(out::println);
            if (unsupported != null) {
                out.println("unsupported:");
                unsupported.problems().forEach(p -> out.println("  " + p));
                return 0;
            }
        } else {
            model = ModelArgument.model(input);
        }
        out.printf("%-28s %-18s %-18s %12s%n", "layer", "type", "output", "params");
        for (Model.SummaryRow r : model.summaryRows()) {
            out.printf("%-28s %-18s %-18s %12d%n", r.name(), r.type(), r.outputShape(), r.params());
        }
        out.println("parameters: " + model.parameterCount() + ", MACs per sample: " + model.totalMacs());
        out.println("everything is supported");
        return 0;
    }
}

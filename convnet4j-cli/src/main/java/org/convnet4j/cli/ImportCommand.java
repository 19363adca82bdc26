package org.convnet4j.cli;

import com.google.gson.JsonObject;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.convnet4j.internal.json.Json;
import org.convnet4j.io.weights.ModelLoader;
import org.convnet4j.model.SavedModel;
import org.convnet4j.tensor.Shape;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** Another framework's weights to a convnet4j model file. */
@Command(name = "import", mixinStandardHelpOptions = true, versionProvider = VersionInfo.class, sortOptions = false,
        header = "Convert another framework's model (ONNX, Keras .h5, PyTorch .pth/.safetensors, a catalogued name) into a convnet4j model file.",
        description = {
            "ONNX files carry their graph and are imported op by op (convnet4j inspect FILE lists what is"
                + " unsupported). For weight files the architecture is guessed from the layer names (block5_conv3 -> vgg16, mixed10 -> inception_v3, ...),"
                + " the classes and channel width from the weight shapes; a file without classifier gives a model"
                + " without classifier. The model file keeps the preprocessing the weights expect (Keras: caffe or"
                + " tf mode; torchvision: resize 256, crop 224, mean/std) and the ImageNet class names for 1000"
                + " classes. PyTorch .pth/.pt files are read by a restricted unpickler that runs nothing from the file. ONNX files do"
                + " not say how pictures were prepared: PyTorch exports of RGB models get torchvision's preprocessing,"
                + " others pixels / 255 (a note says which); --preprocessing sets it.",
            ""
        },
        footer = {
            "",
            "Examples:",
            "  convnet4j import resnet50:imagenet -o resnet50.c4j",
            "  convnet4j import resnet18-f37072fd.pth -o resnet18.c4j",
            "  convnet4j import resnet.onnx --preprocessing torchvision -o resnet.c4j",
            "  convnet4j import dynamic_hw.onnx --input-shape 3x224x224 -o model.c4j",
            "  convnet4j import vgg16_weights_tf_dim_ordering_tf_kernels.h5 -o vgg16.c4j",
            "  convnet4j import resnet18.safetensors --model resnet18 -o resnet18.c4j",
            "  convnet4j predict --model vgg16.c4j cat.jpg"
        })
final class ImportCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "MODEL", description = "Model or weights: .onnx, .h5 (Keras), .pth/.pt/.safetensors (PyTorch state dict) or .c4j; an http(s) URL of one; or a catalogued name such as resnet50:imagenet (convnet4j weights list).")
    String file;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "MODEL_FILE", description = "The model file to write (.c4j).")
    Path output;

    @Option(names = {"-m", "--model"}, paramLabel = "ARCH",
            description = "Zoo architecture (vgg16, vgg19, resnet50, inception_v3, resnet18, ...); guessed if not given.")
    String architecture;

    @Option(names = "--size", paramLabel = "PIXELS",
            description = "Input height and width (default: the architecture's, or what VGG's fc1 implies).")
    Integer size;

    @Option(names = "--input-shape", paramLabel = "CxHxW",
            description = "ONNX: the per-sample shape of the model's input, for exports whose height and width (or"
                    + " other axes but the batch axis) are symbolic, e.g. 3x224x224; a fixed axis must keep its size."
                    + " Weight files: the input shape, as --size.")
    String inputShape;

    @Mixin
    PreprocessingOption preprocessing;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if (size != null && size < 1) {
            throw new BadInputException("--size: must be at least 1, got " + size);
        }
        if (size != null && inputShape != null) {
            throw new BadInputException("--size and --input-shape: give one of them");
        }
        Shape input = size == null ? null : Shape.of(3, size, size);
        if (inputShape != null) {
            try {
                input = Shape.parsePicture(inputShape);
            } catch (IllegalArgumentException e) {
                throw new BadInputException("--input-shape: " + e.getMessage(), e);
            }
        }
        OutputFile.requireTarget(output); // before a catalogued file is downloaded or a large one read
        SavedModel m = ModelArgument.load(file, architecture, input, preprocessing.spec, spec.commandLine().getErr());
        JsonObject d = Json.parseObject(m.description(), file + ": description");
        ModelLoader.save(m, output); // the preprocessing chosen now is stored, and said only this once
        out.printf("%s -> %s: %s, input %s, %,d parameters%s%n", file, output,
                d.has("imported_from")
                        && d.getAsJsonObject("imported_from").has("zoo_architecture")
                        ? d.getAsJsonObject("imported_from").get("zoo_architecture").getAsString()
                        : m.model().name(),
                m.model().inputShapes().get(0), m.model().parameterCount(),
                m.model().classNames().isEmpty() ? "" : ", " + m.model().classNames().size() + " classes");
        return 0;
    }
}

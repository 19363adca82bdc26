package org.convnet4j.cli;

import picocli.CommandLine.Option;

/** {@code --preprocessing SPEC} over what a base model's file says, as transfer and advise take it. */
final class BasePreprocessingOption {
    @Option(names = "--preprocessing", paramLabel = "SPEC", description = "How pictures become the base's input,"
            + " replacing what its file says (or guesses for ONNX): torchvision, keras-caffe, keras-tf, unit, none, or"
            + " mean=R,G,B,std=R,G,B[,resize=S,crop=C].")
    String spec;
}

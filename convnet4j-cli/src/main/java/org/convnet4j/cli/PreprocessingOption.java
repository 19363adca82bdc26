package org.convnet4j.cli;

import picocli.CommandLine.Option;

/** {@code --preprocessing SPEC} over what a model file says, as evaluate, predict and import take it. */
final class PreprocessingOption {
    @Option(names = "--preprocessing", paramLabel = "SPEC", description = "How pictures become the model input, replacing what the file says (or guesses for ONNX): torchvision, keras-caffe, keras-tf, unit (x/255), none, or mean=R,G,B,std=R,G,B[,resize=S,crop=C].")
    String spec;
}

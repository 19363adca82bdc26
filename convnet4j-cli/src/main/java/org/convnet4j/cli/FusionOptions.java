package org.convnet4j.cli;

import org.convnet4j.fusion.Join;
import org.convnet4j.nn.layers.DecisionFusion;
import org.convnet4j.run.FusionBranches;
import org.convnet4j.run.FusionRun;
import picocli.CommandLine.Option;

/** The {@code fuse} options that become {@link FusionRun.Settings} and the branches (training). */
final class FusionOptions {
    @Option(names = "--mode", paramLabel = "early|intermediate|late", description = "Fusion mode (training).")
    String mode;

    @Option(names = "--branch", paramLabel = "MODEL|NAME=MODEL,...", description = "Network per input (intermediate, "
            + "late) or for the stacked input (early): small-cnn (default), a zoo name (lenet5), or a model file "
            + "(pretrained; intermediate and late). NAME=MODEL pairs give one per input.")
    String branch;

    @Option(names = "--join-at", paramLabel = "LAYER|NAME=LAYER,...", description = "Intermediate: the layer each "
            + "branch is cut after. Default: pool2 for small-cnn, the whole model otherwise.")
    String joinAt;

    @Option(names = "--join", paramLabel = "concat|sum|weighted", defaultValue = "concat",
            description = "Intermediate: how branch features are joined. Default: ${DEFAULT-VALUE}.")
    String join;

    @Option(names = "--freeze-branches", description = "Intermediate: keep the branches' (pretrained) weights fixed.")
    boolean freezeBranches;

    @Option(names = "--combine", paramLabel = "mean|weighted|max|product|vote|stack", defaultValue = "mean",
            description = "Late: how member probabilities are combined. Default: ${DEFAULT-VALUE}.")
    String combine;

    @Option(names = "--fit-split", paramLabel = "F", defaultValue = "0.15", description = "Late weighted/stack: "
            + "fraction of the training part kept from the members to fit the combiner. Default: ${DEFAULT-VALUE}.")
    double fitSplit;

    @Option(names = "--epochs", paramLabel = "N", defaultValue = "3", description = "Default: ${DEFAULT-VALUE}.")
    int epochs;

    @Option(names = "--batch", paramLabel = "B", defaultValue = "64", description = "Default: ${DEFAULT-VALUE}.")
    int batch;

    @Option(names = "--lr", paramLabel = "LR", defaultValue = "0.002", description = "Adam learning rate. Default: ${DEFAULT-VALUE}.")
    double lr;

    @Option(names = "--val-split", paramLabel = "F", defaultValue = "0.1", description = "Held-out fraction, stratified by class (each class its share within one picture; every class keeps a training picture). Default: ${DEFAULT-VALUE}.")
    double valSplit;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "42", description = "Default: ${DEFAULT-VALUE}.")
    long seed;

    /** The settings these options give (the library checks their ranges). */
    FusionRun.Settings settings() {
        return new FusionRun.Settings(mode, Join.parse(join), freezeBranches ? FusionRun.BranchWeights.FROZEN
                : FusionRun.BranchWeights.TRAINED, DecisionFusion.Mode.parse(combine),
                fitSplit, epochs, batch, lr, valSplit, seed);
    }

    /** The network of each input, from --branch and --join-at. */
    FusionBranches branches() {
        return new FusionBranches(branch, joinAt);
    }
}
